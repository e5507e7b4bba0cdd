import type { FieldType, ResourceMapperField } from 'n8n-workflow';

import { RoboflowInputError } from '../helpers/errors';
import type { WorkflowInterface } from '../response/workflowInterface';

/** Image inputs' field ids start with this; input names are `[A-Za-z0-9_-]`, so no other does. */
const IMAGE_FIELD_PREFIX = 'image:';

/** The one type an input's kinds allow, or undefined (wildcard, a mix): JSON when it reads as JSON. */
const TYPE_OF_KIND: Record<string, FieldType> = {
	float_zero_to_one: 'number',
	float: 'number',
	integer: 'number',
	boolean: 'boolean',
	string: 'string',
	roboflow_model_id: 'string',
	roboflow_project: 'string',
	roboflow_api_key: 'string',
	top_class: 'string',
	list_of_values: 'array',
	dictionary: 'object',
};

function fieldType(kinds: string[]): FieldType | undefined {
	const types = new Set(kinds.map((kind) => TYPE_OF_KIND[kind]));
	return types.size === 1 ? [...types][0] : undefined;
}

/** A default as a field can hold it: lists and objects as their JSON text. */
function fieldDefault(value: unknown): string | number | boolean | null {
	if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
		return value as string | number | boolean | null;
	return JSON.stringify(value);
}

/** The resource mapper's fields: one per image input, one per parameter typed from its kinds. */
export function workflowInputFields(workflow: WorkflowInterface): ResourceMapperField[] {
	let images = 0;
	return workflow.inputs.map((input): ResourceMapperField => {
		const common = { display: true, defaultMatch: false, canBeUsedToMatch: false };
		if (input.image) {
			const first = images++ === 0;
			return {
				...common,
				id: `${IMAGE_FIELD_PREFIX}${input.name}`,
				// Short: the editor cuts long labels. Inputs' description says what the value is.
				displayName: `${input.name} (image)`,
				type: 'string',
				required: !first,
				defaultValue: first ? '' : null,
			};
		}
		const type = fieldType(input.kinds);
		return {
			...common,
			id: input.name,
			displayName: input.name,
			...(type ? { type } : {}),
			// Without known defaults (describe_interface) an empty field takes the Workflow's own.
			required: workflow.defaultsKnown && input.default === undefined,
			...(input.default !== undefined ? { defaultValue: fieldDefault(input.default.value) } : {}),
		};
	});
}

/** The Workflow input a field stands for: its id without the image prefix. */
export const inputNameOfField = (id: string): string =>
	id.startsWith(IMAGE_FIELD_PREFIX) ? id.slice(IMAGE_FIELD_PREFIX.length) : id;

/** Where an image input's picture comes from. */
export type ImageSource =
	| { kind: 'main' }
	| { kind: 'url'; url: string }
	| { kind: 'binary'; field: string };

/** The Inputs fields of one item, read: each image input's source, and the parameters to send. */
export interface MappedInputs {
	images: Array<{ name: string; source: ImageSource }>;
	parameters: Record<string, unknown>;
}

/** A value given as text that reads as JSON is sent as JSON (0.5, true, ["car"]); other text as is. */
export function jsonOrText(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value;
	}
}

/** Reads one item's Inputs; an empty parameter is left out, so the Workflow's default applies. */
export function readMappedInputs(
	values: Record<string, unknown> | null | undefined,
	schema: ResourceMapperField[],
): MappedInputs {
	const images: MappedInputs['images'] = [];
	const parameters: Record<string, unknown> = {};
	for (const field of schema) {
		if (field.removed) continue;
		const value = values?.[field.id];
		if (field.id.startsWith(IMAGE_FIELD_PREFIX)) {
			const name = inputNameOfField(field.id);
			const text = typeof value === 'string' ? value.trim() : '';
			if (!text && images.length > 0)
				throw new RoboflowInputError(
					`The Workflow input "${name}" has no image`,
					`Set "${name}" under Inputs to the binary field that holds its image (e.g. data) or to the image's URL.`,
				);
			images.push({
				name,
				source: !text
					? { kind: 'main' }
					: /^https?:\/\//i.test(text)
						? { kind: 'url', url: text }
						: { kind: 'binary', field: text },
			});
			continue;
		}
		if (value === undefined || value === null || value === '') continue;
		parameters[field.id] = field.type === undefined ? jsonOrText(value) : value;
	}
	return { images, parameters };
}
