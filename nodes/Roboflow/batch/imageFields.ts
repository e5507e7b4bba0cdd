import type { IBinaryData } from 'n8n-workflow';

import { RoboflowInputError } from '../helpers/errors';
import { isGenericMimeType } from '../input/imageSource';

/** A binary field left out of a `*` selection because it holds no image. */
export interface SkippedField {
	field: string;
	file_name: string | null;
	mime_type: string | null;
}

/**
 * Which binary fields of an item to send, from Input Binary Field:
 * - one name (`data`): that field, exactly as the node always did (`several: false`);
 * - a comma-separated list (`attachment_0, attachment_2`): those fields, in that order;
 * - `*`: every field that holds an image, in the item's order; others are skipped and listed.
 */
export function selectImageFields(
	parameter: string,
	binary: Record<string, IBinaryData> | undefined,
): { fields: string[]; skipped: SkippedField[]; several: boolean } {
	const text = parameter.trim();
	if (text === '*') {
		const fields: string[] = [];
		const skipped: SkippedField[] = [];
		for (const [field, data] of Object.entries(binary ?? {})) {
			// Generic types (octet-stream) are judged by their bytes when read, as for one field.
			if (data.mimeType?.startsWith('image/') || isGenericMimeType(data.mimeType))
				fields.push(field);
			else
				skipped.push({ field, file_name: data.fileName ?? null, mime_type: data.mimeType ?? null });
		}
		return { fields, skipped, several: true };
	}
	if (!text.includes(',')) return { fields: [text], skipped: [], several: false };
	const fields = [
		...new Set(
			text
				.split(',')
				.map((name) => name.trim())
				.filter(Boolean),
		),
	];
	if (!fields.length) {
		throw new RoboflowInputError(
			`Input Binary Field "${parameter}" names no field`,
			'Give a field name (data), several separated by commas (attachment_0, attachment_1), or * for every image of the item.',
		);
	}
	return { fields, skipped: [], several: true };
}
