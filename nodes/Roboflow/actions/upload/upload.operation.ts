/**
 * Upload Image to Project (docs/roboflow-api.md §10): each image into a project through the
 * management API, then, when asked, the item's prediction or an annotation file attached to it.
 * Two requests per image: the annotation is sent (and retried) on its own after the upload.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { RoboflowApiError, RoboflowInputError } from '../../helpers/errors';
import { commaList } from '../../input/commaList';
import { fileStem, parseImageUrl, readBinaryImage, urlFileName } from '../../input/imageSource';
import { parseProjectId, PROJECT_ID, PROJECT_URL } from '../../input/projectId';
import { isRecord, UnexpectedResponseError } from '../../response/common';
import type { UploadAnswer } from '../../response/dataset';
import {
	annotateSucceeded,
	annotationFromPrediction,
	readUploadAnswer,
	refusalText,
} from '../../response/dataset';
import type { Endpoint } from '../../transport/endpoint';
import type { AnnotationFile, UploadFields, UploadImage } from '../../transport/management';
import { isAlreadyAnnotated } from '../../transport/management';
import type { Job, OperationRun, RoboflowOperation, RunContext } from '../../batch/operation';
import {
	forOperations,
	imageInputProperties,
	optionsCollection,
	RUN_OPTIONS,
} from '../shared/descriptions';

const OPERATION = 'upload';

/** What the output's `annotation_status` says (the operation's contract). */
type AnnotationStatus = 'attached' | 'already annotated' | 'nothing to attach' | 'not requested';

const SPLITS = ['train', 'valid', 'test'] as const;
const DEFAULT_SPLIT = 'train';
const DEFAULT_ANNOTATION = 'none';

interface UploadOptions {
	imageName?: string;
	batchName?: string;
	tags?: string;
	metadata?: { pair?: Array<{ name?: string; value?: unknown }> };
	inferenceId?: string;
	overwriteAnnotation?: boolean;
	jobName?: string;
	asPrediction?: boolean;
	predictionField?: string;
}

const OPTIONS = {
	imageName: {
		displayName: 'Image Name',
		name: 'imageName',
		type: 'string',
		default: '',
		placeholder: 'e.g. camera-1-2026-01-31.jpg',
		description:
			"The image's file name in the project. Empty: the binary's file name, or the last part of the image URL.",
	},
	batchName: {
		displayName: 'Batch Name',
		name: 'batchName',
		type: 'string',
		default: 'n8n',
		description: 'The upload batch the images are grouped under in Roboflow',
	},
	tags: {
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		default: '',
		placeholder: 'e.g. low-confidence, camera-1',
		description: 'Comma-separated tags to put on the image',
	},
	metadata: {
		displayName: 'Metadata',
		name: 'metadata',
		type: 'fixedCollection',
		placeholder: 'Add Metadata',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'Name/value pairs stored with the image (sent as a JSON object)',
		options: [
			{
				name: 'pair',
				displayName: 'Pair',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	inferenceId: {
		displayName: 'Inference ID',
		name: 'inferenceId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.inference_id }}',
		description:
			"Links the image to the prediction that produced it (the inference_id of a model's result)",
	},
	overwriteAnnotation: {
		displayName: 'Overwrite Annotation',
		name: 'overwriteAnnotation',
		type: 'boolean',
		default: false,
		description:
			'Whether to replace an annotation the image already has. Off: the image keeps it and annotation_status says "already annotated".',
	},
	jobName: {
		displayName: 'Annotation Job Name',
		name: 'jobName',
		type: 'string',
		default: '',
		description: "The annotation job's name in Roboflow. Empty: Roboflow's default.",
	},
	asPrediction: {
		displayName: 'Mark as Prediction',
		name: 'asPrediction',
		type: 'boolean',
		default: true,
		displayOptions: { show: { '/annotation': ['prediction'] } },
		description:
			"Whether Roboflow marks the annotation as a model's prediction awaiting review rather than as ground truth",
	},
	predictionField: {
		displayName: 'Prediction Field',
		name: 'predictionField',
		type: 'string',
		default: '',
		placeholder: 'e.g. roboflow',
		displayOptions: { show: { '/annotation': ['prediction'] } },
		description:
			"Where the prediction is on the item: the Output Field the model's node used. Empty: the item's top level.",
	},
} satisfies Record<string, INodeProperties>;

const DEFAULT_BATCH = OPTIONS.batchName.default;

const properties: INodeProperties[] = [
	{
		displayName: 'Project',
		name: 'projectId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The project the images are added to',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a project...',
				typeOptions: { searchListMethod: 'searchProjects', searchable: true },
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'e.g. https://app.roboflow.com/my-workspace/my-project/upload',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: PROJECT_URL.source,
							errorMessage:
								'Use the project URL, e.g. https://app.roboflow.com/my-workspace/my-project',
						},
					},
				],
				extractValue: { type: 'regex', regex: PROJECT_URL.source },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. my-project',
				hint: "The project's slug, as in its URL: app.roboflow.com/my-workspace/my-project",
				validation: [
					{
						type: 'regex',
						properties: {
							regex: PROJECT_ID.source,
							errorMessage: 'Use the project slug, e.g. my-project',
						},
					},
				],
			},
		],
	},
	...imageInputProperties,
	{
		displayName: 'Split',
		name: 'split',
		type: 'options',
		options: [
			{ name: 'Train', value: 'train' },
			{ name: 'Valid', value: 'valid' },
			{ name: 'Test', value: 'test' },
		],
		default: DEFAULT_SPLIT,
		description: 'The dataset split the image goes to',
	},
	{
		displayName: 'Annotation',
		name: 'annotation',
		type: 'options',
		options: [
			{ name: 'None', value: 'none', description: 'Upload the image only' },
			{
				name: 'Prediction on the Item',
				value: 'prediction',
				description:
					"The prediction of an earlier Roboflow node (classify, detect, segment, keypoints), attached for review as Roboflow's active learning does",
			},
			{
				name: 'Custom Annotation File',
				value: 'custom',
				description: 'An annotation file of your own: VOC XML, COCO JSON, YOLO text',
			},
		],
		default: DEFAULT_ANNOTATION,
		description: 'What to attach to the uploaded image',
	},
	{
		displayName: 'Annotation File',
		name: 'annotationFile',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: { show: { annotation: ['custom'] } },
		description:
			"The annotation file's text, usually an expression (VOC XML, COCO JSON, YOLO text...)",
	},
	{
		displayName: 'Annotation File Name',
		name: 'annotationFileName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. image.xml',
		displayOptions: { show: { annotation: ['custom'] } },
		description: "The annotation file's name: its extension tells Roboflow the format",
	},
	{
		displayName: 'Labelmap',
		name: 'labelmap',
		type: 'json',
		default: '',
		displayOptions: { show: { annotation: ['custom'] } },
		description: 'For YOLO text: the class names by class number, e.g. {"0": "cat", "1": "dog"}',
	},
	optionsCollection([...Object.values(OPTIONS), ...RUN_OPTIONS]),
];

function extensionOf(mimeType: string): string {
	const subtype = mimeType.split('/')[1]?.split(/[;+]/)[0] ?? '';
	return subtype === 'jpeg' ? 'jpg' : subtype || 'jpg';
}

/** The item's Metadata pairs as the flat object Roboflow stores; undefined when there are none. */
function metadataObject(options: UploadOptions): Record<string, unknown> | undefined {
	const entries = (options.metadata?.pair ?? [])
		.filter((pair) => String(pair.name ?? '').trim())
		.map((pair) => [String(pair.name).trim(), pair.value ?? ''] as const);
	return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * The prediction of a model operation on the item: its top level, or the Output Field it used
 * (`predictionField`, a key or a dotted path). An item that ran several images as one keeps them
 * in `results`: the entry for this job's image is its prediction.
 */
function predictionOnItem(job: Job, field: string): unknown {
	const json = job.item.json;
	let value: unknown = json;
	if (field) {
		value =
			field in json
				? json[field]
				: field.split('.').reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), json);
	}
	if (isRecord(value) && Array.isArray(value.results) && job.binaryField !== undefined) {
		const entry = value.results.find(
			(result) => isRecord(result) && result.binary_field === job.binaryField,
		);
		if (entry !== undefined) return entry;
	}
	return value;
}

function parseLabelmap(value: unknown): AnnotationFile['labelmap'] {
	if (value === undefined || value === null || value === '') return undefined;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value) as unknown;
		} catch {
			parsed = undefined;
		}
	}
	if (typeof parsed !== 'object' || parsed === null) {
		throw new RoboflowInputError(
			'The labelmap is not a JSON object',
			'Give the class names by class number as JSON, e.g. {"0": "cat", "1": "dog"}, or leave Labelmap empty.',
		);
	}
	return parsed as AnnotationFile['labelmap'];
}

/**
 * The annotation the item asks for, read before anything is sent, so that an item whose
 * annotation cannot be made fails without uploading its image. `stem` names a prediction's file.
 */
function plannedAnnotation(
	this: IExecuteFunctions,
	job: Job,
	stem: string,
): { file?: AnnotationFile; status: AnnotationStatus } {
	const { itemIndex } = job;
	const options = job.options as UploadOptions;
	const mode = this.getNodeParameter('annotation', itemIndex, DEFAULT_ANNOTATION) as string;
	const overwrite = options.overwriteAnnotation === true;
	const jobName = String(options.jobName ?? '').trim() || undefined;
	if (mode === 'prediction') {
		const field = String(options.predictionField ?? '').trim();
		const annotation = annotationFromPrediction(predictionOnItem(job, field));
		if (!annotation) {
			const where = field ? `in the field "${field}"` : "at the item's top level";
			throw new RoboflowInputError(
				`The item has no Roboflow prediction ${where}`,
				field
					? `Set "Prediction Field" to the Output Field the model's node used, or leave it empty when the prediction is at the item's top level.`
					: `Put a Roboflow node that classifies, detects, segments or finds keypoints before this one. If it used an Output Field, set "Prediction Field" to it.`,
			);
		}
		if (annotation.kind === 'empty') return { status: 'nothing to attach' };
		return {
			status: 'attached',
			file: {
				name: `${stem}.${annotation.extension}`,
				text: annotation.text,
				// Roboflow's active learning sends the prediction itself as the body (docs/roboflow-api.md §10.2).
				form: 'text',
				prediction: options.asPrediction ?? OPTIONS.asPrediction.default,
				overwrite,
				jobName,
			},
		};
	}
	if (mode === 'custom') {
		const text = String(this.getNodeParameter('annotationFile', itemIndex, '') ?? '');
		const name = String(this.getNodeParameter('annotationFileName', itemIndex, '') ?? '').trim();
		if (!/\.[A-Za-z0-9]+$/.test(name)) {
			throw new RoboflowInputError(
				`The annotation file name "${name}" has no extension`,
				'Name the file with the extension of its format, e.g. image.xml (VOC), image.json (COCO) or image.txt (YOLO): Roboflow reads the format from it.',
			);
		}
		const labelmap = parseLabelmap(this.getNodeParameter('labelmap', itemIndex, ''));
		if (!text.trim()) return { status: 'nothing to attach' };
		return {
			status: 'attached',
			file: { name, text, form: 'json', labelmap, prediction: false, overwrite, jobName },
		};
	}
	return { status: 'not requested' };
}

/**
 * A 200 that is not a success (docs/roboflow-api.md §10.1, §10.2): Roboflow's refusal quoted,
 * else an unexpected answer.
 */
function refused(answer: unknown, what: 'upload' | 'annotation'): never {
	const text = refusalText(answer);
	if (text === undefined)
		throw new UnexpectedResponseError(`${what}: ${JSON.stringify(answer).slice(0, 200)}`);
	throw new RoboflowApiError(
		`Roboflow refused the ${what}`,
		`${what === 'upload' ? 'The image was not added to the project.' : 'The annotation was not attached.'} Roboflow said: "${text.slice(0, 500)}" (HTTP 200).`,
	);
}

/** A failed annotation's error, saying that the image itself is in the project and under which id. */
function uploadedNote(error: unknown, uploaded: UploadAnswer): unknown {
	if (!(error instanceof RoboflowApiError)) return error;
	return new RoboflowApiError(
		error.message,
		`${error.description} The image itself was uploaded (image_id ${uploaded.id}${uploaded.duplicate ? ', a duplicate' : ''}); only its annotation failed.`,
		error.httpCode,
	);
}

/** Adds an image to a project, with the item's prediction or an annotation file attached. */
export const upload: RoboflowOperation = {
	option: {
		name: 'Upload Image to Project',
		value: OPERATION,
		description:
			'Add an image to a Roboflow project, optionally with a prediction or annotation attached for review',
		action: 'Upload image',
	},
	toolDescription:
		"Adds an image to a Roboflow project, to be labelled and used for training. Returns the image's id in the project (image_id), whether the project already had the image (duplicate) and whether an annotation was attached (annotation_status). Input: the image, by the URL the tool asks for or the uploaded file it is set to read.",
	properties: forOperations([OPERATION], properties),
	unexpectedAnswer: {
		message: "Roboflow's answer is not an upload confirmation",
		hint: "Check the Management API URL in the Roboflow API credential: it must point at Roboflow's management API (https://api.roboflow.com).",
	},
	async start(this: IExecuteFunctions, run: RunContext): Promise<OperationRun> {
		// The management API documents no upload limit (docs/roboflow-api.md §10.1).
		const endpoint: Endpoint = {
			baseUrl: run.management.baseUrl,
			label: "Roboflow's management API",
			legacy: false,
		};
		return {
			async prepare(this: IExecuteFunctions, job: Job) {
				const { itemIndex } = job;
				const project = parseProjectId(
					this.getNodeParameter('projectId', itemIndex, '', { extractValue: true }),
				);
				const options = job.options as UploadOptions;
				const split = String(this.getNodeParameter('split', itemIndex, DEFAULT_SPLIT));
				if (!(SPLITS as readonly string[]).includes(split)) {
					throw new RoboflowInputError(
						`The split "${split}" is not one of ${SPLITS.join(', ')}`,
						'Set Split to train, valid or test.',
					);
				}
				let image: UploadImage;
				let name = String(options.imageName ?? '').trim();
				if (job.binaryField === undefined) {
					const url = parseImageUrl(this.getNodeParameter('imageUrl', itemIndex));
					image = { kind: 'url', url };
					name ||= urlFileName(url);
				} else {
					const binary = await readBinaryImage.call(
						this,
						itemIndex,
						job.binaryField,
						job.item.binary,
						endpoint,
						job.binaryData,
					);
					const contentType = binary.sniffedType ?? binary.mimeType;
					name ||= binary.fileName || `${job.binaryField}.${extensionOf(contentType)}`;
					image = { kind: 'file', data: binary.bytes, fileName: name, contentType };
				}
				const stem = fileStem(name);
				const annotation = plannedAnnotation.call(this, job, stem);
				const fields: UploadFields = {
					name,
					split: split as UploadFields['split'],
					batch: String(options.batchName ?? '').trim() || DEFAULT_BATCH,
					tags: commaList(options.tags),
					metadata: metadataObject(options),
					inferenceId: String(options.inferenceId ?? '').trim() || undefined,
				};
				return {
					request: run.management.uploadRequest(project, image, fields),
					read: async (answer, send) => {
						const uploaded = readUploadAnswer(answer) ?? refused(answer, 'upload');
						let status = annotation.status;
						if (annotation.file) {
							// Only the annotation is sent (and retried) from here: the image is stored.
							const failure = await send(
								run.management.annotateRequest(project, uploaded.id, annotation.file),
							).then(
								(reply) => (annotateSucceeded(reply) ? undefined : refused(reply, 'annotation')),
								(error: unknown) => error,
							);
							if (isAlreadyAnnotated(failure) && !annotation.file.overwrite) {
								status = 'already annotated';
							} else if (failure !== undefined) {
								throw uploadedNote(failure, uploaded);
							}
						}
						const json: IDataObject = {
							image_id: uploaded.id,
							duplicate: uploaded.duplicate,
							annotated: status === 'attached',
							annotation_status: status,
							project,
							split,
							batch: fields.batch,
							tags: fields.tags,
						};
						return { json };
					},
				};
			},
		};
	},
};
