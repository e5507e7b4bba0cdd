import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import type { Job } from '../../batch/operation';
import type { BinaryImage } from '../../input/imageSource';
import {
	extensionOf,
	fileStem,
	parseImageUrl,
	readBinaryImage,
	sniffImageType,
	urlFileName,
} from '../../input/imageSource';
import type { Endpoint } from '../../transport/endpoint';
import type { ImagePayload } from '../../transport/inference';

/** A job's image: read from its binary field, or a URL Roboflow downloads itself. */
export type JobImage =
	| { kind: 'url'; url: string }
	| ({ kind: 'binary'; field: string } & BinaryImage);

/** What to do when the item lacks the field Input Binary Field names. */
const INPUT_FIELD_FIX =
	'Set "Input Binary Field" to the field that holds the image, or switch "Input Type" to Image URL.';

/** Reads the image a job names: its binary field (chosen by the batch), or the Image URL parameter. */
export async function readJobImage(
	this: IExecuteFunctions,
	job: Job,
	endpoint: Endpoint,
): Promise<JobImage> {
	const { itemIndex, item, binaryField: field } = job;
	if (field === undefined)
		return { kind: 'url', url: parseImageUrl(this.getNodeParameter('imageUrl', itemIndex)) };
	const image = await readBinaryImage.call(
		this,
		{ itemIndex, propertyName: field, binary: item.binary },
		endpoint,
		{ data: job.binaryData, fix: INPUT_FIELD_FIX },
	);
	return Object.assign(image, { kind: 'binary' as const, field });
}

/** The image as a request carries it. */
export function imagePayload(image: JobImage): ImagePayload {
	return image.kind === 'url' ? image : { kind: 'base64', base64: image.base64 };
}

/** The image's file name: the binary's own, the URL's last part, or the field with its type. */
export function imageFileName(image: JobImage): string {
	if (image.kind === 'url') return urlFileName(image.url);
	return image.fileName || `${image.field}.${extensionOf(image.mimeType)}`;
}

/** A file name stem for a picture derived from the input's: `photo.png` gives `photo-annotated`. */
export function derivedFileStem(image: JobImage, suffix: string): string {
	const name = image.kind === 'binary' ? image.fileName : urlFileName(image.url);
	return `${fileStem(name)}-${suffix}`;
}

/**
 * Stores a base64 image Roboflow sent back through n8n's binary helpers (so it can leave memory),
 * typed by its bytes (a Workflow may echo the input's format).
 */
export async function storeReturnedImage(
	this: IExecuteFunctions,
	base64: string,
	stem: string,
): Promise<IBinaryData> {
	const bytes = Buffer.from(base64.replace(/^data:image\/[a-z]+;base64,/i, ''), 'base64');
	const mimeType = sniffImageType(bytes) ?? 'image/jpeg';
	return await this.helpers.prepareBinaryData(bytes, `${stem}.${extensionOf(mimeType)}`, mimeType);
}
