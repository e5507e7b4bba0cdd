/** One attempt at a request: the HTTP call through n8n's helpers and the reading of its answer. */
import type { IHttpRequestOptions } from 'n8n-workflow';
import { randomString } from 'n8n-workflow';

import { RoboflowApiError } from '../helpers/errors';
import type { RoboflowCredentials } from './credentials';
import { keyTransportFor, withKeyIn } from './credentials';
import { apiErrorFromNetwork, apiErrorFromStatus, networkCode } from './errorMapping';
import type { FormPart, RequestContext, RequestPolicy, RoboflowRequest } from './request';
import type { AttemptOutcome } from './retry';

const MAX_REDIRECTS = 5;

export type Attempt =
	| { ok: true; body: unknown }
	| { ok: false; cancelled: true }
	| (AttemptOutcome & { ok: false; cancelled?: false; error: RoboflowApiError });

/** A file form's bytes, built once per request however often it is sent (retries). */
const formBodies = new WeakMap<FormPart[], { contentType: string; bytes: Buffer }>();

/** Quotes a form field's name or file name for its Content-Disposition header (RFC 7578). */
function quoted(text: string): string {
	return `"${text.replace(/[\r\n"]/g, (c) => encodeURIComponent(c))}"`;
}

/** Encodes a file form by hand: n8n 1.x and 2.x treat FormData differently, a Buffer alike. */
function encodeMultipart(parts: FormPart[]): { contentType: string; bytes: Buffer } {
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

/**
 * Base64 goes as a form with a charset: Roboflow reads any non-multipart body as base64
 * (docs/roboflow-api.md §3.1), and without the charset n8n would parse the image as a form.
 */
function encodedBody(body: NonNullable<RoboflowRequest['body']>): {
	contentType: string;
	data: string | Buffer;
} {
	switch (body.kind) {
		case 'base64':
			return { contentType: 'application/x-www-form-urlencoded; charset=utf-8', data: body.text };
		case 'json':
			return { contentType: 'application/json', data: body.text };
		case 'text':
			return { contentType: 'text/plain; charset=utf-8', data: body.text };
		case 'multipart': {
			const form = encodeMultipart(body.parts);
			return { contentType: form.contentType, data: form.bytes };
		}
	}
}

function httpOptions(request: RoboflowRequest, timeoutMs: number): IHttpRequestOptions {
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
	if (request.body) {
		const { contentType, data } = encodedBody(request.body);
		options.body = data;
		options.headers = { 'Content-Type': contentType };
	}
	return options;
}

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

/** Reads up to `maxBytes`; fails past that or on an `idleMs` stall (axios' timeout ends earlier). */
async function readBody(stream: BodyStream, maxBytes: number, idleMs: number): Promise<string> {
	return await new Promise<string>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const fail = (code: string) => {
			if (settled) return;
			settled = true;
			stream.destroy();
			reject(Object.assign(new Error(code), { code }));
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

function notJsonError(response: FullResponse, text: string, expected: string): RoboflowApiError {
	const contentType = header(response.headers, 'content-type');
	const looksHtml = /^\s*</.test(text) || (contentType ?? '').includes('html');
	const kind = looksHtml ? 'an HTML page' : text.trim() ? 'text that is not JSON' : 'an empty body';
	return new RoboflowApiError(
		`Roboflow answered with ${kind} instead of ${expected}`,
		`HTTP ${response.statusCode}, content type ${contentType ?? 'unknown'}. Check that the API URL in the Roboflow API credential points at Roboflow (the Serverless Cloud API, a dedicated deployment or your own Inference server), not at a web page or proxy.`,
		response.statusCode,
	);
}

function tooLargeError(request: RoboflowRequest, status: number): RoboflowApiError {
	return new RoboflowApiError(
		`Roboflow's answer is too large to be ${request.expected}`,
		`It exceeded ${Math.round(request.maxResponseBytes / (1024 * 1024))} MB (HTTP ${status}). Check the API URL in the Roboflow API credential.`,
		status,
	);
}

/** Reads an answer that arrived: parsed JSON on success, else the error it stands for. */
async function readAnswer(
	response: FullResponse,
	request: RoboflowRequest,
	timeoutMs: number,
): Promise<Attempt> {
	const status = response.statusCode;
	let text: string;
	try {
		text = await readBody(response.body, request.maxResponseBytes, timeoutMs);
	} catch (error) {
		const code = (error as { code: string }).code;
		if (code === 'ETOOLARGE') return { ok: false, error: tooLargeError(request, status) };
		return { ok: false, networkCode: code, error: apiErrorFromNetwork(code) };
	}
	const body = parseJson(text);
	if (status >= 200 && status < 300) {
		if (body === undefined)
			return { ok: false, error: notJsonError(response, text, request.expected) };
		return { ok: true, body };
	}
	const retryAfter = header(response.headers, 'retry-after');
	return { ok: false, status, retryAfter, error: apiErrorFromStatus(status, body, request.advice) };
}

/** A JSON object's text with the key as its first field, for routes that read it there. */
function withKeyInBody(body: IHttpRequestOptions['body'], apiKey: string): string {
	const rest = String(body ?? '{}')
		.trim()
		.replace(/^\{/, '');
	const separator = /^\s*\}/.test(rest) ? '' : ',';
	return `{"api_key":${JSON.stringify(apiKey)}${separator}${rest}`;
}

/**
 * The key in exactly one place: management in the query; inference in the header, the query, or
 * the JSON body for routes that do not read the query (docs/roboflow-api.md §2, §6.1).
 */
function withKey(
	options: IHttpRequestOptions,
	request: RoboflowRequest,
	credentials: RoboflowCredentials,
): IHttpRequestOptions {
	const { apiKey } = credentials;
	const transport = keyTransportFor(credentials, request.url, request.api);
	if (transport === 'query' && request.keyInBody)
		return { ...options, body: withKeyInBody(options.body, apiKey) };
	return withKeyIn(options, transport, apiKey);
}

/** Calls n8n's helper; stopping the execution cuts the connection, as n8n's own helper does. */
async function callHelper(
	this: RequestContext,
	request: RoboflowRequest,
	policy: RequestPolicy,
): Promise<FullResponse> {
	const options = withKey(httpOptions(request, policy.timeoutMs), request, policy.credentials);
	if ('getExecutionCancelSignal' in this) options.abortSignal = this.getExecutionCancelSignal();
	return (await this.helpers.httpRequest(options)) as FullResponse;
}

function redirectLoopError(): RoboflowApiError {
	return new RoboflowApiError(
		"Roboflow's address redirected too many times",
		`More than ${MAX_REDIRECTS} redirects. Check the API URL in the Roboflow API credential.`,
	);
}

/** Sends a request once and reads the answer; a failure says whether it may be retried. */
export async function attemptOnce(
	this: RequestContext,
	request: RoboflowRequest,
	policy: RequestPolicy,
): Promise<Attempt> {
	let response: FullResponse;
	try {
		response = await callHelper.call(this, request, policy);
	} catch (error) {
		if ('getExecutionCancelSignal' in this && this.getExecutionCancelSignal()?.aborted)
			return { ok: false, cancelled: true };
		const code = networkCode(error);
		if (code === 'ERR_FR_TOO_MANY_REDIRECTS') return { ok: false, error: redirectLoopError() };
		return { ok: false, networkCode: code, error: apiErrorFromNetwork(code) };
	}
	return await readAnswer(response, request, policy.timeoutMs);
}
