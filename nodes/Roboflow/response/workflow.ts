import type { IDataObject } from 'n8n-workflow';

import { isRecord, UnexpectedResponseError } from './common';

/** An image the Workflow returned, to become a binary field of the item. */
export interface WorkflowImage {
	/** The binary field's name: the output key, nested keys joined with `_` (`crops_0_image`). */
	field: string;
	base64: string;
}

export interface WorkflowResult {
	/** The result with every image replaced by a short reference to its binary field. */
	json: IDataObject;
	images: WorkflowImage[];
}

/** Roboflow serialises every image as `{type: "base64", value}`, possibly nested (docs/roboflow-api.md §6.2). */
function isImage(
	value: unknown,
): value is { type: 'base64'; value: string } & Record<string, unknown> {
	return isRecord(value) && value.type === 'base64' && typeof value.value === 'string';
}

/** What the binary reference replaces: the base64 itself, its type and the video metadata. */
const REPLACED_IMAGE_FIELDS = new Set(['value', 'type', 'video_metadata']);

function fieldName(path: string[]): string {
	return path.map((part) => part.replace(/[^A-Za-z0-9_-]+/g, '_')).join('_') || 'image';
}

/**
 * Takes the images out of one Workflow result: each `{type: "base64", value, ...}` becomes
 * `{type: "binary", binary_field, ...}` and its base64 is returned; the rest passes unchanged.
 */
export function extractWorkflowImages(
	result: Record<string, unknown>,
	prefix = '',
): WorkflowResult {
	const images: WorkflowImage[] = [];
	const used = new Set<string>();
	const walk = (value: unknown, path: string[]): unknown => {
		if (isImage(value)) {
			const base = prefix + fieldName(path);
			let field = base;
			for (let n = 2; used.has(field); n++) field = `${base}_${n}`;
			used.add(field);
			images.push({ field, base64: value.value });
			const rest = Object.fromEntries(
				Object.entries(value).filter(([key]) => !REPLACED_IMAGE_FIELDS.has(key)),
			);
			return { type: 'binary', binary_field: field, ...rest };
		}
		if (Array.isArray(value))
			return value.map((entry, index) => walk(entry, [...path, String(index)]));
		if (isRecord(value)) {
			return Object.fromEntries(
				Object.entries(value).map(([key, entry]) => [key, walk(entry, [...path, key])]),
			);
		}
		return value;
	};
	return { json: walk(result, []) as IDataObject, images };
}

/** The result for the one image sent: `outputs` holds one object per input image. */
export function readWorkflowOutputs(raw: unknown): Record<string, unknown> {
	if (!isRecord(raw) || !Array.isArray(raw.outputs)) {
		throw new UnexpectedResponseError('the answer has no "outputs" list');
	}
	if (raw.outputs.length === 1 && isRecord(raw.outputs[0])) return raw.outputs[0];
	// Not one object per image: hand over what came, as a list, rather than guess.
	return { outputs: raw.outputs };
}

/** Simplify Output for a Workflow: its outputs with every `{type: "binary"}` reference dropped. */
export function withoutImages(json: IDataObject): IDataObject {
	const walk = (value: unknown): unknown => {
		if (Array.isArray(value)) return value.filter((entry) => !isImageReference(entry)).map(walk);
		if (isRecord(value)) {
			return Object.fromEntries(
				Object.entries(value)
					.filter(([, entry]) => !isImageReference(entry))
					.map(([key, entry]) => [key, walk(entry)]),
			);
		}
		return value;
	};
	return walk(json) as IDataObject;
}

function isImageReference(value: unknown): boolean {
	return isRecord(value) && value.type === 'binary' && typeof value.binary_field === 'string';
}
