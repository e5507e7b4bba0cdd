import type {
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';
import { randomString, sleep } from 'n8n-workflow';

import { RoboflowApiError } from '../helpers/errors';
import type { ErrorAdvice } from './errorMapping';
import { apiErrorFromNetwork, apiErrorFromStatus, networkCode } from './errorMapping';
import type { AccountWindow } from './accountLimiter';
import type { AttemptOutcome, SharedPause } from './retry';
import { BACKOFF_BASE_MS, retryDelayMs } from './retry';

/** A model's JSON answer is a few KB; anything far larger is not one and is not buffered. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** Pictures come back as base64 inside the JSON: room for a large photo's annotated copy. */
export const MAX_ANNOTATED_RESPONSE_BYTES = 48 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';
/** Sleeps are sliced so a stopped execution is noticed within this time. */
const SLEEP_SLICE_MS = 200;

/** What is sent: the transport knows nothing about tasks, only about this. */
export interface RoboflowRequest {
	/** POST unless said otherwise (the management API's lookups are GETs). */
	method?: 'GET' | 'POST';
	/** The full URL without the key (the credential adds `api_key`). */
	url: string;
	/** Query parameters besides the key. */
	query: IDataObject;
	/**
	 * The body: an image as bare base64 (the model route reads any non-multipart body so), a
	 * JSON document (Workflows), a file form (uploads to a project) or plain text (an annotation
	 * file). None when Roboflow downloads the image from a URL.
	 */
	body?:
		| { kind: 'base64'; text: string }
		| { kind: 'json'; text: string }
		| { kind: 'text'; text: string }
		| { kind: 'multipart'; parts: FormPart[] };
	/** Answers larger than this are refused without being buffered. */
	maxResponseBytes: number;
	/** What the answer should have been, for messages: "a classification result". */
	expected: string;
	/** The operation's own wording for some error answers. */
	advice?: ErrorAdvice;
}

/** One field of a `multipart/form-data` body: a text value, or a file with its name and type. */
export type FormPart =
	| { field: string; value: string }
	| { field: string; fileName: string; contentType: string; data: Buffer };

/** A file form's bytes, built once per request however often it is sent (retries). */
const formBodies = new WeakMap<FormPart[], { contentType: string; bytes: Buffer }>();

/** Quotes a form field's name or file name for its Content-Disposition header (RFC 7578). */
function quoted(text: string): string {
	return `"${text.replace(/[\r\n"]/g, (c) => encodeURIComponent(c))}"`;
}

/**
 * Encodes a file form. Built here rather than with a FormData object: n8n 1.x and 2.x treat
 * FormData bodies differently, while both send a Buffer as it is.
 */
export function encodeMultipart(parts: FormPart[]): { contentType: string; bytes: Buffer } {
	const cached = formBodies.get(parts);
	if (cached) return cached;
	const boundary = `----n8nRoboflow${randomString(24)}`;
	const chunks: Buffer[] = [];
	for (const part of parts) {
		const file = 'data' in part;
		const head =
			`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(part.field)}` +
			(file ? `; filename=${quoted(part.fileName)}\r\nContent-Type: ${part.contentType}` : '') +
			'\r\n\r\n';
		chunks.push(Buffer.from(head, 'utf8'), file ? part.data : Buffer.from(part.value, 'utf8'));
		chunks.push(Buffer.from('\r\n', 'utf8'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
	const encoded = {
		contentType: `multipart/form-data; boundary=${boundary}`,
		bytes: Buffer.concat(chunks),
	};
	formBodies.set(parts, encoded);
	return encoded;
}

/** How one request is sent: per item (timeout, retries) and per run (pause, signal, credential). */
export interface RequestPolicy {
	/**
	 * The node's Roboflow credential, read once per run. Handing it to n8n's helper saves a
	 * database read and a decryption on every request.
	 */
	credentials: ICredentialsDecrypted;
	timeoutMs: number;
	maxRetries: number;
	pause: SharedPause;
	/**
	 * The account's in-flight window in this n8n process (accountLimiter.ts), for inference
	 * requests; `pause` is then the account's pause too.
	 */
	window?: AccountWindow;
	signal?: AbortSignal;
	onRetry: () => void;
}

/** Where requests are sent from: a run of the node, or the editor asking a picker for its list. */
export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

/** Signals that the user stopped the execution; never retried, never mapped to an item error. */
export class RequestCancelledError extends Error {
	constructor() {
		super('The execution was stopped');
		this.name = 'RequestCancelledError';
	}
}

type Attempt =
	| { ok: true; body: unknown }
	| { ok: false; cancelled: true }
	| (AttemptOutcome & { ok: false; cancelled?: false; error: RoboflowApiError });

/** The parts of Node's response stream that the body reader uses. */
interface BodyStream {
	on(event: 'data', listener: (chunk: Buffer) => void): unknown;
	on(event: 'end', listener: () => void): unknown;
	on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown;
	destroy(): void;
	setTimeout?: (ms: number, listener: () => void) => unknown;
}

interface FullResponse {
	body: BodyStream;
	headers: Record<string, string | string[] | undefined>;
	statusCode: number;
}

function header(headers: FullResponse['headers'], name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

class BodyError extends Error {
	constructor(readonly code: string) {
		super(code);
	}
}

/**
 * Reads a response stream up to `maxBytes`, destroying it past that or when it stalls for
 * `idleMs` (the socket's idle timeout; axios' own timeout ends once the headers arrive).
 */
async function readBody(stream: BodyStream, maxBytes: number, idleMs: number): Promise<string> {
	return await new Promise<string>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const fail = (code: string) => {
			if (settled) return;
			settled = true;
			stream.destroy();
			reject(new BodyError(code));
		};
		stream.setTimeout?.(idleMs, () => fail('ETIMEDOUT'));
		stream.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBytes) fail('ETOOLARGE');
			else chunks.push(chunk);
		});
		stream.on('end', () => {
			if (settled) return;
			settled = true;
			stream.setTimeout?.(0, () => {});
			resolve(Buffer.concat(chunks).toString('utf8'));
		});
		stream.on('error', (error) => fail(error.code ?? 'ECONNRESET'));
	});
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function describeNonJson(
	status: number,
	contentType: string | undefined,
	text: string,
	expected: string,
): RoboflowApiError {
	const looksHtml = /^\s*</.test(text) || (contentType ?? '').includes('html');
	const kind = looksHtml ? 'an HTML page' : text.trim() ? 'text that is not JSON' : 'an empty body';
	return new RoboflowApiError(
		`Roboflow answered with ${kind} instead of ${expected}`,
		`HTTP ${status}, content type ${contentType ?? 'unknown'}. Check that the API URL in the Roboflow API credential points at Roboflow (the Serverless Cloud API, a dedicated deployment or your own Inference server), not at a web page or proxy.`,
		status,
	);
}

async function attemptOnce(
	this: RequestContext,
	request: RoboflowRequest,
	policy: RequestPolicy,
): Promise<Attempt> {
	const { timeoutMs } = policy;
	const options: IHttpRequestOptions = {
		method: request.method ?? 'POST',
		url: request.url,
		qs: request.query,
		timeout: timeoutMs,
		maxRedirects: MAX_REDIRECTS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		encoding: 'stream',
		json: false,
		// A list in the query is a repeated parameter (`tag=a&tag=b`), as Roboflow reads it.
		arrayFormat: 'repeat',
	};
	if (request.body?.kind === 'base64') {
		// Roboflow reads the raw body as bare base64 whatever the (non-multipart) content type; its
		// docs send the form type. The charset parameter matters to n8n: given exactly
		// "application/x-www-form-urlencoded", its helper first parses the whole base64 string into
		// URLSearchParams and then discards them, a copy and a parse of every image for nothing.
		options.body = request.body.text;
		options.headers = { 'Content-Type': FORM_CONTENT_TYPE };
	} else if (request.body?.kind === 'json') {
		// Already serialised: the size check measured exactly these bytes.
		options.body = request.body.text;
		options.headers = { 'Content-Type': 'application/json' };
	} else if (request.body?.kind === 'text') {
		options.body = request.body.text;
		options.headers = { 'Content-Type': 'text/plain; charset=utf-8' };
	} else if (request.body?.kind === 'multipart') {
		const form = encodeMultipart(request.body.parts);
		options.body = form.bytes;
		options.headers = { 'Content-Type': form.contentType };
	}

	let response: FullResponse;
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(
			this,
			'roboflowApi',
			options,
			{
				credentialsDecrypted: policy.credentials,
			},
		)) as FullResponse;
	} catch (error) {
		if ('getExecutionCancelSignal' in this && this.getExecutionCancelSignal()?.aborted)
			return { ok: false, cancelled: true };
		const code = networkCode(error);
		if (code === 'ERR_FR_TOO_MANY_REDIRECTS') {
			return {
				ok: false,
				error: new RoboflowApiError(
					"Roboflow's address redirected too many times",
					`More than ${MAX_REDIRECTS} redirects. Check the API URL in the Roboflow API credential.`,
				),
			};
		}
		return { ok: false, networkCode: code, error: apiErrorFromNetwork(code) };
	}

	const status = response.statusCode;
	let text: string;
	try {
		text = await readBody(response.body, request.maxResponseBytes, timeoutMs);
	} catch (error) {
		const code = error instanceof BodyError ? error.code : 'ECONNRESET';
		if (code === 'ETOOLARGE') {
			return {
				ok: false,
				error: new RoboflowApiError(
					`Roboflow's answer is too large to be ${request.expected}`,
					`It exceeded ${Math.round(request.maxResponseBytes / (1024 * 1024))} MB (HTTP ${status}). Check the API URL in the Roboflow API credential.`,
					status,
				),
			};
		}
		return { ok: false, networkCode: code, error: apiErrorFromNetwork(code) };
	}

	const body = parseJson(text);
	if (status >= 200 && status < 300) {
		if (body === undefined) {
			const contentType = header(response.headers, 'content-type');
			return { ok: false, error: describeNonJson(status, contentType, text, request.expected) };
		}
		return { ok: true, body };
	}
	return {
		ok: false,
		status,
		retryAfter: header(response.headers, 'retry-after'),
		error: apiErrorFromStatus(status, body, request.advice),
	};
}

async function pauseFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
	const end = Date.now() + ms;
	for (let left = ms; left > 0; left = end - Date.now()) {
		if (signal?.aborted) throw new RequestCancelledError();
		await sleep(Math.min(left, SLEEP_SLICE_MS));
	}
	if (signal?.aborted) throw new RequestCancelledError();
}

/**
 * Sends one request to Roboflow, retrying temporary failures (429, 502-504, dropped
 * connections, timeouts) with backoff, and returns Roboflow's parsed JSON answer.
 */
export async function sendRoboflowRequest(
	this: RequestContext,
	request: RoboflowRequest,
	policy: RequestPolicy,
): Promise<unknown> {
	for (let attempt = 1; ; attempt++) {
		await pauseFor(policy.pause.remainingMs(), policy.signal);
		const slot = await policy.window?.acquire(policy.signal, () => new RequestCancelledError());
		let result: Attempt | undefined;
		try {
			result = await attemptOnce.call(this, request, policy);
		} finally {
			if (!result) slot?.done('other');
		}
		if (result.ok) {
			slot?.done('success');
			return result.body;
		}
		if (result.cancelled) {
			slot?.done('other');
			throw new RequestCancelledError();
		}
		const delay = retryDelayMs(result, attempt, policy.maxRetries);
		// The pause starts before the slot is given back, so no waiting request slips in first;
		// it holds even when this request has no retry left.
		if (result.status === 429)
			policy.pause.extend(delay ?? retryDelayMs(result, 1, 1) ?? BACKOFF_BASE_MS);
		slot?.done(result.status === 429 ? 'rateLimited' : 'other');
		if (delay === undefined) throw result.error;
		policy.onRetry();
		await pauseFor(delay, policy.signal);
	}
}
