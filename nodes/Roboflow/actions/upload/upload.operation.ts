/** Upload Image to Project, then (when asked) its annotation in a second request of its own. */

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { Job, JobApi, RoboflowOperation } from '../../batch/operation';
import { RoboflowInputError } from '../../helpers/errors';
import { commaList } from '../../input/commaList';
import { parseProjectId } from '../../input/identifiers';
import { fileStem } from '../../input/imageSource';
import { readUploadAnswer } from '../../response/dataset';
import type { Endpoint } from '../../transport/endpoint';
import type { UploadFields, UploadImage } from '../../transport/management';
import { forOperations } from '../shared/descriptions';
import { imageFileName, readJobImage } from '../shared/imageInput';
import { attachAnnotation, plannedAnnotation, refusal } from './upload.annotation';
import type { UploadOptions } from './upload.description';
import { DEFAULT_SPLIT, SPLITS, UPLOAD_OPTIONS, uploadProperties } from './upload.description';

/** The item's Metadata pairs as the flat object Roboflow stores; undefined when there are none. */
function metadataObject(options: UploadOptions): Record<string, unknown> | undefined {
	const entries = (options.metadata?.pair ?? [])
		.filter((pair) => String(pair.name ?? '').trim())
		.map((pair) => [String(pair.name).trim(), pair.value ?? ''] as const);
	return entries.length ? Object.fromEntries(entries) : undefined;
}

function readSplit(this: IExecuteFunctions, itemIndex: number): UploadFields['split'] {
	const split = String(this.getNodeParameter('split', itemIndex, DEFAULT_SPLIT));
	if ((SPLITS as readonly string[]).includes(split)) return split as UploadFields['split'];
	throw new RoboflowInputError(
		`The split "${split}" is not one of ${SPLITS.join(', ')}`,
		'Set Split to train, valid or test.',
	);
}

/** The image as the upload sends it: its file, or its URL, and the name it gets in the project. */
async function uploadImage(
	this: IExecuteFunctions,
	job: Job,
	endpoint: Endpoint,
): Promise<{ image: UploadImage; name: string }> {
	const image = await readJobImage.call(this, job, endpoint);
	const name =
		String((job.options as UploadOptions).imageName ?? '').trim() || imageFileName(image);
	if (image.kind === 'url') return { image, name };
	const file: UploadImage = {
		kind: 'file',
		data: image.bytes,
		fileName: name,
		contentType: image.mimeType,
	};
	return { image: file, name };
}

async function uploadJob(this: IExecuteFunctions, job: Job, api: JobApi) {
	const { itemIndex } = job;
	const options = job.options as UploadOptions;
	const project = parseProjectId(
		this.getNodeParameter('projectId', itemIndex, '', { extractValue: true }),
	);
	const split = readSplit.call(this, itemIndex);
	// The management API documents no upload limit (docs/roboflow-api.md §10.1).
	const endpoint = {
		baseUrl: api.management.baseUrl,
		label: "Roboflow's management API",
		legacy: false,
	};
	const { image, name } = await uploadImage.call(this, job, endpoint);
	const annotation = plannedAnnotation.call(this, job, fileStem(name));
	const fields: UploadFields = {
		name,
		split,
		batch: String(options.batchName ?? '').trim() || UPLOAD_OPTIONS.batchName.default,
		tags: commaList(options.tags),
		metadata: metadataObject(options),
		inferenceId: String(options.inferenceId ?? '').trim() || undefined,
	};
	const answer = await api.send(api.management.uploadRequest(project, image, fields));
	const uploaded = readUploadAnswer(answer);
	if (!uploaded) throw refusal(answer, 'upload');
	const status = await attachAnnotation(api, project, uploaded, annotation);
	return { project, fields, uploaded, status };
}

/** Adds an image to a project, with the item's prediction or an annotation file attached. */
export const upload: RoboflowOperation = {
	option: {
		name: 'Upload Image to Project',
		value: 'upload',
		description:
			'Add an image to a Roboflow project, optionally with a prediction or annotation attached for review',
		action: 'Upload image',
	},
	toolDescription:
		"Adds an image to a Roboflow project, to be labelled and used for training. Returns the image's id in the project (image_id), whether the project already had the image (duplicate) and whether an annotation was attached (annotation_status).",
	properties: forOperations(['upload'], uploadProperties),
	unexpectedAnswer: {
		message: "Roboflow's answer is not an upload confirmation",
		hint: "Check the Management API URL in the Roboflow API credential: it must point at Roboflow's management API (https://api.roboflow.com).",
	},
	async execute(job, api) {
		const { project, fields, uploaded, status } = await uploadJob.call(this, job, api);
		const json: IDataObject = {
			image_id: uploaded.id,
			duplicate: uploaded.duplicate,
			annotated: status === 'attached',
			annotation_status: status,
			project,
			split: fields.split,
			batch: fields.batch,
			tags: fields.tags,
		};
		return { json };
	},
};
