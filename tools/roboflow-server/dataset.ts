/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error -- the local test server runs in Node, never inside n8n: node:http request types, a latency timer, and HttpError is the HTTP answer it sends */
/**
 * Uploading images and annotations to a project (docs/roboflow-api.md §10): the two management
 * API (api.roboflow.com) calls Roboflow's own active learning makes, and a read-back of what
 * each project received, for tests and the demo.
 *
 * ROUTES (key: `api_key` query parameter only, like the rest of the management API)
 * - `POST /dataset/{project}/upload`: register an image in `{project}`, the slug of any project
 *   of the key's workspace (workspace.ts), whatever its type. Image, exactly one of:
 *   - file form: `multipart/form-data` with a `file` part (the image bytes), optional fields
 *     `name`, `split`, `metadata` (roboflow-python and Inference send this);
 *   - URL form: query `image=<url>`, no body: the server downloads it (`fetchUrl`, redirects as
 *     the server's `maxImageUrlRedirects`);
 *   - base64 form (older docs): the body is the image in base64 (`data:` prefix allowed).
 *   Parameters, from a multipart field of that name else the query: `name` (default: the
 *   file part's file name, else the URL's last path segment, else `<id>.<format>`), `split`
 *   (`train` | `valid` | `test`, default `train`), `batch`, `tag` (repeatable: every value is
 *   a tag; a "/" in one is refused), `metadata` (a JSON object as a string), `inference_id`,
 *   `sequence_number` and `sequence_size` (integers; the size defaults to 100000 when a
 *   number is given).
 *   Answers: 200 `{success: true, id}`; the same bytes again in the same project: 200
 *   `{duplicate: true, id}` with the first upload's id (the first upload's batch, split, tags
 *   and metadata stay). Image formats: PNG, JPEG, BMP, WebP, TIFF, AVIF, HEIC (roboflow-python's
 *   accepted list); anything else 400 "Invalid image.".
 * - `POST /dataset/{project}/annotate/{image_id}?name=<file name>[&jobName=][&prediction=true]
 *   [&overwrite=true]`: attach an annotation file to an uploaded image (the `id` of its upload,
 *   duplicate or not). Body, either `application/json` `{annotationFile: "<text>", labelmap?}`
 *   (roboflow-python) or the annotation text itself with any other Content-Type (Inference
 *   sends `text/plain`). The name's extension is the format; a `.json` name needs JSON text.
 *   Answers 200 `{success: true}`; an image that already has an annotation answers 409
 *   `{error: {message: "Image was already annotated.", status: 409, hint}}` unless
 *   `overwrite=true`, which replaces it.
 * - `GET /_local/received[?project=slug]`: this server's read-back (not Roboflow's): `{images,
 *   calls}` as `received()` returns them, for tests that run the server in another process.
 *
 * ERRORS: `{error: {message, status, ...}}`, checked in this order: body over `maxBodyBytes`
 * 413 (as the model route; Roboflow's limit for uploads is unverified), no or unknown key 401
 * `{error: {message: "This API key does not exist (or has been revoked).", status: 401, type:
 * "OAuthException", hint, key?}}` (the refused key echoed, as the management API does), unknown
 * project 404, injected faults, then the route's own: upload 400 (no image; a bad `split`,
 * `metadata`, `tag` or `sequence_*`; not an image: `{error: {message: "Invalid image.",
 * status, type: "InvalidImageException"}}`; an image URL refused or answering 4xx: "Could not
 * fetch image URL: ..."), 502 `{error: {message: "Could not fetch image URL: ...", status: 502,
 * retryable: true}}` (the URL's host answered 5xx or could not be reached); annotate 404
 * (unknown image in that project), 400 (no `name`, a JSON body without a string
 * `annotationFile`, an empty annotation, a `.json` annotation that is not JSON), 409. The
 * texts of 404 and 400 (except "Could not fetch image URL" and "Invalid image.") are this
 * server's: Roboflow's are unverified.
 *
 * URL rules of the URL form (Roboflow's own servers fetch it): `http://` and `https://` only;
 * an IP address, `localhost` or a name without a public suffix (a private address) is refused
 * with 400 unless the server was made with `allowUrlsWithoutFqdn` (`SELF_HOSTED_URL_OPTIONS`,
 * which `addImage` URLs need); the server's allow and deny lists apply too.
 *
 * FAULTS (the server's fault plan, faults.ts): `always` and `firstAttempt` faults apply to these
 * routes too, after the key and project checks; `latencyMs` delays them as well. "The image" of
 * `firstAttempt` is, for an upload, the image's content (or its URL) in that project, so a
 * retry is the same image; for an annotation, the image id, name and body. Target one route
 * with `when: isUploadRequest` / `when: isAnnotateRequest`. Kind `dropAfterStore` processes the
 * request as usual (the image or annotation is stored) and then drops the connection without
 * an answer: the case where a client's retry of a stored upload comes back as a duplicate
 * (roboflow-python's CLI logs such false "DUPLICATE"s after errors whose upload went through,
 * roboflow/roboflow-python#244), and of a saved annotation as 409.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { KeyTable } from './auth.ts';
import { isKnownKey } from './auth.ts';
import { HttpError, managementError, managementKeyError, MESSAGES } from './errors.ts';
import type { FaultCall, FaultPlan, InjectedCounts, Send } from './faults.ts';
import { applyFault, faultsFor } from './faults.ts';
import { readImageSize } from './image.ts';
import type { MultipartPart } from './input.ts';
import { decodeBase64Body, parseMultipart, readBody } from './input.ts';
import { lastValue, queryRecord } from './params.ts';
import type { UrlRules } from './url-input.ts';
import { fetchUrl, hasFqdn } from './url-input.ts';
import type { ProjectInfo } from './workspace.ts';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Roboflow's default `sequence_size` when only `sequence_number` is given (docs/roboflow-api.md §10.1). */
export const DEFAULT_SEQUENCE_SIZE = 100_000;

export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'webp' | 'tiff' | 'avif' | 'heic';

/** An annotation as an image holds it (the last one saved). */
export interface ReceivedAnnotation {
	/** The `name` query parameter: the annotation file's name; its extension is the format. */
	name: string;
	/** The annotation file's text, as received. */
	text: string;
	/** `json`: `{annotationFile, labelmap}` (roboflow-python); `text`: the file itself (Inference). */
	bodyForm: 'json' | 'text';
	/** The JSON form's `labelmap` (null when absent or in the text form). */
	labelmap: unknown;
	/** `prediction=true`: a model's prediction awaiting review, not ground truth. */
	prediction: boolean;
	/** The `jobName` query parameter (null when absent). */
	jobName: string | null;
	/** How many annotations were saved on the image (above 1 only with `overwrite=true`). */
	saves: number;
}

/** An image as a project received it. */
export interface ReceivedImage {
	id: string;
	project: string;
	name: string;
	split: Split;
	/** The `batch` parameter; null when none was sent. */
	batch: string | null;
	tags: string[];
	/** The parsed `metadata` object; null when none was sent. */
	metadata: Record<string, unknown> | null;
	inferenceId: string | null;
	sequenceNumber: number | null;
	sequenceSize: number | null;
	/** Which body form brought it: multipart `file`, `image=` URL, or a base64 body. */
	source: 'file' | 'url' | 'base64';
	/** The `image=` URL of the URL form. */
	url: string | null;
	format: ImageFormat;
	/** Pixel size (PNG and JPEG; null for the other formats). */
	width: number | null;
	height: number | null;
	/** The image's size in bytes and its SHA-1 (hex), to compare with what a client sent. */
	bytes: number;
	sha1: string;
	/** Date.now() when it was stored. */
	at: number;
	annotation: ReceivedAnnotation | null;
}

export type DatasetRoute = 'upload' | 'annotate';

/** One request to the dataset routes, as the server saw it. */
export interface DatasetCall {
	/** Date.now() at arrival. */
	at: number;
	route: DatasetRoute;
	/** The project slug from the path. */
	project: string;
	/** Annotate: the path's image id; upload: the id answered (new or duplicate), else null. */
	imageId: string | null;
	/** Query parameters as sent (last value of a repeated one), without `api_key`. */
	query: Record<string, string>;
	contentType: string | null;
	bodyBytes: number;
	/** The status answered; undefined when the connection was dropped or left hanging. */
	status?: number;
	/** What came of it: a new image, a duplicate, an annotation saved, an error answer, or an injected fault. */
	outcome: 'stored' | 'duplicate' | 'annotated' | 'refused' | 'fault';
	/** The kind of the injected fault, if one was. */
	fault?: string;
}

/** The read-back: what the projects received and every request to the dataset routes, oldest first. */
export interface DatasetSnapshot {
	images: ReceivedImage[];
	calls: DatasetCall[];
}

/** What the dataset routes need of the server. */
export interface DatasetContext {
	workspace: string;
	projects: readonly ProjectInfo[];
	keys: KeyTable;
	urlRules: UrlRules;
	maxBodyBytes: number;
	/** Sends a JSON answer and counts its status in the server's stats. */
	send: (
		res: ServerResponse,
		status: number,
		body: unknown,
		headers?: Record<string, string>,
	) => void;
	/** The server's current fault plan. */
	faults: () => FaultPlan;
	/** The server's current injected-fault counters. */
	injected: () => InjectedCounts;
}

const UPLOAD_PATH = /^\/dataset\/[^/]+\/upload$/;
const ANNOTATE_PATH = /^\/dataset\/[^/]+\/annotate\/[^/]+$/;

/** A fault's `when` that picks image uploads (`POST /dataset/{project}/upload`). */
export const isUploadRequest = (call: FaultCall): boolean => UPLOAD_PATH.test(call.url.pathname);

/** A fault's `when` that picks annotation calls (`POST /dataset/{project}/annotate/{id}`). */
export const isAnnotateRequest = (call: FaultCall): boolean =>
	ANNOTATE_PATH.test(call.url.pathname);

/** The fault kind that stores the image (or annotation) and then drops the connection. */
export const DROP_AFTER_STORE = 'dropAfterStore';

/** The read-back's HTTP route (this server's, not Roboflow's). */
export const RECEIVED_PATH = '/_local/received';

const ALREADY_ANNOTATED = 'Image was already annotated.';
const ALREADY_ANNOTATED_HINT =
	'This image was already annotated; to overwrite the annotation, pass overwrite=true.';
const INVALID_IMAGE = 'Invalid image.';
const FETCH_FAILED = 'Could not fetch image URL';

const badRequest = (message: string) => managementError(400, message);
/** roboflow-python's fixture for a refused image (docs/roboflow-api.md §10.1). */
const invalidImage = () => managementError(400, INVALID_IMAGE, { type: 'InvalidImageException' });

const decodePart = (part: string): string => {
	try {
		return decodeURIComponent(part);
	} catch {
		return part;
	}
};

const sha1 = (data: Buffer | string) => crypto.createHash('sha1').update(data).digest('hex');

/** A Firestore-style id like Roboflow's image ids (20 letters and digits). */
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const newImageId = (): string =>
	Array.from(crypto.randomBytes(20), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');

/** The image format from its first bytes (roboflow-python's accepted formats), or undefined. */
export function imageFormat(bytes: Buffer): ImageFormat | undefined {
	const ascii = (start: number, end: number) => bytes.subarray(start, end).toString('latin1');
	if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
		return 'jpeg';
	if (bytes.length >= 26 && ascii(0, 2) === 'BM') return 'bmp';
	if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
	if (bytes.length >= 8 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) return 'tiff';
	if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') {
		const brand = ascii(8, 12);
		if (brand === 'avif' || brand === 'avis') return 'avif';
		if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
	}
	return undefined;
}

/** The request's parameters: a multipart field of that name, else the query. */
class UploadParams {
	private readonly fields: MultipartPart[];
	private readonly query: URLSearchParams;

	constructor(fields: MultipartPart[], query: URLSearchParams) {
		this.fields = fields.filter((part) => part.name !== 'file' && part.filename === undefined);
		this.query = query;
	}

	all(name: string): string[] {
		const fromBody = this.fields
			.filter((part) => part.name === name)
			.map((part) => part.data.toString('utf8'));
		return fromBody.length ? fromBody : this.query.getAll(name);
	}

	get(name: string): string | null {
		const values = this.all(name);
		return values.length ? values[values.length - 1] : null;
	}
}

const optionalInteger = (params: UploadParams, name: string): number | null => {
	const raw = params.get(name);
	if (raw === null || raw === '') return null;
	if (!/^\s*\d+\s*$/.test(raw))
		throw badRequest(`Invalid ${name} "${raw}": use a whole number of 0 or more.`);
	return Number(raw);
};

/** What an upload sends, before the image is loaded. */
interface UploadRequest {
	source: ReceivedImage['source'];
	url: string | null;
	/** The image bytes (file and base64 forms). */
	bytes?: Buffer;
	/** The file part's file name. */
	filename?: string;
	params: UploadParams;
	/** What `firstAttempt` faults count as the same image. */
	identity: string;
	/** Why the body holds no image (answered after the faults, as a route check). */
	problem?: HttpError;
}

function parseUpload(url: URL, contentType: string | undefined, body: Buffer): UploadRequest {
	const imageUrl = lastValue(url.searchParams, 'image');
	const isMultipart = (contentType ?? '').toLowerCase().includes('multipart/form-data');
	const parts = (isMultipart && contentType ? parseMultipart(contentType, body) : undefined) ?? [];
	const params = new UploadParams(parts, url.searchParams);
	const noImage = badRequest(
		'No image in the request: send multipart/form-data with a "file" part, or the image URL as the "image" query parameter.',
	);
	if (imageUrl !== null && imageUrl !== '')
		return { source: 'url', url: imageUrl, params, identity: `url\0${imageUrl}` };
	if (isMultipart) {
		const file = parts.find((part) => part.name === 'file');
		if (!file || file.data.length === 0)
			return { source: 'file', url: null, params, identity: sha1(body), problem: noImage };
		return {
			source: 'file',
			url: null,
			bytes: file.data,
			filename: file.filename,
			params,
			identity: sha1(file.data),
		};
	}
	if (body.length === 0)
		return { source: 'base64', url: null, params, identity: 'empty', problem: noImage };
	const decoded = decodeBase64Body(body);
	if ('cause' in decoded)
		return {
			source: 'base64',
			url: null,
			params,
			identity: sha1(body),
			problem: invalidImage(),
		};
	return {
		source: 'base64',
		url: null,
		bytes: decoded.bytes,
		params,
		identity: sha1(decoded.bytes),
	};
}

/** The parameters an upload stores, validated (400 on a bad `split`, `metadata` or `sequence_*`). */
function uploadFields(params: UploadParams) {
	const split = params.get('split') || 'train';
	if (!(SPLITS as readonly string[]).includes(split))
		throw badRequest(`Invalid split "${split}": use ${SPLITS.join(', ')}.`);
	let metadata: Record<string, unknown> | null = null;
	const rawMetadata = params.get('metadata');
	if (rawMetadata !== null && rawMetadata !== '') {
		let parsed: unknown;
		try {
			parsed = JSON.parse(rawMetadata);
		} catch {
			parsed = undefined;
		}
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
			throw badRequest(
				'Invalid metadata: send a JSON object as a string, e.g. {"camera_id":"cam001"}.',
			);
		metadata = parsed as Record<string, unknown>;
	}
	const tags = params.all('tag').filter((tag) => tag !== '');
	// Roboflow's input validation refuses a "/" in a tag: Inference rewrites model ids in its
	// tags for that reason (docs/roboflow-api.md §10.1).
	const slashed = tags.find((tag) => tag.includes('/'));
	if (slashed !== undefined)
		throw badRequest(`Invalid tag "${slashed}": a tag cannot contain "/".`);
	const sequenceNumber = optionalInteger(params, 'sequence_number');
	const sequenceSize = optionalInteger(params, 'sequence_size');
	return {
		split: split as Split,
		batch: params.get('batch'),
		tags,
		metadata,
		inferenceId: params.get('inference_id'),
		sequenceNumber,
		sequenceSize: sequenceNumber === null ? sequenceSize : (sequenceSize ?? DEFAULT_SEQUENCE_SIZE),
	};
}

/** The URL form's download, with Roboflow's answers: refused or 4xx 400, 5xx or unreachable 502. */
async function downloadImage(value: string, rules: UrlRules): Promise<Buffer> {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw badRequest(`${FETCH_FAILED}: "${value}" is not a valid URL.`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:')
		throw badRequest(`${FETCH_FAILED}: only http:// and https:// URLs can be fetched.`);
	const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
	const listed = (list?: readonly string[]) => list?.includes(host) ?? false;
	if (
		(!hasFqdn(url.hostname) && !rules.allowWithoutFqdn) ||
		(rules.allowList && !listed(rules.allowList)) ||
		listed(rules.denyList)
	)
		throw badRequest(`${FETCH_FAILED}: ${host} is not a public address.`);
	try {
		return await fetchUrl(value, rules.maxRedirects);
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		// fetchUrl rejects an HTTP error answer as `HTTP <status>`.
		const status = Number(/^HTTP (\d{3})$/.exec(reason)?.[1] ?? 0);
		if (status >= 400 && status < 500)
			throw badRequest(`${FETCH_FAILED}: the host answered HTTP ${status}.`);
		throw managementError(
			502,
			`${FETCH_FAILED}: ${status ? `the host answered HTTP ${status}` : `the host could not be reached (${reason})`}.`,
			{ retryable: true },
		);
	}
}

/** The last path segment of a URL, for an upload's default name. */
const urlFileName = (value: string): string | undefined => {
	try {
		const last = new URL(value).pathname.split('/').filter(Boolean).pop();
		return last ? decodePart(last) : undefined;
	} catch {
		return undefined;
	}
};

const isTrue = (value: string | null) => value?.trim().toLowerCase() === 'true';

/** The annotation text and form of an annotate request (400 when the body holds none). */
function parseAnnotation(contentType: string | undefined, body: Buffer) {
	const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
	const missing = badRequest(
		'No annotation in the request: send the annotation file as the body, or JSON {"annotationFile": "<the file\'s text>", "labelmap": {...}}.',
	);
	if (type === 'application/json') {
		let parsed: unknown;
		try {
			parsed = JSON.parse(body.toString('utf8'));
		} catch {
			throw missing;
		}
		const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
			string,
			unknown
		>;
		if (typeof fields.annotationFile !== 'string' || fields.annotationFile === '') throw missing;
		return {
			text: fields.annotationFile,
			bodyForm: 'json' as const,
			labelmap: fields.labelmap ?? null,
		};
	}
	const text = body.toString('utf8');
	if (text.trim() === '') throw missing;
	return { text, bodyForm: 'text' as const, labelmap: null };
}

export function createDataset(context: DatasetContext) {
	const { keys, projects, urlRules, maxBodyBytes, send } = context;
	const images: ReceivedImage[] = [];
	/** `{project}\0{sha1}` -> image id: duplicates are found by content, per project. */
	const byContent = new Map<string, string>();
	const calls: DatasetCall[] = [];
	/** Requests per fault identity: `firstAttempt` faults count attempts per image. */
	const attempts = new Map<string, number>();

	const findImage = (project: string, id: string) =>
		images.find((image) => image.project === project && image.id === id);

	async function upload(request: UploadRequest, project: string) {
		if (request.problem) throw request.problem;
		const fields = uploadFields(request.params);
		const bytes = request.bytes ?? (await downloadImage(request.url ?? '', urlRules));
		const format = imageFormat(bytes);
		if (!format) throw invalidImage();
		const digest = sha1(bytes);
		const existing = byContent.get(`${project}\0${digest}`);
		if (existing)
			return {
				outcome: 'duplicate' as const,
				id: existing,
				body: { duplicate: true, id: existing },
			};
		let size: { width: number | null; height: number | null } = { width: null, height: null };
		if (format === 'png' || format === 'jpeg') {
			try {
				size = readImageSize(bytes);
			} catch {
				throw invalidImage();
			}
		}
		const id = newImageId();
		images.push({
			id,
			project,
			name:
				request.params.get('name') ||
				request.filename ||
				(request.url ? urlFileName(request.url) : undefined) ||
				`${id}.${format === 'jpeg' ? 'jpg' : format}`,
			...fields,
			source: request.source,
			url: request.url,
			format,
			...size,
			bytes: bytes.length,
			sha1: digest,
			at: Date.now(),
			annotation: null,
		});
		byContent.set(`${project}\0${digest}`, id);
		return { outcome: 'stored' as const, id, body: { success: true, id } };
	}

	function annotate(
		url: URL,
		contentType: string | undefined,
		body: Buffer,
		project: string,
		imageId: string,
	) {
		const image = findImage(project, imageId);
		if (!image) throw managementError(404, `Image "${imageId}" not found in project "${project}".`);
		const name = lastValue(url.searchParams, 'name');
		if (!name)
			throw badRequest(
				'Missing "name": the annotation file\'s name, whose extension gives its format (e.g. image.json, image.xml, image.txt).',
			);
		const annotation = parseAnnotation(contentType, body);
		if (name.toLowerCase().endsWith('.json')) {
			try {
				JSON.parse(annotation.text);
			} catch {
				throw badRequest(`Could not parse the annotation "${name}": it is not JSON.`);
			}
		}
		if (image.annotation && !isTrue(lastValue(url.searchParams, 'overwrite')))
			throw managementError(409, ALREADY_ANNOTATED, { hint: ALREADY_ANNOTATED_HINT });
		image.annotation = {
			name,
			...annotation,
			prediction: isTrue(lastValue(url.searchParams, 'prediction')),
			jobName: lastValue(url.searchParams, 'jobName'),
			saves: (image.annotation?.saves ?? 0) + 1,
		};
		return { outcome: 'annotated' as const, id: imageId, body: { success: true } };
	}

	/**
	 * The faults this request gets: `answered` when one answered it (or dropped it or left it
	 * hanging), `dropLater` when it is to be processed and then dropped (`dropAfterStore`).
	 */
	function injectFaults(
		req: IncomingMessage,
		res: ServerResponse,
		call: FaultCall,
		identity: string,
		reply: Send,
	): { answered?: string; dropLater?: boolean } {
		const attempt = (attempts.get(identity) ?? 0) + 1;
		attempts.set(identity, attempt);
		let dropLater = false;
		for (const fault of faultsFor(context.faults(), identity, attempt, call)) {
			if (fault.kind === DROP_AFTER_STORE) dropLater = true;
			else if (applyFault(fault, req, res, context.injected(), reply))
				return { answered: fault.kind };
		}
		return { dropLater };
	}

	async function datasetRoute(
		req: IncomingMessage,
		res: ServerResponse,
		url: URL,
		route: DatasetRoute,
		project: string,
		pathImageId: string | null,
	): Promise<void> {
		const query = queryRecord(url.searchParams);
		delete query.api_key;
		const contentType = req.headers['content-type'];
		const call: DatasetCall = {
			at: Date.now(),
			route,
			project,
			imageId: pathImageId,
			query,
			contentType: contentType ?? null,
			bodyBytes: 0,
			outcome: 'refused',
		};
		calls.push(call);
		const reply: Send = (status, body, headers) => {
			call.status = status;
			send(res, status, body, headers);
		};
		const { body, bytes, tooLarge } = await readBody(req, maxBodyBytes);
		call.bodyBytes = bytes;
		const { latencyMs } = context.faults();
		const delay = typeof latencyMs === 'function' ? latencyMs(body, url) : latencyMs;
		if (delay) await new Promise((resolve) => setTimeout(resolve, delay));

		try {
			if (tooLarge) throw managementError(413, MESSAGES.tooLarge(maxBodyBytes));
			const key = lastValue(url.searchParams, 'api_key');
			if (!key || !isKnownKey(keys, key)) throw managementKeyError(key);
			if (!projects.some((p) => p.slug === project))
				throw managementError(
					404,
					`Project "${project}" not found in workspace "${context.workspace}".`,
				);
			const uploadRequest = route === 'upload' ? parseUpload(url, contentType, body) : undefined;
			const identity = uploadRequest
				? `upload\0${project}\0${uploadRequest.identity}`
				: `annotate\0${project}\0${pathImageId}\0${lastValue(url.searchParams, 'name')}\0${sha1(body)}`;
			const fault = injectFaults(req, res, { url, bodyBytes: bytes, body }, identity, reply);
			if (fault.answered) {
				call.outcome = 'fault';
				call.fault = fault.answered;
				return;
			}
			let result;
			try {
				result = uploadRequest
					? await upload(uploadRequest, project)
					: annotate(url, contentType, body, project, pathImageId ?? '');
			} catch (error) {
				if (fault.dropLater && error instanceof HttpError) {
					dropConnection(req, call);
					return;
				}
				throw error;
			}
			call.outcome = result.outcome;
			call.imageId = result.id;
			if (fault.dropLater) {
				dropConnection(req, call);
				return;
			}
			reply(200, result.body);
		} catch (error) {
			if (error instanceof HttpError) {
				reply(error.status, error.body, error.headers);
				return;
			}
			throw error;
		}
	}

	/** The `dropAfterStore` fault's end: the work is done, the answer never leaves. */
	const dropConnection = (req: IncomingMessage, call: DatasetCall) => {
		context.injected().drop++;
		call.fault = DROP_AFTER_STORE;
		req.socket.destroy();
	};

	function received(project?: string): DatasetSnapshot {
		const mine = <T extends { project: string }>(list: T[]) =>
			list.filter((entry) => project === undefined || entry.project === project);
		return structuredClone({ images: mine(images), calls: mine(calls) });
	}

	return {
		/** Whether a request is for the dataset routes or the read-back route. */
		handles(method: string | undefined, parts: readonly string[]): boolean {
			if (method === 'GET') return `/${parts.join('/')}` === RECEIVED_PATH;
			if (method !== 'POST' || parts[0] !== 'dataset') return false;
			return (
				(parts.length === 3 && parts[2] === 'upload') ||
				(parts.length === 4 && parts[2] === 'annotate')
			);
		},

		/** Answers a request `handles` accepted. */
		async route(
			req: IncomingMessage,
			res: ServerResponse,
			url: URL,
			parts: readonly string[],
		): Promise<void> {
			if (req.method === 'GET') {
				const project = url.searchParams.get('project') ?? undefined;
				if (project !== undefined && !projects.some((p) => p.slug === project))
					return send(res, 404, {
						message: `Project "${project}" is not in workspace "${context.workspace}".`,
					});
				return send(res, 200, received(project));
			}
			const project = decodePart(parts[1]);
			if (parts[2] === 'upload') return datasetRoute(req, res, url, 'upload', project, null);
			return datasetRoute(req, res, url, 'annotate', project, decodePart(parts[3]));
		},

		received,

		/** Forgets every image, annotation, call and attempt. */
		reset(): void {
			images.length = 0;
			calls.length = 0;
			byContent.clear();
			attempts.clear();
		},
	};
}

export type Dataset = ReturnType<typeof createDataset>;
