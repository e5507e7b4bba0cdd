/** The annotation an upload attaches (a prediction or a file): planned first, attached after. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { Job, JobApi } from '../../batch/operation';
import { RoboflowApiError, RoboflowInputError } from '../../helpers/errors';
import { isRecord, serverText, UnexpectedResponseError } from '../../response/common';
import type { UploadAnswer } from '../../response/dataset';
import { annotateSucceeded, annotationFromPrediction } from '../../response/dataset';
import type { AnnotationFile } from '../../transport/management';
import { isAlreadyAnnotated } from '../../transport/management';
import type { UploadOptions } from './upload.description';
import { DEFAULT_ANNOTATION, UPLOAD_OPTIONS } from './upload.description';

/** What the output's `annotation_status` says (the operation's contract). */
export type AnnotationStatus =
	| 'attached'
	| 'already annotated'
	| 'nothing to attach'
	| 'not requested';

export interface PlannedAnnotation {
	file?: AnnotationFile;
	status: AnnotationStatus;
}

/** The item's prediction: at its top level or Output Field path; in `results`, this image's entry. */
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

function predictionAnnotation(job: Job, stem: string): PlannedAnnotation {
	const options = job.options as UploadOptions;
	const field = String(options.predictionField ?? '').trim();
	const annotation = annotationFromPrediction(predictionOnItem(job, field));
	if (!annotation) {
		throw new RoboflowInputError(
			`The item has no Roboflow prediction ${field ? `in the field "${field}"` : "at the item's top level"}`,
			field
				? `Set "Prediction Field" to the Output Field the model's node used, or leave it empty when the prediction is at the item's top level.`
				: `Put a Roboflow node that classifies, detects, segments or finds keypoints before this one. If it used an Output Field, set "Prediction Field" to it.`,
		);
	}
	if (annotation.kind === 'empty') return { status: 'nothing to attach' };
	const file: AnnotationFile = {
		name: `${stem}.${annotation.extension}`,
		text: annotation.text,
		// Roboflow's active learning sends the prediction itself as the body (docs/roboflow-api.md §10.2).
		form: 'text',
		prediction: options.asPrediction ?? UPLOAD_OPTIONS.asPrediction.default,
		overwrite: options.overwriteAnnotation === true,
		jobName: String(options.jobName ?? '').trim() || undefined,
	};
	return { status: 'attached', file };
}

function customAnnotation(this: IExecuteFunctions, job: Job): PlannedAnnotation {
	const { itemIndex } = job;
	const options = job.options as UploadOptions;
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
	const file: AnnotationFile = {
		name,
		text,
		form: 'json',
		labelmap,
		prediction: false,
		overwrite: options.overwriteAnnotation === true,
		jobName: String(options.jobName ?? '').trim() || undefined,
	};
	return { status: 'attached', file };
}

/** The annotation asked for, read first so a bad one fails before the image is uploaded. */
export function plannedAnnotation(this: IExecuteFunctions, job: Job, stem: string) {
	const mode = this.getNodeParameter('annotation', job.itemIndex, DEFAULT_ANNOTATION);
	if (mode === 'prediction') return predictionAnnotation(job, stem);
	if (mode === 'custom') return customAnnotation.call(this, job);
	return { status: 'not requested' } satisfies PlannedAnnotation;
}

/** A 200 that is not a success (docs/roboflow-api.md §10.2): Roboflow's refusal quoted. */
export function refusal(answer: unknown, what: 'upload' | 'annotation'): Error {
	const text = serverText(answer);
	if (text === undefined)
		return new UnexpectedResponseError(`${what}: ${JSON.stringify(answer).slice(0, 200)}`);
	return new RoboflowApiError(
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

/** Attaches the planned annotation to the stored image; returns the output's status. */
export async function attachAnnotation(
	api: JobApi,
	project: string,
	uploaded: UploadAnswer,
	annotation: PlannedAnnotation,
): Promise<AnnotationStatus> {
	const { file } = annotation;
	if (!file) return annotation.status;
	const failure = await api.send(api.management.annotateRequest(project, uploaded.id, file)).then(
		(reply) => (annotateSucceeded(reply) ? undefined : refusal(reply, 'annotation')),
		(error: unknown) => error,
	);
	if (failure === undefined) return 'attached';
	if (isAlreadyAnnotated(failure) && !file.overwrite) return 'already annotated';
	throw uploadedNote(failure, uploaded);
}
