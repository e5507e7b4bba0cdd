import type { IDataObject } from 'n8n-workflow';

import type { AnswerMetadata } from './common';
import { isRecord, readMetadata, toNumber, UnexpectedResponseError } from './common';

export interface Prediction extends IDataObject {
	class: string;
	confidence: number;
	class_id?: number;
}

/** The node's output fields: one shape for single-label and multi-label models alike. */
export interface Classification extends IDataObject, AnswerMetadata {
	top: string;
	confidence: number;
	predicted_classes: string[];
	predictions: Prediction[];
	multi_label: boolean;
}

function toPrediction(className: string, raw: unknown): Prediction {
	const entry = isRecord(raw) ? raw : {};
	const confidence = toNumber(entry.confidence);
	if (!className || confidence === null) {
		throw new UnexpectedResponseError(
			`a prediction lacks a class name or a numeric confidence: ${JSON.stringify(raw).slice(0, 200)}`,
		);
	}
	const prediction: Prediction = { class: className, confidence };
	const classId = toNumber(entry.class_id);
	if (classId !== null) prediction.class_id = classId;
	return prediction;
}

const byConfidenceDesc = (a: Prediction, b: Prediction) => b.confidence - a.confidence;

/**
 * Either classification answer as output: single-label `predictions` is a thresholded array with
 * `top`; multi-label is keyed by class, with `predicted_classes`.
 */
export function normalizeClassification(raw: unknown, modelId: string): Classification {
	if (!isRecord(raw)) {
		throw new UnexpectedResponseError('the answer is not a JSON object');
	}
	const { predictions: rawPredictions } = raw;
	let predictions: Prediction[];
	let predictedClasses: string[];
	let top: string;
	let confidence: number;
	let multiLabel: boolean;

	if (Array.isArray(rawPredictions)) {
		multiLabel = false;
		predictions = rawPredictions
			.map((p) => toPrediction(isRecord(p) && typeof p.class === 'string' ? p.class : '', p))
			.sort(byConfidenceDesc);
		top = typeof raw.top === 'string' ? raw.top : (predictions[0]?.class ?? '');
		confidence = toNumber(raw.confidence) ?? predictions[0]?.confidence ?? 0;
		predictedClasses = top ? [top] : [];
	} else if (isRecord(rawPredictions)) {
		multiLabel = true;
		predictions = Object.entries(rawPredictions)
			.map(([name, p]) => toPrediction(name, p))
			.sort(byConfidenceDesc);
		if (!Array.isArray(raw.predicted_classes)) {
			throw new UnexpectedResponseError('a multi-label answer lacks "predicted_classes"');
		}
		predictedClasses = raw.predicted_classes.filter((c): c is string => typeof c === 'string');
		const passed = predictions.filter((p) => predictedClasses.includes(p.class));
		// Classes Roboflow lists as predicted keep their score order; ones it did not score go last.
		const scored = new Set(passed.map((p) => p.class));
		predictedClasses = [
			...passed.map((p) => p.class),
			...predictedClasses.filter((c) => !scored.has(c)),
		];
		top = passed[0]?.class ?? predictedClasses[0] ?? '';
		confidence = passed[0]?.confidence ?? 0;
	} else {
		throw new UnexpectedResponseError('the answer has no "predictions"');
	}

	return {
		top,
		confidence,
		predicted_classes: predictedClasses,
		predictions,
		multi_label: multiLabel,
		...readMetadata(raw, modelId),
	};
}

/** Simplify Output: what a reader (a model, a sheet row) needs of a classification. */
export function simplifyClassification(
	result: Pick<Classification, 'top' | 'confidence' | 'predicted_classes'>,
): IDataObject {
	return {
		top: result.top,
		confidence: result.confidence,
		predicted_classes: result.predicted_classes,
	};
}
