import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeProperties,
	ResourceMapperField,
} from 'n8n-workflow';

import { commaList } from '../../input/commaList';
import { RoboflowInputError } from '../../helpers/errors';
import { checkRequestSize, parseImageUrl, readBinaryImage } from '../../input/imageSource';
import type { ImageSource } from '../../input/workflowInputs';
import { inputNameOfField, jsonOrText, readMappedInputs } from '../../input/workflowInputs';
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
import type { ImageInput } from '../shared/imageInput';
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
	workflowVersionId?: string;
	disableSinks?: boolean;
}

/** Sent as `{type, value}`, the form Roboflow's SDK sends (docs/roboflow-api.md §6.1). */
type WorkflowImageValue = { type: 'url' | 'base64'; value: string };

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
		description:
			'The name of the Workflow input that receives the image, when Inputs lists no image input (the Workflow could not be described)',
	},
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
	{
		displayName: 'Workflow Inputs',
		name: 'workflowInputs',
		type: 'fixedCollection',
		placeholder: 'Add Input',
		typeOptions: { multipleValues: true },
		default: {},
		description:
			'Further inputs of the Workflow by name, e.g. when its inputs cannot be read; they take precedence over Inputs. A value that reads as JSON is sent as JSON (0.5, true, ["car", "bus"]); anything else as text.',
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
		OPTION.simplify,
		...RUN_OPTIONS,
	]),
];

/** A name/value input: JSON when it reads as JSON, so numbers, booleans and lists arrive typed. */
export { jsonOrText as workflowInputValue };

/**
 * The values of the Inputs fields, which n8n checks against the fields' types and required
 * flags as it reads them; its complaint is turned into one naming the Workflow input.
 */
function readInputValues(this: IExecuteFunctions, itemIndex: number): IDataObject | null {
	let failure: unknown;
	try {
		return this.getNodeParameter('inputFields.value', itemIndex, null) as IDataObject | null;
	} catch (error) {
		failure = error;
	}
	const field = /^Invalid input for '([^']+)'/.exec((failure as Error).message)?.[1];
	if (!field) throw failure;
	const description = (failure as { description?: unknown }).description;
	throw new RoboflowInputError(
		`The Workflow input "${inputNameOfField(field)}" has an invalid value`,
		`${typeof description === 'string' ? `${description}. ` : ''}Fix it under Inputs.`,
	);
}

/** An image Roboflow gets as a Workflow input. */
const imageValue = (image: ImageInput): WorkflowImageValue =>
	image.kind === 'url'
		? { type: 'url', value: image.url }
		: { type: 'base64', value: image.base64 };

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
			'Check the Inputs (and Workflow Inputs, Image Input Name) against the inputs the Workflow declares in Roboflow.',
		],
		404: [
			'Roboflow found no Workflow with this ID',
			"Check the Workspace and Workflow ID: they are the slugs in the Workflow's URL in Roboflow, and the key must belong to that workspace. With a Workflow Version set, check that the version exists.",
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
				const mapped = readMappedInputs(
					readInputValues.call(this, itemIndex),
					this.getNodeParameter('inputFields.schema', itemIndex, []) as ResourceMapperField[],
				);
				// The image chosen by Input Type: for the image inputs left empty, or, when Inputs
				// lists none (a Workflow saved before Inputs, or not described), for Image Input Name.
				const needsMain =
					!mapped.images.length || mapped.images.some(({ source }) => source.kind === 'main');
				const image = needsMain ? await readImageInput.call(this, job, endpoint) : undefined;
				const inputs: IDataObject = { ...(mapped.parameters as IDataObject) };
				const extra = this.getNodeParameter('workflowInputs.input', itemIndex, []) as Array<{
					name?: string;
					value?: unknown;
				}>;
				for (const { name, value } of extra) {
					if (name?.trim()) inputs[name.trim()] = jsonOrText(value) as IDataObject[string];
				}
				const imageFrom = async (name: string, source: ImageSource) => {
					if (source.kind === 'main') return imageValue(image as ImageInput);
					if (source.kind === 'url')
						return imageValue({ kind: 'url', url: parseImageUrl(source.url) });
					if (!job.item.binary?.[source.field]) {
						const present = Object.keys(job.item.binary ?? {});
						throw new RoboflowInputError(
							`The item has no binary field "${source.field}" for the Workflow input "${name}"`,
							`${present.length ? `Its binary fields are: ${present.map((field) => `"${field}"`).join(', ')}. ` : ''}Set "${name}" under Inputs to the binary field that holds its image, or to the image's URL.`,
						);
					}
					const read = await readBinaryImage.call(
						this,
						itemIndex,
						source.field,
						job.item.binary,
						endpoint,
					);
					return imageValue({ kind: 'base64', base64: read.base64, field: source.field });
				};
				if (!mapped.images.length) {
					const imageInputName =
						String(
							this.getNodeParameter('imageInputName', itemIndex, DEFAULT_IMAGE_INPUT),
						).trim() || DEFAULT_IMAGE_INPUT;
					inputs[imageInputName] = imageValue(image as ImageInput);
				}
				for (const { name, source } of mapped.images) inputs[name] = await imageFrom(name, source);
				const options = job.options as WorkflowOptions;
				const excluded = commaList(options.excludedFields);
				const body: IDataObject = {
					api_key: run.data.apiKey,
					inputs,
					...(excluded.length ? { excluded_fields: excluded } : {}),
					...(options.useCache === false ? { use_cache: false } : {}),
					...(options.workflowVersionId?.trim()
						? { workflow_version_id: options.workflowVersionId.trim() }
						: {}),
					...(options.disableSinks ? { disable_sinks: true } : {}),
				};
				const text = JSON.stringify(body);
				checkRequestSize(
					// Bytes, not characters: a typed input may hold non-ASCII text.
					Buffer.byteLength(text),
					endpoint,
					image?.kind === 'base64' && mapped.images.length <= 1
						? `The image in "${image.field}"`
						: 'The request',
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
