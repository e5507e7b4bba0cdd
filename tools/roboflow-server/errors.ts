/**
 * Roboflow's error answers (docs/roboflow-api.md §5), with the texts of roboflow/inference 1.5.0
 * (`inference/core/interfaces/http/error_handlers.py`, `inference/core/utils/image_utils.py`).
 */

/** An answer that ends a request early: status, JSON body and extra headers. */
export class HttpError extends Error {
	status: number;
	body: Record<string, unknown>;
	headers: Record<string, string>;

	constructor(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
		super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
		this.status = status;
		this.body = body;
		this.headers = headers;
	}
}

const KEY_HELP =
	'Visit https://docs.roboflow.com/api-reference/authentication#retrieve-an-api-key to learn how to retrieve one.';

export const MESSAGES = {
	contentTypeMissing: 'Content-Type header not provided with request.',
	unauthorized: `Unauthorized access to roboflow API - check API key and make sure the key is valid for workspace you use. ${KEY_HELP}`,
	forbidden: `Unauthorized access to roboflow API - check API key and make sure the key is valid and have required scopes. ${KEY_HELP}`,
	gatewayMissingKey: 'Unauthorized api_key',
	gatewayRejectedKey: 'Unauthorized api_key. This key is not authorized for serverless inference.',
	notFound:
		'Requested Roboflow resource not found. Make sure that workspace, project or model you referred in request exists.',
	internal: 'Internal error.',
	notReady: 'Model is temporarily not ready - retry request.',
	rateLimited: 'Rate limit exceeded',
	managementBadKey: 'This API key does not exist (or has been revoked).',
} as const;

/** Causes inside "Could not load input image. Cause: ..." (Inference's `public_message`s). */
export const IMAGE_CAUSES = {
	malformedBase64: 'Malformed base64 input image.',
	empty: 'Empty image payload.',
	notImage: 'Data is not image.',
	urlInvalid: 'Provided image URL is invalid',
	urlNotHttps:
		'Providing images via non https:// URL is not supported in this configuration of `inference`.',
	urlNoFqdn:
		'Providing images via URL without FQDN is not supported in this configuration of `inference`.',
	urlUnreachable: 'Data pointed by URL could not be decoded into image.',
	imageType: 'Image declaration contains not recognised image type.',
} as const;

export const imageLoadError = (cause: string): HttpError =>
	new HttpError(400, { message: `Could not load input image. Cause: ${cause}` });

export const internalError = (): HttpError => new HttpError(500, { message: MESSAGES.internal });

/** `work`'s result, or (it threw) an HttpError: `failure`, or a 400 with `failure` as the image cause. */
export function attempt<T>(work: () => T, failure: HttpError | string): T {
	try {
		return work();
	} catch {
		throw typeof failure === 'string' ? imageLoadError(failure) : failure;
	}
}

/** What an error answers: an HttpError itself, anything else Inference's 500. */
export const answerOf = (error: unknown): HttpError =>
	error instanceof HttpError ? error : internalError();

/** One FastAPI validation error of a 422 `{detail: [...]}`. */
export interface ValidationIssue {
	type: string;
	loc: Array<string | number>;
	msg: string;
	input: unknown;
}

export const validationError = (issues: ValidationIssue[]): HttpError =>
	new HttpError(422, { detail: issues });

/** The management API's error body (docs/roboflow-api.md §7): `{error: {message, status, ...}}`. */
export const managementError = (
	status: number,
	message: string,
	extra: Record<string, unknown> = {},
): HttpError => new HttpError(status, { error: { message, status, ...extra } });

/** The management API's 401 for a missing or unknown key: it echoes the refused key. */
export const managementKeyError = (key: string | undefined): HttpError =>
	managementError(401, MESSAGES.managementBadKey, {
		// The credential's test reads `type` to tell a refused key.
		type: 'OAuthException',
		...(key ? { key } : {}),
	});
