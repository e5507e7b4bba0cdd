/**
 * Roboflow's error answers (docs/roboflow-api.md §5, texts from roboflow/inference 1.5.0
 * `inference/core/interfaces/http/error_handlers.py` and `inference/core/utils/image_utils.py`),
 * and the texts this server used before it modelled them (`messages: 'legacy'`).
 */

/** Route error bodies are `{ message }`; gateway errors add `status`; validation errors are `{ detail: [...] }`. */
export type ErrorBody = Record<string, unknown>;

/** An answer that ends a request early: status, JSON body and extra headers. */
export class HttpError extends Error {
	status: number;
	body: ErrorBody;
	headers: Record<string, string>;

	constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}) {
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
	contentTypeInvalid: 'Invalid Content-Type header provided with request.',
	/** 401 on Inference: key invalid, missing, or not valid for the model's workspace. */
	unauthorized: `Unauthorized access to roboflow API - check API key and make sure the key is valid for workspace you use. ${KEY_HELP}`,
	/** 403 on Inference: the key lacks a scope (here: `modelAccess` does not list the model). */
	forbidden: `Unauthorized access to roboflow API - check API key and make sure the key is valid and have required scopes. ${KEY_HELP}`,
	/** Serverless gateway, no key at all. */
	gatewayMissingKey: 'Unauthorized api_key',
	/** Serverless gateway, key rejected by the usage check. */
	gatewayRejectedKey: 'Unauthorized api_key. This key is not authorized for serverless inference.',
	notFound:
		'Requested Roboflow resource not found. Make sure that workspace, project or model you referred in request exists.',
	internal: 'Internal error.',
	serviceMisconfiguration: 'Service misconfiguration.',
	notReady: 'Model is temporarily not ready - retry request.',
	invalidMaskDecode:
		"Invalid mask decode argument sent. tradeoff_factor must be in [0.0, 1.0], mask_decode_mode: must be one of ['accurate', 'fast', 'tradeoff']",
	/** Not Roboflow's (format unverified, docs/roboflow-api.md §5): the gateway's answer to a body over `maxBodyBytes`. */
	tooLarge: (limit: number) => `Request body too large: the limit is ${formatBytes(limit)}.`,
} as const;

/** Causes inside "Could not load input image. Cause: ..." (the `public_message` of Inference's errors). */
export const IMAGE_CAUSES = {
	rawBytes:
		'Invalid base64 input: the image payload contains raw bytes instead of a base64-encoded string. Please base64-encode the image before sending.',
	malformedBase64: 'Malformed base64 input image.',
	empty: 'Empty image payload.',
	multipartFile: "Expected image to be send in part named 'file' of multipart/form-data request",
	notImage: 'Data is not image.',
	urlDisabled: 'Providing images via URL is not supported in this configuration of `inference`.',
	urlInvalid: 'Provided image URL is invalid',
	urlNotHttps:
		'Providing images via non https:// URL is not supported in this configuration of `inference`.',
	urlNoFqdn:
		'Providing images via URL without FQDN is not supported in this configuration of `inference`.',
	urlNotWhitelisted:
		'It is not allowed to reach image URL - prohibited by whitelisted destinations.',
	urlBlacklisted: 'It is not allowed to reach image URL - prohibited by blacklisted destinations.',
	urlUnreachable: 'Data pointed by URL could not be decoded into image.',
} as const;

export type ImageCause = (typeof IMAGE_CAUSES)[keyof typeof IMAGE_CAUSES];

/** 400 "Could not load input image. Cause: ..." */
export function imageLoadError(cause: string): HttpError {
	return new HttpError(400, { message: `Could not load input image. Cause: ${cause}` });
}

/** Texts of this server before it modelled Inference's (the default with `auth: 'legacy'`). */
export const LEGACY_MESSAGES = {
	notFound: (model: string) => `Model ${model} not found. Check the project and version.`,
	invalidBase64: 'Invalid base64 input',
	notDecodable: (reason: string) => `Could not decode image: ${reason}`,
	urlFailed: (reason: string) => `Could not load image from URL: ${reason}`,
	internal: (reason: string) => `Internal error: ${reason}`,
} as const;

/** One FastAPI/pydantic validation error (422 `{ detail: [...] }`). */
export interface ValidationIssue {
	type: string;
	loc: (string | number)[];
	msg: string;
	input: unknown;
	ctx?: Record<string, unknown>;
}

export function validationError(issues: ValidationIssue[]): HttpError {
	return new HttpError(422, { detail: issues });
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
	if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
	return `${bytes} bytes`;
}

/** The management API's (api.roboflow.com) answer to a missing or unknown key (docs/roboflow-api.md §7). */
export const MANAGEMENT_BAD_KEY = 'This API key does not exist (or has been revoked).';

/** A management API error body (`{error: {message, status, ...}}`, docs/roboflow-api.md §7). */
export const managementError = (
	status: number,
	message: string,
	extra: Record<string, unknown> = {},
): HttpError => new HttpError(status, { error: { message, status, ...extra } });

/** The management API's 401 for a missing or unknown key: it echoes the refused key (`key`). */
export const managementKeyError = (key: string | null | undefined): HttpError =>
	managementError(401, MANAGEMENT_BAD_KEY, {
		type: 'OAuthException',
		hint: 'You may retrieve your API key via the Roboflow Dashboard.',
		...(key ? { key } : {}),
	});
