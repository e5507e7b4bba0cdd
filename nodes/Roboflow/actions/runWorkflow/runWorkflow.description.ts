import type { INodeProperties } from 'n8n-workflow';

import { SLUG_PATTERN } from '../../input/identifiers';
import {
	imageInputProperties,
	nameValuePairs,
	optionsCollection,
	SHARED_OPTIONS,
} from '../shared/descriptions';

/** The Workflow input that receives the image when the Workflow could not be described. */
export const DEFAULT_IMAGE_INPUT = 'image';

/** The image input's name for an undescribed Workflow; in Options from version 1.1. */
const imageInputName = (displayName: string): INodeProperties => ({
	displayName,
	name: 'imageInputName',
	type: 'string',
	default: DEFAULT_IMAGE_INPUT,
	description:
		'The name of the Workflow input that receives the image, when Inputs lists no image input (the Workflow could not be described)',
});

/** Inputs by name and value, for a Workflow whose inputs cannot be read. */
const moreInputs = (displayName: string): INodeProperties =>
	nameValuePairs({
		displayName,
		name: 'workflowInputs',
		placeholder: 'Add Input',
		description:
			'Inputs of the Workflow by name, e.g. when its inputs cannot be read; they take precedence over Inputs. A value that reads as JSON is sent as JSON (0.5, true, ["car", "bus"]); anything else as text.',
		entry: { name: 'input', displayName: 'Input' },
	});

/** Shown only on nodes of the given versions. */
const forVersions = (versions: number[], properties: INodeProperties[]): INodeProperties[] =>
	properties.map((property) => ({
		...property,
		displayOptions: { show: { '@version': versions } },
	}));

export const runWorkflowProperties: INodeProperties[] = [
	{
		displayName: 'Workspace',
		name: 'workspace',
		type: 'string',
		default: '',
		placeholder: 'e.g. my-workspace',
		description:
			"The workspace's URL slug, as in app.roboflow.com/&lt;workspace&gt;. Empty: the workspace of the credential's API key.",
	},
	{
		displayName: 'Workflow',
		name: 'workflowId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The Workflow to run',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a Workflow...',
				typeOptions: { searchListMethod: 'searchWorkflows', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. detect-count-and-visualize',
				hint: "The Workflow's ID as Roboflow shows it in its Deploy dialog (its URL slug)",
				validation: [
					{
						type: 'regex',
						properties: {
							regex: SLUG_PATTERN.source,
							errorMessage: 'Use the Workflow ID, e.g. detect-count-and-visualize',
						},
					},
				],
			},
		],
	},
	...imageInputProperties,
	{
		displayName: 'Inputs',
		name: 'inputFields',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		description:
			"The Workflow's own inputs, read from Roboflow once a Workflow is chosen. An image input (image) takes the name of a binary field of the item (e.g. data) or an image URL; the first may stay empty for the image chosen by Input Type. An empty parameter takes the Workflow's default.",
		typeOptions: {
			loadOptionsDependsOn: ['workflowId.value', 'workspace', 'options.workflowVersionId'],
			resourceMapper: {
				resourceMapperMethod: 'getWorkflowInputs',
				mode: 'add',
				valuesLabel: 'Inputs of the Workflow',
				fieldWords: { singular: 'input', plural: 'inputs' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
			},
		},
	},
	// Version 1 showed them beside Inputs; its nodes keep them there, with their values.
	...forVersions([1], [imageInputName('Image Input Name'), moreInputs('Workflow Inputs')]),
	optionsCollection([
		{
			displayName: 'Excluded Outputs',
			name: 'excludedFields',
			type: 'string',
			default: '',
			placeholder: 'e.g. annotated_image, crops',
			description: 'Comma-separated Workflow outputs not to return',
		},
		{
			displayName: 'Test Run (Skip Sinks)',
			name: 'disableSinks',
			type: 'boolean',
			default: false,
			description:
				"Whether Roboflow skips the Workflow's sinks (its emails, webhooks, dataset uploads) for this run, e.g. while building the n8n workflow",
		},
		{
			displayName: 'Use Cached Definition',
			name: 'useCache',
			type: 'boolean',
			default: true,
			description:
				'Whether Roboflow may use its cached copy of the Workflow (up to 15 minutes old). Off: always the latest saved version.',
		},
		{
			displayName: 'Workflow Version',
			name: 'workflowVersionId',
			type: 'string',
			default: '',
			placeholder: 'e.g. 1712345678901',
			description:
				'The ID of a saved version of the Workflow to run (and whose inputs to show). Empty: the latest version.',
		},
		...forVersions(
			[1.1],
			[imageInputName('Image Input (Workflow Not Described)'), moreInputs('More Inputs by Name')],
		),
		SHARED_OPTIONS.simplify,
	]),
];
