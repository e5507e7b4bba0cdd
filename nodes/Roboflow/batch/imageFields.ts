import type { IBinaryData } from 'n8n-workflow';

import { RoboflowInputError } from '../helpers/errors';
import { commaList } from '../input/commaList';
import { isGenericMimeType } from '../input/imageSource';

/** A binary field left out of a `*` selection because it holds no image. */
export interface SkippedField {
	field: string;
	file_name: string | null;
	mime_type: string | null;
}

/** What Input Binary Field selects: field names, plus the images themselves when it gave objects. */
export interface ImageSelection {
	fields: string[];
	skipped: SkippedField[];
	/** Given as a list (names with commas, `*`, several objects): one result per image. */
	isList: boolean;
	/** Set when the parameter held binary data objects: `data[i]` is the image named `fields[i]`. */
	data?: IBinaryData[];
}

/** A binary data object as n8n 2.x tells one: a MIME type, and its bytes inline or stored by id. */
function isBinaryData(value: unknown): value is IBinaryData {
	if (typeof value !== 'object' || value === null) return false;
	const { mimeType, data, id } = value as Partial<IBinaryData>;
	return typeof mimeType === 'string' && (typeof data === 'string' || typeof id === 'string');
}

/** n8n 1.x's binary helpers insist on `data`, which holds the storage mode its id starts with. */
function forBinaryHelpers(value: IBinaryData): IBinaryData {
	return typeof value.data === 'string'
		? value
		: { ...value, data: String(value.id).split(':')[0] };
}

const OBJECT_HINT =
	"Use an expression that gives a binary data object, e.g. {{ $('When chat message received').first().binary.data0 }}, a list of them, or an item's whole binary ({{ $binary }}); or a field name of this item.";

/**
 * Binary data objects from an expression (how an AI Agent tool reads an earlier upload): one, a
 * list, or a record such as `$binary`; each named by its key, file name or position.
 */
function selectImageObjects(parameter: object): ImageSelection {
	if (isBinaryData(parameter)) {
		return {
			fields: [parameter.fileName || 'image'],
			skipped: [],
			isList: false,
			data: [forBinaryHelpers(parameter)],
		};
	}
	const entries = Array.isArray(parameter)
		? parameter.map((value, index): [string, unknown] => [
				isBinaryData(value) && value.fileName ? value.fileName : `image_${index}`,
				value,
			])
		: Object.entries(parameter);
	const wrong = entries.find(([, value]) => !isBinaryData(value));
	if (wrong || !entries.length) {
		throw new RoboflowInputError(
			wrong
				? `Input Binary Field's expression gave ${Array.isArray(parameter) ? 'a list holding' : 'an object holding'} something that is not binary data (at "${wrong[0]}")`
				: "Input Binary Field's expression gave no image (an empty list or object)",
			OBJECT_HINT,
		);
	}
	return {
		fields: entries.map(([name]) => name),
		skipped: [],
		isList: true,
		data: entries.map(([, value]) => forBinaryHelpers(value as IBinaryData)),
	};
}

const NOTHING_HINT =
	"Set it to the name of the binary field holding the image (data), or to an expression that gives a binary data object. An AI Agent tool receives no binary: read the upload from an earlier node, e.g. {{ $('When chat message received').first().binary.data0 }}.";

/** Input Binary Field's fields: a name, a comma list, `*` (every image; others skipped), objects. */
export function selectImageFields(
	parameter: unknown,
	binary: Record<string, IBinaryData> | undefined,
): ImageSelection {
	if (typeof parameter === 'object' && parameter !== null) return selectImageObjects(parameter);
	const text = parameter === undefined || parameter === null ? '' : String(parameter).trim();
	if (!text)
		throw new RoboflowInputError(
			`Input Binary Field is empty: it gave ${parameter === '' ? 'an empty text' : String(parameter)}`,
			NOTHING_HINT,
		);
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
		return { fields, skipped, isList: true };
	}
	if (!text.includes(',')) return { fields: [text], skipped: [], isList: false };
	const fields = [...new Set(commaList(text))];
	if (!fields.length) {
		throw new RoboflowInputError(
			`Input Binary Field "${String(parameter)}" names no field`,
			'Give a field name (data), several separated by commas (attachment_0, attachment_1), or * for every image of the item.',
		);
	}
	return { fields, skipped: [], isList: true };
}
