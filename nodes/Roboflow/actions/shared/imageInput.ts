import type { IExecuteFunctions } from 'n8n-workflow';

import { fileStem, parseImageUrl, readBinaryImage, urlFileName } from '../../input/imageSource';
import type { Job } from '../../batch/operation';
import type { Endpoint } from '../../transport/endpoint';

/** A job's image: bare base64 read from a binary field, or a URL Roboflow downloads itself. */
export type ImageInput =
	| { kind: 'base64'; base64: string; field: string; fileName?: string }
	| { kind: 'url'; url: string };

/** Reads the image a job names: its binary field (chosen by the batch), or the Image URL parameter. */
export async function readImageInput(
	this: IExecuteFunctions,
	job: Job,
	endpoint: Endpoint,
): Promise<ImageInput> {
	const { itemIndex, item, binaryField: field } = job;
	if (field === undefined) {
		return { kind: 'url', url: parseImageUrl(this.getNodeParameter('imageUrl', itemIndex)) };
	}
	const image = await readBinaryImage.call(
		this,
		itemIndex,
		field,
		item.binary,
		endpoint,
		job.binaryData,
	);
	return { kind: 'base64', base64: image.base64, field, fileName: image.fileName };
}

/** A file name stem for a picture derived from the input's: `photo.png` gives `photo-annotated`. */
export function derivedFileStem(image: ImageInput, suffix: string): string {
	const name = image.kind === 'base64' ? image.fileName : urlFileName(image.url);
	return `${fileStem(name)}-${suffix}`;
}
