import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { RoboflowInputError } from '../../helpers/errors';
import { checkRequestSize } from '../../input/imageSource';
import { MAX_ANNOTATED_RESPONSE_BYTES } from '../../transport/request';
import { endpointFor } from '../../transport/endpoint';
import type { ErrorAdvice } from '../../transport/errorMapping';
import { extractWorkflowImages, readWorkflowOutputs, withoutImages } from '../../response/workflow';
import type { Job, OperationRun, RoboflowOperation, RunContext } from '../../batch/operation';
import {
	forOperations,
	imageInputProperties,
	OPTION,
	optionsCollection,
	RUN_OPTIONS,
} from '../shared/descriptions';
import { readImageInput } from '../shared/imageInput';
import { storeReturnedImage } from '../shared/returnedImage';

const OPERATION = 'runWorkflow';
const DEFAULT_IMAGE_INPUT = 'image';

// Workspace slugs and Workflow ids are URL slugs: anything else would change the request path.
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

interface WorkflowOptions {
	excludedFields?: string;
	useCache?: boolean;
	simplify?: boolean;
}

const properties: INodeProperties[] = [
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
							regex: SLUG.source,
							errorMessage: 'Use the Workflow ID, e.g. detect-count-and-visualize',
						},
					},
				],
			},
		],
	},
	...imageInputProperties,
	{
		displayName: 'Image Input Name',
		name: 'imageInputName',
		type: 'string',
		default: DEFAULT_IMAGE_INPUT,
		description: 'The name of the Workflow input that receives the image',
	},
	{
		displayName: 'Workflow Inputs',
		name: 'workflowInputs',
		type: 'fixedCollection',
		placeholder: 'Add Input',
		typeOptions: { multipleValues: true },
		default: {},
		description:
			'Further inputs of the Workflow. A value that reads as JSON is sent as JSON (0.5, true, ["car", "bus"]); anything else as text.',
		options: [
			{
				name: 'input',
				displayName: 'Input',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
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
			displayName: 'Use Cached Definition',
			name: 'useCache',
			type: 'boolean',
			default: true,
			description:
				'Whether Roboflow may use its cached copy of the Workflow (up to 15 minutes old). Off: always the latest saved version.',
		},
		OPTION.simplify,
		...RUN_OPTIONS,
	]),
];

/** A Workflow input value: JSON when it reads as JSON, so numbers, booleans and lists arrive typed. */
export function workflowInputValue(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value;
	}
}

function slug(value: unknown, label: string, hint: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!SLUG.test(text)) {
		throw new RoboflowInputError(
			`${label} "${String(value ?? '')}" is not a valid ${label.toLowerCase()}`,
			hint,
		);
	}
	return text;
}

const ADVICE: ErrorAdvice = {
	subject: 'this Workflow',
	byStatus: {
		400: [
			'Roboflow could not run the Workflow with these inputs',
			'Check the Workflow Inputs and the Image Input Name against the inputs the Workflow declares in Roboflow.',
		],
		404: [
			'Roboflow found no Workflow with this ID',
			"Check the Workspace and Workflow ID: they are the slugs in the Workflow's URL in Roboflow, and the key must belong to that workspace.",
		],
		500: [
			'A step of the Workflow failed',
			'Roboflow ran the Workflow and one of its steps failed (not retried). Open the Workflow in Roboflow and test it with the same image and inputs.',
		],
	},
};

/** Runs a Workflow built in Roboflow on each image: its outputs as JSON, its images as binaries. */
export const runWorkflow: RoboflowOperation = {
	option: {
		name: 'Run Workflow',
		value: OPERATION,
		description: 'Run a Roboflow Workflow on an image and get all its outputs',
		action: 'Run workflow',
	},
	toolDescription:
		'Runs a Roboflow Workflow (a vision pipeline built in Roboflow, e.g. detect, count and read text) on an image and returns its outputs. Input: the image, by the URL the tool asks for or the uploaded file it is set to read.',
	properties: forOperations([OPERATION], properties),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a Workflow result",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, a dedicated deployment or an Inference server).',
	},
	async start(this: IExecuteFunctions, run: RunContext): Promise<OperationRun> {
		const endpoint = endpointFor(run.data.apiUrl, 'workflow');
		return {
			async prepare(this: IExecuteFunctions, job: Job) {
				const { itemIndex } = job;
				const workflowId = slug(
					this.getNodeParameter('workflowId', itemIndex, '', { extractValue: true }),
					'Workflow ID',
					"Use the Workflow's ID as Roboflow shows it (its URL slug, e.g. detect-count-and-visualize).",
				);
				const workspaceParameter = String(
					this.getNodeParameter('workspace', itemIndex, '') ?? '',
				).trim();
				const workspace = workspaceParameter
					? slug(
							workspaceParameter,
							'Workspace',
							"Use the workspace's URL slug, as in app.roboflow.com/<workspace>, or leave it empty.",
						)
					: // Looked up once per run, and only when an item leaves Workspace empty.
						await run.management.workspaceOfKey();
				const image = await readImageInput.call(this, job, endpoint);
				const imageInputName =
					String(this.getNodeParameter('imageInputName', itemIndex, DEFAULT_IMAGE_INPUT)).trim() ||
					DEFAULT_IMAGE_INPUT;
				const inputs: IDataObject = {};
				const extra = this.getNodeParameter('workflowInputs.input', itemIndex, []) as Array<{
					name?: string;
					value?: unknown;
				}>;
				for (const { name, value } of extra) {
					if (name?.trim()) inputs[name.trim()] = workflowInputValue(value) as IDataObject[string];
				}
				inputs[imageInputName] =
					image.kind === 'url'
						? { type: 'url', value: image.url }
						: { type: 'base64', value: image.base64 };
				const options = job.options as WorkflowOptions;
				const excluded = String(options.excludedFields ?? '')
					.split(',')
					.map((name) => name.trim())
					.filter(Boolean);
				const body: IDataObject = {
					api_key: run.data.apiKey,
					inputs,
					...(excluded.length ? { excluded_fields: excluded } : {}),
					...(options.useCache === false ? { use_cache: false } : {}),
				};
				const text = JSON.stringify(body);
				checkRequestSize(
					// Bytes, not characters: a typed input may hold non-ASCII text.
					Buffer.byteLength(text),
					endpoint,
					image.kind === 'base64' ? `The image in "${image.field}"` : 'The request',
				);
				return {
					request: {
						url: `${endpoint.baseUrl}/${workspace}/workflows/${workflowId}`,
						query: {},
						body: { kind: 'json', text },
						maxResponseBytes: MAX_ANNOTATED_RESPONSE_BYTES,
						expected: 'a Workflow result',
						advice: ADVICE,
					},
					read: async (answer) => {
						const { json, images } = extractWorkflowImages(
							readWorkflowOutputs(answer),
							job.binaryPrefix,
						);
						// Simplified: the images are neither stored nor referenced.
						if (options.simplify) return { json: withoutImages(json) };
						const binary: Record<string, IBinaryData> = {};
						for (const { field, base64 } of images) {
							binary[field] = await storeReturnedImage.call(this, base64, field);
						}
						return { json, binary: images.length ? binary : undefined };
					},
				};
			},
		};
	},
};
