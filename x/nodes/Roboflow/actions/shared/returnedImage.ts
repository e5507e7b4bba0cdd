import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { sniffImageType } from '../../input/imageSource';

/**
 * Stores an image Roboflow sent back as base64 (an annotated picture, a Workflow's output)
 * through n8n's binary helpers, so in filesystem mode it leaves memory at once. Its type is read
 * from its bytes (Roboflow sends JPEG; a Workflow may echo the input's format) and named
 * `<stem>.<extension>`.
 */
export async function storeReturnedImage(
	this: IExecuteFunctions,
	base64: string,
	stem: string,
): Promise<IBinaryData> {
	const bytes = Buffer.from(base64.replace(/^data:image\/[a-z]+;base64,/i, ''), 'base64');
	const mimeType = sniffImageType(bytes) ?? 'image/jpeg';
	const extension = mimeType.split('/')[1].replace('jpeg', 'jpg');
	return await this.helpers.prepareBinaryData(bytes, `${stem}.${extension}`, mimeType);
}
