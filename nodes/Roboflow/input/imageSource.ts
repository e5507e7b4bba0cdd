import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { RoboflowInputError } from '../helpers/errors';
import type { Endpoint } from '../transport/endpoint';

const IMAGE_SIGNATURES: Array<[string, number[]]> = [
	['image/jpeg', [0xff, 0xd8, 0xff]],
	['image/png', [0x89, 0x50, 0x4e, 0x47]],
	['image/gif', [0x47, 0x49, 0x46, 0x38]],
	['image/bmp', [0x42, 0x4d]],
	['image/webp', [0x52, 0x49, 0x46, 0x46]],
	['image/tiff', [0x49, 0x49, 0x2a, 0x00]],
	['image/tiff', [0x4d, 0x4d, 0x00, 0x2a]],
];

/** The image type its first bytes announce, or undefined when they match no known format. */
export function sniffImageType(bytes: Buffer): string | undefined {
	for (const [mimeType, signature] of IMAGE_SIGNATURES) {
		if (bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b)) {
			return mimeType;
		}
	}
	return undefined;
}

// Sources such as webhooks or S3 often label images as a generic octet stream; those are judged
// by their bytes. Anything labelled as another concrete type (PDF, text, video) is refused.
export function isGenericMimeType(mimeType: string | undefined): boolean {
	return !mimeType || mimeType === 'application/octet-stream' || mimeType === 'binary/octet-stream';
}

function formatBytes(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** How many bytes `bytes` of data take as base64, the form in which they are sent. */
function base64Length(bytes: number): number {
	return 4 * Math.ceil(bytes / 3);
}

/** Refuses a body over the endpoint's documented limit before it is sent. */
export function checkRequestSize(
	sentBytes: number,
	endpoint: Endpoint,
	what: string,
	fileBytes?: number,
): void {
	const limit = endpoint.maxRequestBytes;
	if (limit === undefined || sentBytes <= limit) return;
	const file =
		fileBytes !== undefined ? ` (${formatBytes(fileBytes)} as a file, a third more as base64)` : '';
	const alternative = endpoint.legacy
		? " or switch the credential's API URL to Roboflow's Serverless Cloud API (https://serverless.roboflow.com, 20 MB per request)"
		: '';
	throw new RoboflowInputError(
		`${what} makes a ${formatBytes(sentBytes)} request${file}, over the ${formatBytes(limit)} that ${endpoint.label} accepts`,
		`Resize or compress the image first, e.g. with the Edit Image node (the model scales images down to its input size anyway)${alternative}.`,
	);
}

function checkNotEmpty(bytes: number, propertyName: string): void {
	if (bytes === 0) {
		throw new RoboflowInputError(
			`The binary field "${propertyName}" is empty (0 bytes)`,
			'The file holds no image data. Check the node that produced it, e.g. a download that failed or an empty attachment.',
		);
	}
}

export interface BinaryImage {
	/** The image's bytes, for requests that send the file itself (an upload's file form). */
	bytes: Buffer;
	/** The image as the bare base64 string Roboflow expects as a request body. */
	readonly base64: string;
	fileName?: string;
	/** The binary's type, or what its bytes say when the binary's own type is a generic one. */
	mimeType: string;
}

/** The file extension for an image type: `image/jpeg` gives `jpg`, `image/svg+xml` gives `svg`. */
export function extensionOf(mimeType: string): string {
	const subtype = mimeType.split('/')[1]?.split(/[;+]/)[0] ?? '';
	return subtype === 'jpeg' ? 'jpg' : subtype || 'jpg';
}

/** Where a binary field is read for, and what to set when the item lacks it. */
export interface FieldUse {
	/** Added to the message: `for the Workflow input "back"`. */
	purpose?: string;
	/** What to set: `Set "Input Binary Field" to the one that holds the image.` */
	fix: string;
}

function missingFieldError(
	propertyName: string,
	binary: Record<string, IBinaryData> | undefined,
	use: FieldUse,
): RoboflowInputError {
	const present = Object.keys(binary ?? {});
	return new RoboflowInputError(
		`The item has no binary field "${propertyName}"${use.purpose ? ` ${use.purpose}` : ''}`,
		present.length
			? `Its binary fields are: ${present.map((name) => `"${name}"`).join(', ')}. ${use.fix}`
			: `It has no binary data at all: put a node that loads the image (Read/Write Files from Disk, HTTP Request, Gmail, Google Drive...) before this one. ${use.fix}`,
	);
}

function notAnImageError(propertyName: string, metadata: IBinaryData): RoboflowInputError {
	return new RoboflowInputError(
		`The file in "${propertyName}"${metadata.fileName ? ` (${metadata.fileName})` : ''} is not an image: its type is ${metadata.mimeType}`,
		'Roboflow reads images (JPEG, PNG, WebP, BMP...). Filter other files out before this node, e.g. with an If node on the MIME type.',
	);
}

/** The bytes' image type when the binary's own type is generic; an error when they are no image. */
function imageType(propertyName: string, declared: string, buffer: Buffer): string {
	if (!isGenericMimeType(declared)) return declared;
	const sniffed = sniffImageType(buffer);
	if (sniffed) return sniffed;
	throw new RoboflowInputError(
		`The file in "${propertyName}" is not an image: its type is ${declared || 'unknown'} and its content is not a known image format`,
		'Roboflow reads images (JPEG, PNG, WebP, BMP...). Check that the previous node delivers the image itself and not, e.g., an HTML error page.',
	);
}

/**
 * Reads an item's image through n8n's binary helpers (so filesystem and S3 modes work), checking
 * it is an image that fits the endpoint; `use.data` is an expression's binary data object.
 */
export async function readBinaryImage(
	this: IExecuteFunctions,
	image: { itemIndex: number; propertyName: string; binary?: Record<string, IBinaryData> },
	endpoint: Endpoint,
	use: FieldUse & { data?: IBinaryData },
): Promise<BinaryImage> {
	const { itemIndex, propertyName, binary } = image;
	const { data } = use;
	if (!data && !binary?.[propertyName]) throw missingFieldError(propertyName, binary, use);
	const metadata = this.helpers.assertBinaryData(itemIndex, data ?? propertyName);
	if (!isGenericMimeType(metadata.mimeType) && !metadata.mimeType.startsWith('image/'))
		throw notAnImageError(propertyName, metadata);
	const what = `The image in "${propertyName}"`;
	// Known sizes are checked before the file is read, so a huge file is refused without loading it.
	if (typeof metadata.bytes === 'number') {
		checkNotEmpty(metadata.bytes, propertyName);
		checkRequestSize(base64Length(metadata.bytes), endpoint, what, metadata.bytes);
	}
	const buffer = await this.helpers.getBinaryDataBuffer(itemIndex, data ?? propertyName);
	checkNotEmpty(buffer.length, propertyName);
	checkRequestSize(base64Length(buffer.length), endpoint, what, buffer.length);
	return {
		bytes: buffer,
		// Encoded only when asked for: an upload sends the bytes themselves.
		get base64() {
			return buffer.toString('base64');
		},
		fileName: metadata.fileName,
		mimeType: imageType(propertyName, metadata.mimeType, buffer),
	};
}

/** The last path segment of an image URL, decoded: its file name; empty when there is none. */
export function urlFileName(url: string): string {
	try {
		return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
	} catch {
		return '';
	}
}

/** A file name without its extension, `image` when nothing is left: `photo.png` gives `photo`. */
export function fileStem(name: string | undefined): string {
	return (name ?? '').replace(/\.[^.]*$/, '') || 'image';
}

/** Checks an image URL before Roboflow is asked to download it. */
export function parseImageUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!text) {
		throw new RoboflowInputError(
			'The image URL is empty',
			'Set "Image URL" to the address of the image, usually an expression such as {{ $json.url }}.',
		);
	}
	if (!URL.canParse(text)) {
		throw new RoboflowInputError(
			`The image URL "${text}" is not a valid URL`,
			'Use a full address starting with https://.',
		);
	}
	const url = new URL(text);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new RoboflowInputError(
			`The image URL uses "${url.protocol}", but only http and https are supported`,
			'Roboflow downloads the image itself, so it needs a public https:// address. For local files use "Binary File" as the Input Type.',
		);
	}
	if (url.username || url.password) {
		throw new RoboflowInputError(
			'The image URL contains a user name or password',
			'Roboflow would receive those credentials. Download the image with an HTTP Request node instead and classify it as a binary file.',
		);
	}
	return url.toString();
}
