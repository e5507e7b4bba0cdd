/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: it reads request bodies and downloads image URLs with node:http/https/net */
/**
 * Image input as Inference reads it (docs/roboflow-api.md §3.1): request bodies (bare base64,
 * `data:` prefix allowed; multipart `file` parts) and image URLs under Inference's URL rules
 * (`inference/core/utils/image_utils.py`). The rules' defaults are every hosted deployment's.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

import { attempt, IMAGE_CAUSES, imageLoadError } from './errors.ts';
import type { RgbaImage } from './image.ts';
import { decodeImage } from './image.ts';

/** Inference's URL flags that relax its rules (`ALLOW_NON_HTTPS_URL_INPUT`, `ALLOW_URL_INPUT_WITHOUT_FQDN`). */
export interface UrlRules {
	allowNonHttps: boolean;
	allowWithoutFqdn: boolean;
}

/** Reads the whole body. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

export interface MultipartPart {
	name?: string;
	filename?: string;
	data: Buffer;
}

/** The parts of a `multipart/form-data` body (none without a boundary). */
export function parseMultipart(contentType: string, body: Buffer): MultipartPart[] {
	const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	if (!boundary) return [];
	const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
	const parts: MultipartPart[] = [];
	for (let at = body.indexOf(delimiter); at >= 0; ) {
		const start = at + delimiter.length + 2;
		const next = body.indexOf(delimiter, start);
		if (next < 0) break;
		const raw = body.subarray(start, next - 2);
		const headerEnd = raw.indexOf('\r\n\r\n');
		if (headerEnd >= 0) {
			const headers = raw.subarray(0, headerEnd).toString('utf8');
			parts.push({
				name: /\bname="([^"]*)"/i.exec(headers)?.[1],
				filename: /\bfilename="([^"]*)"/i.exec(headers)?.[1],
				data: raw.subarray(headerEnd + 4),
			});
		}
		at = next;
	}
	return parts;
}

/**
 * Inference's `load_image_base64` up to decoding: characters outside the alphabet skipped
 * (Python's lenient b64decode). `prefixOnly` decodes whole groups of the text only (the start of
 * a longer body).
 */
export function decodeBase64(text: Buffer | string, prefixOnly = false): Buffer {
	let data = text.toString().replace(/[^A-Za-z0-9+/=]/g, '');
	if (prefixOnly) data = data.slice(0, data.length - (data.length % 4));
	if (data.replace(/=+$/, '').length % 4 === 1) throw imageLoadError(IMAGE_CAUSES.malformedBase64);
	const bytes = Buffer.from(data, 'base64');
	if (bytes.length === 0) throw imageLoadError(IMAGE_CAUSES.empty);
	return bytes;
}

/** Pixels of image bytes; undecodable bytes get the cause of where they came from. */
export const pixelsOf = (bytes: Buffer, from: 'url' | 'body'): RgbaImage =>
	attempt(
		() => decodeImage(bytes),
		from === 'url' ? IMAGE_CAUSES.notImage : IMAGE_CAUSES.malformedBase64,
	);

/** Names without a public suffix (tldextract finds no FQDN in them); not the whole list. */
const NOT_PUBLIC =
	/^(localhost|local|internal|lan|home|corp|intranet|private|test|invalid|example|arpa)$/;

/** True when Inference would find an FQDN in this host name (no IP, no `localhost`). */
export function hasFqdn(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	const labels = host.split('.');
	const tld = labels[labels.length - 1];
	return (
		!net.isIP(host) &&
		labels.length >= 2 &&
		labels.every(Boolean) &&
		!NOT_PUBLIC.test(tld) &&
		/^[a-z]{2,63}$|^xn--/.test(tld)
	);
}

/** Why Inference refuses to fetch a URL, in its order of checks; undefined when it fetches it. */
export function urlRefusal(value: string, rules: UrlRules): string | undefined {
	if (!URL.canParse(value)) return IMAGE_CAUSES.urlInvalid;
	const url = new URL(value);
	if (url.protocol !== 'https:' && !rules.allowNonHttps) return IMAGE_CAUSES.urlNotHttps;
	if (!hasFqdn(url.hostname) && !rules.allowWithoutFqdn) return IMAGE_CAUSES.urlNoFqdn;
	return undefined;
}

/** Downloads a URL; rejects with `HTTP <status>` on anything but a 2xx. */
export function fetchUrl(value: string): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const url = new URL(value);
		if (url.protocol !== 'http:' && url.protocol !== 'https:')
			return reject(new Error(`No connection adapters were found for '${value}'`));
		const request = (url.protocol === 'https:' ? https : http).get(url, (res) => {
			const status = res.statusCode ?? 0;
			res.on('error', reject);
			if (status >= 300) {
				res.resume();
				return reject(new Error(`HTTP ${status}`));
			}
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => resolve(Buffer.concat(chunks)));
		});
		request.on('error', reject);
		request.setTimeout(30_000, () => request.destroy(new Error('timed out')));
	});
}

/** An image URL as the model route and the JSON routes load it: 400 for a refusal or a failure. */
export async function loadUrl(value: string, rules: UrlRules): Promise<RgbaImage> {
	const refusal = urlRefusal(value, rules);
	if (refusal) throw imageLoadError(refusal);
	const bytes = await fetchUrl(value).catch(() => {
		throw imageLoadError(IMAGE_CAUSES.urlUnreachable);
	});
	return pixelsOf(bytes, 'url');
}

/**
 * An image object of a JSON route (`{type: 'url' | 'base64', value}`, docs/roboflow-api.md
 * §11.0): loaded, or the 400 Inference answers.
 */
export async function loadImageObject(image: unknown, rules: UrlRules): Promise<RgbaImage> {
	const { type, value } = (image ?? {}) as { type?: unknown; value?: unknown };
	if (type !== 'url' && type !== 'base64') throw imageLoadError(IMAGE_CAUSES.imageType);
	if (typeof value !== 'string')
		throw imageLoadError(type === 'url' ? IMAGE_CAUSES.urlInvalid : IMAGE_CAUSES.malformedBase64);
	return type === 'url' ? await loadUrl(value, rules) : pixelsOf(decodeBase64(value), 'body');
}
