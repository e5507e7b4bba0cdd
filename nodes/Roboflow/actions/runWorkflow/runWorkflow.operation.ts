import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	ResourceMapperField,
} from 'n8n-workflow';

import type { Job, JobApi, OperationResult, RoboflowOperation } from '../../batch/operation';
import { RoboflowInputError } from '../../helpers/errors';
import { commaList } from '../../input/commaList';
import { parseSlug } from '../../input/identifiers';
import { checkRequestSize, parseImageUrl, readBinaryImage } from '../../input/imageSource';
import type { ImageSource } from '../../input/workflowInputs';
import { inputNameOfField, jsonOrText, readMappedInputs } from '../../input/workflowInputs';
import { extractWorkflowImages, readWorkflowOutputs, withoutImages } from '../../response/workflow';
import type { Endpoint } from '../../transport/endpoint';
import type { ErrorAdvice } from '../../transport/errorMapping';
import type { ImagePayload } from '../../transport/inference';
import { forOperations } from '../shared/descriptions';
import type { JobImage } from '../shared/imageInput';
import { imagePayload, readJobImage, storeReturnedImage } from '../shared/imageInput';
import { DEFAULT_IMAGE_INPUT, runWorkflowProperties } from './runWorkflow.description';

interface WorkflowOptions {
	imageInputName?: string;
	workflowInputs?: { input?: NameValue[] };
	excludedFields?: string;
	useCache?: boolean;
	simplify?: boolean;
	workflowVersionId?: string;
	disableSinks?: boolean;
}

type NameValue = { name?: string; value?: unknown };

const ADVICE: ErrorAdvice = {
	subject: 'this Workflow',
	byStatus: {
		400: [
			'Roboflow could not run the Workflow with these inputs',
			'Check the Inputs (and, in Options, More Inputs by Name and Image Input) against the inputs the Workflow declares in Roboflow.',
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

/** An image as a Workflow input: `{type, value}`, the form Roboflow's SDK sends. */
function workflowImage(image: ImagePayload): IDataObject {
	return image.kind === 'url'
		? { type: 'url', value: image.url }
		: { type: 'base64', value: image.base64 };
}

/** The Workflow and its workspace; an empty Workspace is the key's, asked once per run. */
async function workflowTarget(this: IExecuteFunctions, itemIndex: number, api: JobApi) {
	const workflowId = parseSlug(
		this.getNodeParameter('workflowId', itemIndex, '', { extractValue: true }),
		'Workflow ID',
		"Use the Workflow's ID as Roboflow shows it (its URL slug, e.g. detect-count-and-visualize).",
	);
	const given = String(this.getNodeParameter('workspace', itemIndex, '') ?? '').trim();
	const workspace = given
		? parseSlug(
				given,
				'Workspace',
				"Use the workspace's URL slug, as in app.roboflow.com/<workspace>, or leave it empty.",
			)
		: await api.management.workspaceOfKey();
	return { workspace, workflowId };
}

/** The Inputs fields' values, as n8n checks them; its complaint is reworded to name the input. */
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

/** The picture of an image input: the job's image, a URL, or another binary field of the item. */
async function inputImage(
	this: IExecuteFunctions,
	job: Job,
	endpoint: Endpoint,
	name: string,
	source: ImageSource,
	main: () => Promise<JobImage>,
): Promise<IDataObject> {
	if (source.kind === 'main') return workflowImage(imagePayload(await main()));
	if (source.kind === 'url') return workflowImage({ kind: 'url', url: parseImageUrl(source.url) });
	const image = await readBinaryImage.call(
		this,
		{ itemIndex: job.itemIndex, propertyName: source.field, binary: job.item.binary },
		endpoint,
		{
			purpose: `for the Workflow input "${name}"`,
			fix: `Set "${name}" under Inputs to the binary field that holds its image, or to the image's URL.`,
		},
	);
	return workflowImage({ kind: 'base64', base64: image.base64 });
}

/** One job's inputs: the Inputs fields, name/value inputs (which win) and the images. */
async function workflowInputs(this: IExecuteFunctions, job: Job, endpoint: Endpoint) {
	const { itemIndex } = job;
	const mapped = readMappedInputs(
		readInputValues.call(this, itemIndex),
		this.getNodeParameter('inputFields.schema', itemIndex, []) as ResourceMapperField[],
	);
	const inputs: IDataObject = { ...(mapped.parameters as IDataObject) };
	// In Options from version 1.1; a version 1 node keeps them beside Inputs.
	const options = job.options as WorkflowOptions;
	const pairs =
		options.workflowInputs?.input ??
		(this.getNodeParameter('workflowInputs.input', itemIndex, []) as NameValue[]);
	for (const { name, value } of pairs)
		if (name?.trim()) inputs[name.trim()] = jsonOrText(value) as IDataObject[string];
	let main: JobImage | undefined;
	const readMain = async () => (main ??= await readJobImage.call(this, job, endpoint));
	const images = mapped.images.length
		? mapped.images
		: [{ name: imageInputName.call(this, job), source: { kind: 'main' } as const }];
	for (const { name, source } of images)
		inputs[name] = await inputImage.call(this, job, endpoint, name, source, readMain);
	return { inputs, main, imageCount: images.length };
}

function imageInputName(this: IExecuteFunctions, job: Job): string {
	const name =
		(job.options as WorkflowOptions).imageInputName ??
		this.getNodeParameter('imageInputName', job.itemIndex, DEFAULT_IMAGE_INPUT);
	return String(name ?? '').trim() || DEFAULT_IMAGE_INPUT;
}

/** The run's JSON body, checked against the endpoint's size limit (in bytes: text may be non-ASCII). */
function workflowBody(
	inputs: IDataObject,
	options: WorkflowOptions,
	endpoint: Endpoint,
	what: string,
): string {
	const excluded = commaList(options.excludedFields);
	const version = options.workflowVersionId?.trim();
	const text = JSON.stringify({
		inputs,
		...(excluded.length ? { excluded_fields: excluded } : {}),
		...(options.useCache === false ? { use_cache: false } : {}),
		...(version ? { workflow_version_id: version } : {}),
		...(options.disableSinks ? { disable_sinks: true } : {}),
	});
	checkRequestSize(Buffer.byteLength(text), endpoint, what);
	return text;
}

/** The Workflow's outputs as JSON, its images as binaries (none when simplified). */
async function workflowResult(
	this: IExecuteFunctions,
	answer: unknown,
	job: Job,
	simplify: boolean,
): Promise<OperationResult> {
	const { json, images } = extractWorkflowImages(readWorkflowOutputs(answer), job.binaryPrefix);
	if (simplify) return { json: withoutImages(json) };
	const binary: Record<string, IBinaryData> = {};
	for (const { field, base64 } of images)
		binary[field] = await storeReturnedImage.call(this, base64, field);
	return { json, binary: images.length ? binary : undefined };
}

/** Runs a Workflow built in Roboflow on each image: its outputs as JSON, its images as binaries. */
export const runWorkflow: RoboflowOperation = {
	option: {
		name: 'Run Workflow',
		value: 'runWorkflow',
		description: 'Run a Roboflow Workflow on an image and get all its outputs',
		action: 'Run workflow',
	},
	toolDescription:
		'Runs a Roboflow Workflow (a vision pipeline built in Roboflow, e.g. detect, count and read text) on an image and returns its outputs.',
	properties: forOperations(['runWorkflow'], runWorkflowProperties),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a Workflow result",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, a dedicated deployment or an Inference server).',
	},
	async execute(job, api) {
		const options = job.options as WorkflowOptions;
		const { workspace, workflowId } = await workflowTarget.call(this, job.itemIndex, api);
		const endpoint = api.inference.endpoint('workflow');
		const { inputs, main, imageCount } = await workflowInputs.call(this, job, endpoint);
		const what =
			main?.kind === 'binary' && imageCount === 1 ? `The image in "${main.field}"` : 'The request';
		const body = workflowBody(inputs, options, endpoint, what);
		const answer = await api.send(
			api.inference.workflowRequest(workspace, workflowId, body, ADVICE),
		);
		return await workflowResult.call(this, answer, job, options.simplify === true);
	},
};
