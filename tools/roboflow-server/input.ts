/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: the request type of node:http */
/**
 * The request body of the legacy model route (docs/roboflow-api.md §3.1): read with an optional size limit,
 * then turned into image bytes the way Inference does: multipart `file` part (raw bytes), or any
 * other Content-Type holding bare base64 text (a `data:image/...;base64,` prefix is stripped;
 * characters outside the base64 alphabet are skipped, as Python's non-validating b64decode does).
 */
import type { IncomingMessage } from 'node:http';

import { IMAGE_CAUSES } from './errors.ts';

export interface ReadBody {
	/** The body, or its first `limit` bytes when it was larger. */
	body: Buffer;
	/** Bytes received in total. */
	bytes: number;
	tooLarge: boolean;
}

/** Reads the whole body; past `limit` bytes it keeps counting but stops storing. */
export function readBody(req: IncomingMessage, limit = Infinity): Promise<ReadBody> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let bytes = 0;
		req.on('data', (chunk: Buffer) => {
			if (bytes + chunk.length <= limit) chunks.push(chunk);
			else if (bytes < limit) chunks.push(chunk.subarray(0, limit - bytes));
			bytes += chunk.length;
		});
		req.on('end', () => resolve({ body: Buffer.concat(chunks), bytes, tooLarge: bytes > limit }));
		req.on('error', reject);
	});
}

export interface MultipartPart {
	name?: string;
	filename?: string;
	contentType?: string;
	data: Buffer;
}

/** Splits a `multipart/form-data` body into its parts (undefined when there is no boundary). */
export function parseMultipart(contentType: string, body: Buffer): MultipartPart[] | undefined {
	const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	if (!boundary) return undefined;
	const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
	const parts: MultipartPart[] = [];
	let position = body.indexOf(delimiter);
	while (position >= 0) {
		let start = position + delimiter.length;
		if (body.subarray(start, start + 2).toString('latin1') === '--') break;
		if (body.subarray(start, start + 2).toString('latin1') === '\r\n') start += 2;
		const next = body.indexOf(delimiter, start);
		if (next < 0) break;
		let end = next;
		if (body.subarray(end - 2, end).toString('latin1') === '\r\n') end -= 2;
		const raw = body.subarray(start, end);
		const headerEnd = raw.indexOf('\r\n\r\n');
		if (headerEnd >= 0) {
			const headers = raw.subarray(0, headerEnd).toString('utf8');
			const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
			parts.push({
				name: /\bname="([^"]*)"/i.exec(disposition)?.[1],
				filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
				contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim(),
				data: raw.subarray(headerEnd + 4),
			});
		}
		position = next;
	}
	return parts;
}

const DATA_PREFIX = /^data:image\/[a-z]+;base64,/;

export type Base64Result = { bytes: Buffer } | { cause: string };

/**
 * Inference's `load_image_base64` up to the image decoding: UTF-8 check (raw image bytes are
 * refused), `data:` prefix, lenient base64 with padding rules, empty payload. `maxChars`
 * decodes only a prefix (header-only mode).
 */
export function decodeBase64Body(body: Buffer, maxChars = Infinity): Base64Result {
	const raw = Number.isFinite(maxChars) ? body.subarray(0, maxChars) : body;
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
	} catch {
		// A prefix may end inside a multi-byte character; only a whole body is judged strictly.
		if (raw !== body) text = raw.toString('latin1');
		else return { cause: IMAGE_CAUSES.rawBytes };
	}
	const compact = text.replace(DATA_PREFIX, '').replace(/[^A-Za-z0-9+/=]/g, '');
	const firstPad = compact.indexOf('=');
	let data = firstPad < 0 ? compact : compact.slice(0, firstPad);
	const padding = firstPad < 0 ? 0 : (/^=*/.exec(compact.slice(firstPad))?.[0].length ?? 0);
	if (raw !== body) data = data.slice(0, data.length - (data.length % 4));
	const leftover = data.length % 4;
	if (leftover === 1) return { cause: IMAGE_CAUSES.malformedBase64 };
	if (leftover > 1 && leftover + padding < 4) return { cause: IMAGE_CAUSES.malformedBase64 };
	const bytes = Buffer.from(data, 'base64');
	if (bytes.length === 0) return { cause: IMAGE_CAUSES.empty };
	return { bytes };
}
