import type { INodeProperties } from 'n8n-workflow';

import type { RoboflowOperation } from '../../batch/operation';
import { BATCH_OPTIONS, binaryPropertyNameProperty } from '../../batch/parameters';
import { MODEL_ID } from '../../input/identifiers';

/** What every tool description ends with: where the image comes from. */
const TOOL_INPUT =
	'Input: the image, by the URL the tool asks for or the uploaded file it is set to read.';

/** Shows properties only for the given operations, as n8n's versioned nodes do. */
export function forOperations(
	operations: string[],
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, operation: operations },
		},
	}));
}

/**
 * The per-operation Description an AI Agent's model reads (tool variant only): with this
 * parameter present n8n uses it instead of the node's one-line description.
 */
export function toolDescriptionProperties(operations: RoboflowOperation[]): INodeProperties[] {
	const property: INodeProperties = {
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		default: '',
		required: true,
		typeOptions: { rows: 3 },
		description:
			"What the AI Agent's model is told this tool does and needs. Filled in for the operation chosen when the tool is added; n8n does not rewrite it when the operation changes.",
	};
	return operations.map(({ toolDescription, option }) => ({
		...property,
		default: `${toolDescription} ${TOOL_INPUT}`,
		displayOptions: { show: { '@tool': [true], operation: [option.value] } },
	}));
}

/** The image inputs every operation shares: binary field(s) or URL. */
export const imageInputProperties: INodeProperties[] = [
	{
		displayName: 'Input Type',
		name: 'inputType',
		type: 'options',
		options: [
			{
				name: 'Binary File',
				value: 'binaryData',
				description: 'An image passed in by an earlier node (file, attachment, download)',
			},
			{
				name: 'Image URL',
				value: 'imageUrl',
				description: 'A public https:// address that Roboflow downloads the image from',
			},
		],
		default: 'binaryData',
	},
	binaryPropertyNameProperty,
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://example.com/photo.jpg',
		displayOptions: { show: { inputType: ['imageUrl'] } },
		description:
			'The https:// address of the image, usually an expression that reads it from the incoming item. Roboflow downloads only https URLs on a public host name.',
	},
];

/** The model, from the list or by ID; workflows saved when this was a plain string keep working. */
export const modelIdProperty: INodeProperties = {
	displayName: 'Model',
	name: 'modelId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The trained model version to run',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a model...',
			typeOptions: { searchListMethod: 'searchModels', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. vehicle-classification-eapcd/2',
			hint: "As Roboflow shows it on the model's Deploy page: project slug, a slash, then the version number",
			validation: [
				{
					type: 'regex',
					properties: {
						regex: MODEL_ID.source,
						errorMessage: 'Use project/version, e.g. vehicle-classification-eapcd/2',
					},
				},
			],
		},
	],
};

/** Options several operations share, one definition each, composed into their Options. */
export const SHARED_OPTIONS = {
	confidence: {
		displayName: 'Confidence Threshold',
		name: 'confidence',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0.4,
		description:
			'Results scoring below this (0 to 1) are left out. Roboflow uses 0.4 when it is not set.',
	},
	overlap: {
		displayName: 'Overlap Threshold',
		name: 'overlap',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0.3,
		description:
			'How much two boxes of the same class may overlap (0 to 1) before the weaker is dropped as a duplicate. Roboflow uses 0.3 when it is not set.',
	},
	classes: {
		displayName: 'Only Classes',
		name: 'classes',
		type: 'string',
		default: '',
		placeholder: 'e.g. helmet, person',
		description:
			'Comma-separated class names to keep; others are dropped and not counted. Empty keeps all.',
	},
	maxDetections: {
		displayName: 'Max Detections',
		name: 'maxDetections',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000 },
		default: 300,
		description: 'The most predictions Roboflow returns for one image',
	},
	annotatedImage: {
		displayName: 'Annotated Image',
		name: 'annotatedImage',
		type: 'boolean',
		default: false,
		description:
			"Whether to also get Roboflow's picture of the result (boxes, masks or the class drawn on the image), as a JPEG binary field",
	},
	simplify: {
		displayName: 'Simplify Output',
		name: 'simplify',
		type: 'boolean',
		default: false,
		description:
			"Whether to return a compact result instead of Roboflow's full answer: the top class, its confidence and the counts, at most 20 objects as class, confidence and box (no outlines or keypoints), a Workflow's outputs without images. Suits an AI Agent's tool and spreadsheet rows.",
	},
	annotatedBinaryProperty: {
		displayName: 'Annotated Image Field',
		name: 'annotatedBinaryProperty',
		type: 'string',
		default: 'annotated',
		description: 'The binary field the annotated image is put in (with Annotated Image on)',
	},
} satisfies Record<string, INodeProperties>;

/** A list of name/value pairs (Workflow inputs, metadata): `{ [entry]: [{ name, value }] }`. */
export function nameValuePairs(
	spec: Pick<INodeProperties, 'displayName' | 'name' | 'placeholder' | 'description'> & {
		entry: { name: string; displayName: string };
	},
): INodeProperties {
	const { entry, ...property } = spec;
	return {
		...property,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		options: [
			{
				...entry,
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	};
}

/** An operation's Options collection: its own options, then the batch's, sorted by name as n8n's lint expects. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...options, ...Object.values(BATCH_OPTIONS)].sort((a, b) =>
			a.displayName.localeCompare(b.displayName),
		),
	};
}
