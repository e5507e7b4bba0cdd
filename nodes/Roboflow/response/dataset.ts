/** The dataset routes' answers, and a prediction as the annotation file active learning attaches. */
import { isRecord, toNumber } from './common';

/** An upload's answer: the image's id, and whether the project already had the image. */
export interface UploadAnswer {
	id: string;
	duplicate: boolean;
}

/** `{"success": true, "id"}` or `{"duplicate": true, "id"}` (docs/roboflow-api.md §10.1). */
export function readUploadAnswer(answer: unknown): UploadAnswer | undefined {
	if (!isRecord(answer) || typeof answer.id !== 'string' || !answer.id) return undefined;
	if (answer.duplicate === true) return { id: answer.id, duplicate: true };
	return answer.success === true ? { id: answer.id, duplicate: false } : undefined;
}

/** `{"success": true}`; a 200 that carries `error` or lacks `success` is a refusal (docs/roboflow-api.md §10.2). */
export function annotateSucceeded(answer: unknown): boolean {
	return isRecord(answer) && answer.success === true && answer.error === undefined;
}

/** A prediction as an annotation file: its text and the extension that names its format. */
export type PredictionAnnotation =
	| { kind: 'annotation'; text: string; extension: 'txt' | 'json' }
	| { kind: 'empty' };

const hasBox = (entry: unknown): boolean =>
	isRecord(entry) && ['x', 'y', 'width', 'height'].every((key) => toNumber(entry[key]) !== null);

/**
 * The annotation active learning attaches for a prediction (docs/roboflow-api.md §10.2): classes
 * joined by commas in a `.txt`, or `{"image", "predictions"}` in a `.json`; undefined if none.

 */
export function annotationFromPrediction(value: unknown): PredictionAnnotation | undefined {
	if (!isRecord(value)) return undefined;
	const { predictions, top } = value;
	const boxes = Array.isArray(predictions) && predictions.some(hasBox);
	const classification =
		!boxes &&
		(Array.isArray(value.predicted_classes) ||
			typeof value.multi_label === 'boolean' ||
			isRecord(predictions) ||
			typeof top === 'string');
	if (classification) {
		const multiLabel =
			value.multi_label === true ||
			isRecord(predictions) ||
			(typeof top !== 'string' && Array.isArray(value.predicted_classes));
		const classes = multiLabel
			? (Array.isArray(value.predicted_classes) ? value.predicted_classes : []).filter(
					(name): name is string => typeof name === 'string' && name !== '',
				)
			: typeof top === 'string' && top
				? [top]
				: [];
		return classes.length
			? { kind: 'annotation', text: classes.join(','), extension: 'txt' }
			: { kind: 'empty' };
	}
	if (!Array.isArray(predictions)) return undefined;
	if (!boxes) return predictions.length ? undefined : { kind: 'empty' };
	const text = JSON.stringify({
		...(isRecord(value.image) ? { image: value.image } : {}),
		predictions,
	});
	return { kind: 'annotation', text, extension: 'json' };
}
