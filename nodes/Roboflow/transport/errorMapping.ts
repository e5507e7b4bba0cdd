import { RoboflowApiError } from '../helpers/errors';

const STATUS_MESSAGES: Record<number, [string, string]> = {
	400: [
		'Roboflow could not read the image',
		'The file may be corrupt or in a format Roboflow does not accept, or (for URL input) the URL could not be downloaded.',
	],
	401: [
		'Roboflow rejected the API key',
		'Check the API key in the Roboflow API credential: use the private key from Settings > API Keys of the workspace that owns the model.',
	],
	403: [
		'Roboflow rejected the API key, or the key has no access to this model',
		'Check the API key in the Roboflow API credential: use the private key from Settings > API Keys of the workspace that owns the model.',
	],
	402: [
		'Your Roboflow workspace is out of credits',
		'Add credits or upgrade the plan in the Roboflow app, then run the workflow again.',
	],
	404: [
		'Roboflow found no model with this ID',
		'Check the Model ID: the project slug and version number must match the model\'s Deploy page, and the version must have a trained model.',
	],
	413: [
		'The image is too large for Roboflow',
		'Resize or compress it first, e.g. with the Edit Image node.',
	],
	423: [
		'Roboflow has paused usage for this workspace',
		'Check the workspace\'s billing and usage settings in the Roboflow app.',
	],
	429: [
		'Roboflow rate-limited the request, and it still failed after the retries',
		'Lower "Max Concurrency" in the node\'s options, or raise "Max Retries".',
	],
};

function serverText(body: unknown): string | undefined {
	if (typeof body === 'object' && body !== null) {
		const { message, detail } = body as { message?: unknown; detail?: unknown };
		if (typeof message === 'string') return message;
		if (detail !== undefined) return JSON.stringify(detail);
	}
	return undefined;
}

/** Maps a Roboflow error answer to a message a user can act on, quoting the server's own text. */
export function apiErrorFromStatus(status: number, body: unknown): RoboflowApiError {
	const [message, hint] =
		STATUS_MESSAGES[status] ??
		(status >= 500
			? [
					'Roboflow is unavailable right now',
					'The service answered with a server error and did not recover within the retries. Try again later.',
				]
			: [`Roboflow answered with HTTP ${status}`, 'The request was not accepted.']);
	const text = serverText(body);
	const description = text ? `${hint} Roboflow said: "${text.slice(0, 300)}" (HTTP ${status}).` : `${hint} (HTTP ${status}).`;
	return new RoboflowApiError(message, description, status);
}

const NETWORK_MESSAGES: Record<string, [string, string]> = {
	ECONNREFUSED: [
		'Could not connect to the Roboflow API',
		'Nothing answered at the API URL. Check the API URL in the Roboflow API credential and that the server is running.',
	],
	ENOTFOUND: [
		'Could not find the Roboflow API host',
		'The API URL\'s host name does not resolve. Check the API URL in the Roboflow API credential.',
	],
	ECONNABORTED: [
		'Roboflow did not answer in time',
		'The request timed out, also on every retry. Raise the "Timeout" option, or check the server\'s load.',
	],
	ETIMEDOUT: [
		'Roboflow did not answer in time',
		'The request timed out, also on every retry. Raise the "Timeout" option, or check the server\'s load.',
	],
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
