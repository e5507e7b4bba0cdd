import { RoboflowApiError } from '../helpers/errors';
import { serverText } from '../response/common';

const KEY_HINT =
	'Check the API key in the Roboflow API credential: use the private key from Settings > API Keys of the workspace that owns the model.';

const UNAVAILABLE: [string, string] = [
	'Roboflow is unavailable right now',
	'The service answered with a temporary error and did not recover within the retries. Try again later, or raise "Max Retries".',
];

const STATUS_MESSAGES: Record<number, [string, string]> = {
	401: ['Roboflow rejected the API key', KEY_HINT],
	402: [
		'Your Roboflow workspace is out of credits',
		'Add credits or upgrade the plan in the Roboflow app, then run the workflow again.',
	],
	404: [
		'Roboflow found no model with this ID',
		"Check the Model ID: the project slug and version number must match the model's Deploy page, and the version must have a trained model.",
	],
	413: [
		'The request is too large for Roboflow',
		'Resize or compress the image first, e.g. with the Edit Image node: the model scales images down to its input size anyway.',
	],
	422: [
		'Roboflow refused a parameter of the request',
		"Check the node's options against what the model accepts.",
	],
	423: [
		'Roboflow has paused usage for this workspace',
		"Check the workspace's billing and usage settings in the Roboflow app.",
	],
	429: [
		'Roboflow rate-limited the request, and it still failed after the retries',
		'Lower "Max Concurrency" in the node\'s options, or raise "Max Retries".',
	],
	502: UNAVAILABLE,
	503: UNAVAILABLE,
	504: UNAVAILABLE,
};

/** What an operation may say instead of the defaults, e.g. for a Workflow rather than a model. */
export interface ErrorAdvice {
	/** [message, hint] for a status, used when Roboflow's text matches none of the known ones. */
	byStatus?: Partial<Record<number, [string, string]>>;
	/** What the 403 "no access" headline ends with: "this model" (default), "this Workflow". */
	subject?: string;
	/** Added to the hint of a 500-class error that is not retried. */
	serverError?: string;
}

/** A 400 or 403 is headed by what Roboflow said: one status covers many causes. First match wins. */
const TEXT_MESSAGES: Array<{
	status: number;
	pattern: RegExp;
	message: string | ((advice: ErrorAdvice) => string);
	hint: string;
}> = [
	{
		status: 400,
		pattern: /non https:\/\/ URL|FQDN|fully qualified|URL input|whitelist|blacklist|destination/i,
		message: 'Roboflow refused the image URL',
		hint: 'Roboflow downloads images only from https:// addresses on a public host name (no IP address, no localhost). Use such a URL, or download the image with an HTTP Request node and send it as a binary file. A self-hosted Inference server accepts other URLs when started with ALLOW_NON_HTTPS_URL_INPUT=true or ALLOW_URL_INPUT_WITHOUT_FQDN=true.',
	},
	{
		status: 400,
		pattern: /Could not load input image|base64|image payload|decode/i,
		message: 'Roboflow could not read the image',
		hint: 'The file may be corrupt or in a format Roboflow does not accept, or (for URL input) the URL could not be downloaded.',
	},
	{
		status: 400,
		pattern: /Content-Type/i,
		message: "Roboflow did not accept the request's content type",
		hint: 'Something between n8n and Roboflow (a proxy?) changed the request, or the API URL points at a server that is not Roboflow Inference.',
	},
	{
		status: 400,
		pattern: /API key is missing|api[_ ]key/i,
		message: 'Roboflow says the API key is missing',
		hint: KEY_HINT,
	},
	{
		status: 400,
		pattern: /Invalid Model ID/i,
		message: 'Roboflow says the Model ID is invalid',
		hint: "Use the model ID Roboflow shows on the model's Deploy page: the project slug, a slash, then the version number.",
	},
	// The Hosted API (Legacy) answers a wrong key with a bare 403 "Forbidden".
	{ status: 403, pattern: /^Forbidden$/, message: 'Roboflow rejected the API key', hint: KEY_HINT },
	{
		status: 403,
		pattern: /./,
		message: (advice) => `The API key has no access to ${advice.subject ?? 'this model'}`,
		hint: 'The key is valid but may not use this resource: it belongs to another workspace, or lacks a scope the request needs. Use a key of the workspace that owns it, with the needed scopes (Settings > API Keys).',
	},
];

/** Maps a Roboflow error answer to a message a user can act on, quoting the server's own text. */
export function apiErrorFromStatus(
	status: number,
	body: unknown,
	advice: ErrorAdvice = {},
): RoboflowApiError {
	const text = serverText(body);
	const byText =
		text !== undefined
			? TEXT_MESSAGES.find((m) => m.status === status && m.pattern.test(text.trim()))
			: undefined;
	let message: string;
	let hint: string;
	if (byText) {
		message = typeof byText.message === 'function' ? byText.message(advice) : byText.message;
		hint = byText.hint;
	} else if (advice.byStatus?.[status]) {
		[message, hint] = advice.byStatus[status];
	} else if (STATUS_MESSAGES[status]) {
		[message, hint] = STATUS_MESSAGES[status];
	} else if (status === 400) {
		[message, hint] = [
			'Roboflow refused the request',
			"Check the node's parameters against what Roboflow said.",
		];
	} else if (status >= 500) {
		// 500, 501, 507...: a server or model problem that another try does not fix, so none is made.
		message = 'Roboflow failed to process the request';
		hint = `The server reported an error of its own (not retried: it does not go away on another try).${advice.serverError ? ` ${advice.serverError}` : ''} If it persists, check the model in the Roboflow app or contact Roboflow's support with the time of the run.`;
	} else {
		[message, hint] = [`Roboflow answered with HTTP ${status}`, 'The request was not accepted.'];
	}
	const description = text
		? `${hint} Roboflow said: "${text.slice(0, 500)}" (HTTP ${status}).`
		: `${hint} (HTTP ${status}).`;
	return new RoboflowApiError(message, description, status);
}

const TIMED_OUT: [string, string] = [
	'Roboflow did not answer in time',
	'The request timed out, also on every retry. Raise the "Timeout" option, or check the server\'s load.',
];

const NETWORK_MESSAGES: Record<string, [string, string]> = {
	ECONNREFUSED: [
		'Could not connect to the Roboflow API',
		'Nothing answered at the API URL. Check the API URL in the Roboflow API credential and that the server is running.',
	],
	ENOTFOUND: [
		'Could not find the Roboflow API host',
		"The API URL's host name does not resolve. Check the API URL in the Roboflow API credential.",
	],
	ECONNABORTED: TIMED_OUT,
	ETIMEDOUT: TIMED_OUT,
	ECONNRESET: [
		'The connection to Roboflow was dropped',
		'The server closed the connection, also on every retry. Check the network and the API URL.',
	],
};

/** Maps a failure that produced no HTTP answer; never includes the request URL (it holds the key). */
export function apiErrorFromNetwork(code: string | undefined): RoboflowApiError {
	const [message, hint] = (code && NETWORK_MESSAGES[code]) ?? [
		'The request to Roboflow failed',
		'No answer arrived. Check the network and the API URL in the Roboflow API credential.',
	];
	return new RoboflowApiError(message, `${hint}${code ? ` (${code})` : ''}`);
}

/** What a network error code looks like: `ECONNRESET`, `ERR_FR_TOO_MANY_REDIRECTS`; never a status. */
const NETWORK_CODE = /^(E[A-Z_]+|ERR_[A-Z_]+)$/;

/**
 * The network code of a failed request, never from message text: n8n 2.x keeps axios' error as
 * `cause`; n8n 1.x loses it, but both copy the code into `httpCode` when there was no answer.
 */
export function networkCode(error: unknown): string | undefined {
	for (
		let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
		e && depth < 4;
		depth++
	) {
		if (typeof e.code === 'string' && NETWORK_CODE.test(e.code)) return e.code;
		e = e.cause as typeof e;
	}
	const httpCode = (error as { httpCode?: unknown } | undefined)?.httpCode;
	return typeof httpCode === 'string' && NETWORK_CODE.test(httpCode) ? httpCode : undefined;
}
