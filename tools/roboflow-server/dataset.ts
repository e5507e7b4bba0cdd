/**
 * Uploading images and annotations to a project (docs/roboflow-api.md §10), the two
 * api.roboflow.com calls of Roboflow's active learning, and what each project received:
 * - `POST /dataset/{project}/upload`: a multipart `file` part, or an `image=` URL Roboflow
 *   downloads (a private address refused unless URLs without FQDN are allowed). Fields from a
 *   multipart part of that name, else the query: `name`, `split` (train | valid | test),
 *   `batch`, `tag` (repeatable), `metadata` (a JSON object), `inference_id`. Answers
 *   `{success: true, id}`, or `{duplicate: true, id}` (the first upload's) for the same bytes
 *   in the same project.
 * - `POST /dataset/{project}/annotate/{image_id}?name=...[&jobName][&prediction=true][&overwrite=true]`:
 *   JSON `{annotationFile, labelmap?}` or the annotation text itself; `{success: true}`, or 409
 *   "already annotated" unless `overwrite=true`.
 * Errors are `{error: {message, status, ...}}`; only "Could not fetch image URL", "Invalid
 * image." and the 409 follow Roboflow's texts (the others are unverified).
 */
import crypto from 'node:crypto';

import type { KeyPlace, KeySource } from './auth.ts';
import { peekJson } from './body.ts';
import { managementError } from './errors.ts';
import type { FaultCall, FaultKind } from './faults.ts';
import type { UrlRules } from './input.ts';
import { fetchUrl, hasFqdn, parseMultipart } from './input.ts';

export interface ReceivedAnnotation {
	/** The `name` parameter: the file name, whose extension is the format. */
	name: string;
	text: string;
	/** `json`: `{annotationFile, labelmap}` (roboflow-python); `text`: the file itself (Inference). */
	bodyForm: 'json' | 'text';
	labelmap: unknown;
	/** `prediction=true`: a model's prediction awaiting review. */
	prediction: boolean;
	jobName: string | null;
	/** Annotations saved on the image (above 1 only with `overwrite=true`). */
	saves: number;
}

export interface ReceivedImage {
	id: string;
	project: string;
	name: string;
	split: string;
	batch: string | null;
	tags: string[];
	metadata: Record<string, unknown> | null;
	inferenceId: string | null;
	source: 'file' | 'url';
	url: string | null;
	format: string;
	bytes: number;
	sha1: string;
	annotation: ReceivedAnnotation | null;
}

/** One request to the dataset routes. */
export interface DatasetCall {
	at: number;
	route: 'upload' | 'annotate';
	project: string;
	/** Annotate: the path's image id; upload: the id answered (new or duplicate). */
	imageId: string | null;
	/** Query parameters as sent, without `api_key`. */
	query: Record<string, string>;
	/** Where the route found the key (the query only), and every place the request carried one. */
	keySource: KeySource;
	keyPlaces: KeyPlace[];
	/** The status answered; undefined when the connection was dropped or left hanging. */
	status?: number;
	outcome: 'stored' | 'duplicate' | 'annotated' | 'refused' | 'fault';
	fault?: string;
}

export interface DatasetRequest {
	route: DatasetCall['route'];
	project: string;
	imageId: string | null;
	url: URL;
	contentType?: string;
	body: Buffer;
}

/** A fault's `when` that picks image uploads, or annotation calls. */
export const isUploadRequest = (call: FaultCall) =>
	/^\/dataset\/[^/]+\/upload$/.test(call.url.pathname);
export const isAnnotateRequest = (call: FaultCall) =>
	/^\/dataset\/[^/]+\/annotate\//.test(call.url.pathname);
/** The fault kind that stores the image (or annotation), then drops the connection unanswered. */
export const DROP_AFTER_STORE = 'dropAfterStore' satisfies FaultKind;

const sha1 = (data: Buffer | string) => crypto.createHash('sha1').update(data).digest('hex');
const badRequest = (message: string) => managementError(400, message);
const FETCH_FAILED = 'Could not fetch image URL';

/** The image format from its first bytes (formats roboflow-python accepts), or undefined. */
function imageFormat(bytes: Buffer): string | undefined {
	const ascii = (start: number, end: number) => bytes.subarray(start, end).toString('latin1');
	if (ascii(1, 4) === 'PNG') return 'png';
	if (ascii(0, 3) === '\xff\xd8\xff') return 'jpeg';
	return undefined;
}

/** The URL form's download, as Roboflow answers it: refused or 4xx 400, 5xx or unreachable 502. */
async function download(value: string, rules: UrlRules): Promise<Buffer> {
	const url = URL.canParse(value) ? new URL(value) : undefined;
	if (!url || !/^https?:$/.test(url.protocol))
		throw badRequest(`${FETCH_FAILED}: only http:// and https:// URLs can be fetched.`);
	if (!hasFqdn(url.hostname) && !rules.allowWithoutFqdn)
		throw badRequest(`${FETCH_FAILED}: ${url.hostname} is not a public address.`);
	return await fetchUrl(value).catch((error: Error) => {
		const status = Number(/^HTTP (\d+)$/.exec(error.message)?.[1] ?? 0);
		if (status >= 400 && status < 500)
			throw badRequest(`${FETCH_FAILED}: the host answered HTTP ${status}.`);
		const why = status ? `the host answered HTTP ${status}` : 'the host could not be reached';
		throw managementError(502, `${FETCH_FAILED}: ${why}.`, { retryable: true });
	});
}

/** An upload's image (the file part, or the URL to fetch) and its fields. */
function parseUpload({ url, contentType, body }: DatasetRequest) {
	const parts = /multipart\/form-data/i.test(contentType ?? '')
		? parseMultipart(contentType ?? '', body)
		: [];
	const all = (name: string) => {
		const fields = parts.filter((p) => p.name === name && p.filename === undefined);
		return fields.length
			? fields.map((p) => p.data.toString('utf8'))
			: url.searchParams.getAll(name);
	};
	const one = (name: string) => all(name).at(-1) || null;
	const metadata = one('metadata');
	const file = parts.find((part) => part.name === 'file');
	const imageUrl = url.searchParams.get('image') || null;
	return {
		fields: {
			split: one('split') ?? 'train',
			batch: one('batch'),
			tags: all('tag').filter(Boolean),
			metadata: metadata === null ? null : (JSON.parse(metadata) as Record<string, unknown>),
			inferenceId: one('inference_id'),
		},
		name:
			one('name') ||
			file?.filename ||
			(imageUrl && URL.canParse(imageUrl)
				? decodeURIComponent(new URL(imageUrl).pathname.split('/').at(-1) ?? '')
				: ''),
		file: file?.data,
		imageUrl,
	};
}

/** The annotation of an annotate request: the JSON form's `annotationFile`, or the body itself. */
function parseAnnotation({ contentType, body }: DatasetRequest) {
	const json = /^application\/json/i.test(contentType ?? '')
		? (peekJson(contentType, body) ?? {})
		: undefined;
	const text = json ? json.annotationFile : body.toString('utf8');
	if (typeof text !== 'string' || !text.trim())
		throw badRequest(
			'No annotation in the request: send the annotation file as the body, or JSON {"annotationFile": "<the file\'s text>", "labelmap": {...}}.',
		);
	return {
		text,
		bodyForm: json ? ('json' as const) : ('text' as const),
		labelmap: json?.labelmap ?? null,
	};
}

const newImageId = () =>
	Array.from(
		crypto.randomBytes(20),
		(b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62],
	).join('');

/** An upload: its image stored, or found again by its bytes (a duplicate). */
async function upload(images: ReceivedImage[], request: DatasetRequest, rules: UrlRules) {
	const { fields, name, file, imageUrl } = parseUpload(request);
	const bytes = imageUrl ? await download(imageUrl, rules) : file;
	if (!bytes?.length)
		throw badRequest(
			'No image in the request: send multipart/form-data with a "file" part, or the image URL as the "image" query parameter.',
		);
	const format = imageFormat(bytes);
	if (!format) throw managementError(400, 'Invalid image.');
	const digest = sha1(bytes);
	const { project } = request;
	const first = images.find((image) => image.project === project && image.sha1 === digest);
	if (first)
		return {
			outcome: 'duplicate' as const,
			id: first.id,
			body: { duplicate: true, id: first.id },
		};
	const id = newImageId();
	const source = imageUrl ? ('url' as const) : ('file' as const);
	images.push({
		id,
		project,
		name: name || `${id}.${format}`,
		...fields,
		source,
		url: imageUrl,
		format,
		bytes: bytes.length,
		sha1: digest,
		annotation: null,
	});
	return { outcome: 'stored' as const, id, body: { success: true, id } };
}

/** An annotation attached to an uploaded image (409 for a second one without `overwrite`). */
function annotate(images: ReceivedImage[], request: DatasetRequest) {
	const { project, imageId, url } = request;
	const image = images.find((each) => each.project === project && each.id === imageId);
	if (!image) throw managementError(404, `Image "${imageId}" not found in project "${project}".`);
	const query = (name: string) => url.searchParams.get(name);
	const name = query('name') ?? '';
	const annotation = parseAnnotation(request);
	if (name.endsWith('.json') && !peekJson(undefined, Buffer.from(annotation.text)))
		throw badRequest(`Could not parse the annotation "${name}": it is not JSON.`);
	if (image.annotation && query('overwrite') !== 'true')
		throw managementError(409, 'Image was already annotated.');
	const saves = (image.annotation?.saves ?? 0) + 1;
	image.annotation = {
		name,
		...annotation,
		prediction: query('prediction') === 'true',
		jobName: query('jobName'),
		saves,
	};
	return { outcome: 'annotated' as const, id: imageId, body: { success: true } };
}

/** The projects' images and the calls that brought them, and the two routes' work. */
export function createDataset(rules: UrlRules) {
	const images: ReceivedImage[] = [];
	const calls: DatasetCall[] = [];

	return {
		/** What makes two requests the same for `firstAttempt` faults: the image in a project, or the annotation. */
		identity(request: DatasetRequest): string {
			const { route, project, imageId, url, body } = request;
			if (route === 'annotate')
				return `annotate\0${project}\0${imageId}\0${url.searchParams.get('name')}\0${sha1(body)}`;
			const file = parseMultipart(request.contentType ?? '', body).find((p) => p.name === 'file');
			return `upload\0${project}\0${url.searchParams.get('image') || sha1(file?.data ?? body)}`;
		},
		record(
			request: DatasetRequest,
			keys: Pick<DatasetCall, 'keySource' | 'keyPlaces'>,
		): DatasetCall {
			const query = Object.fromEntries(request.url.searchParams);
			delete query.api_key;
			const call: DatasetCall = {
				at: Date.now(),
				route: request.route,
				project: request.project,
				imageId: request.imageId,
				query,
				...keys,
				outcome: 'refused',
			};
			calls.push(call);
			return call;
		},
		/** The route's work: the answer's body (or an HttpError), with the call's outcome set. */
		async handle(request: DatasetRequest, call: DatasetCall): Promise<Record<string, unknown>> {
			const result =
				request.route === 'upload'
					? await upload(images, request, rules)
					: annotate(images, request);
			Object.assign(call, { outcome: result.outcome, imageId: result.id });
			return result.body;
		},
		/** What the projects received (one project's, or all), a copy. */
		received(project?: string) {
			const mine = <T extends { project: string }>(list: T[]) =>
				list.filter((entry) => project === undefined || entry.project === project);
			return structuredClone({ images: mine(images), calls: mine(calls) });
		},
		reset() {
			images.length = 0;
			calls.length = 0;
		},
	};
}
