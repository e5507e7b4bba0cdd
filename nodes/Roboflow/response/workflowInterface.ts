import { isRecord } from './common';

/** One declared input of a Workflow, as the node shows it. */
export interface WorkflowInputDescription {
	name: string;
	/** An image input (`WorkflowImage`/`InferenceImage`, or of kind `image`): it takes a picture. */
	image: boolean;
	/** Kind names (`float_zero_to_one`, `list_of_values`, `*`...); `*` when none is declared. */
	kinds: string[];
	/** The declared `default_value`, when the input has one (it may be null). */
	default?: { value: unknown };
}

/** The inputs of a Workflow, in the order Roboflow gave them. */
export interface WorkflowInterface {
	inputs: WorkflowInputDescription[];
	/** Whether the source tells defaults (the specification does; describe_interface does not). */
	defaultsKnown: boolean;
}

const IMAGE_TYPES = new Set(['WorkflowImage', 'InferenceImage']);
/** Inputs that carry no value a user sets: video frames' metadata. */
const SKIPPED_TYPES = new Set(['WorkflowVideoMetadata']);
const WILDCARD = '*';
const IMAGE_KIND = 'image';

/** Why an answer describes no inputs (the caller makes it an error). */
export interface NotDescribed {
	problem: string;
}

function kindNames(kinds: unknown): string[] {
	const names = Array.isArray(kinds)
		? kinds
				// A kind may be given as its name or as the Kind object (`{name, description}`).
				.map((kind) => (typeof kind === 'string' ? kind : isRecord(kind) ? kind.name : undefined))
				.filter((name): name is string => typeof name === 'string' && name !== '')
		: [];
	return names.length ? names : [WILDCARD];
}

/**
 * Inputs from the management API's saved Workflow (docs/roboflow-api.md §6.4a): `workflow.config`
 * is JSON text (or an object): `{specification: {inputs: [{type, name, kind?, default_value?}]}}`.
 */
export function interfaceFromSpecification(answer: unknown): WorkflowInterface | NotDescribed {
	const workflow = isRecord(answer) ? answer.workflow : undefined;
	let config = isRecord(workflow) ? workflow.config : undefined;
	if (typeof config === 'string') {
		try {
			config = JSON.parse(config) as unknown;
		} catch {
			return { problem: "The Workflow's saved definition is not valid JSON." };
		}
	}
	const specification = isRecord(config) ? config.specification : undefined;
	if (!isRecord(specification) || !Array.isArray(specification.inputs))
		return { problem: 'The answer holds no Workflow specification with inputs.' };
	return {
		defaultsKnown: true,
		inputs: specification.inputs
			.filter(isRecord)
			.filter((input) => typeof input.name === 'string' && input.name !== '')
			.filter((input) => !SKIPPED_TYPES.has(String(input.type)))
			.map((input) => {
				const image = IMAGE_TYPES.has(String(input.type));
				return {
					name: input.name as string,
					image,
					kinds: image && input.kind === undefined ? [IMAGE_KIND] : kindNames(input.kind),
					...('default_value' in input ? { default: { value: input.default_value } } : {}),
				};
			}),
	};
}

/** Inputs from `describe_interface`: `{inputs: {name: [kind, ...]}}` (docs/roboflow-api.md §6.4b). */
export function interfaceFromDescription(answer: unknown): WorkflowInterface | NotDescribed {
	const inputs = isRecord(answer) ? answer.inputs : undefined;
	if (!isRecord(inputs)) return { problem: 'The answer has no `inputs`.' };
	return {
		defaultsKnown: false,
		inputs: Object.entries(inputs)
			.map(([name, kinds]) => ({ name, kinds: kindNames(kinds) }))
			.filter(({ kinds }) => !kinds.includes('video_metadata'))
			.map(({ name, kinds }) => ({ name, image: kinds.includes(IMAGE_KIND), kinds })),
	};
}
