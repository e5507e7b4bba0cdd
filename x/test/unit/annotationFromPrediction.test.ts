/** A prediction as the annotation file Roboflow's active learning attaches (docs/roboflow-api.md §10.2). */
import { annotationFromPrediction, readUploadAnswer } from '../../nodes/Roboflow/response/dataset';

const box = { x: 10, y: 8, width: 6, height: 4, confidence: 0.9, class: 'red' };

test("Roboflow's own answers: single-label top, multi-label predicted classes, detections as JSON", () => {
	expect(
		annotationFromPrediction({ predictions: [{ class: 'cat', confidence: 0.8 }], top: 'cat' }),
	).toEqual({ kind: 'annotation', text: 'cat', extension: 'txt' });
	expect(
		annotationFromPrediction({
			predictions: { cat: { confidence: 0.8 }, dog: { confidence: 0.6 } },
			predicted_classes: ['cat', 'dog'],
		}),
	).toEqual({ kind: 'annotation', text: 'cat,dog', extension: 'txt' });
	const image = { width: 40, height: 30 };
	const polygon = { ...box, points: [{ x: 1, y: 2 }] };
	expect(annotationFromPrediction({ image, predictions: [polygon], time: 0.1 })).toEqual({
		kind: 'annotation',
		text: JSON.stringify({ image, predictions: [polygon] }),
		extension: 'json',
	});
});

test("the node's own outputs: multi_label picks the predicted classes; a detection's top is not a class label", () => {
	expect(
		annotationFromPrediction({
			top: 'dark',
			predicted_classes: ['dark', 'bright'],
			multi_label: true,
			predictions: [],
		}),
	).toMatchObject({ text: 'dark,bright' });
	expect(
		annotationFromPrediction({
			top: 'red',
			predicted_classes: ['red'],
			multi_label: false,
			predictions: [{ class: 'red', confidence: 0.9 }],
		}),
	).toMatchObject({ text: 'red' });
	const detected = annotationFromPrediction({ top: 'red', count: 1, predictions: [box] });
	expect(detected).toMatchObject({ extension: 'json' });
});

test('empty predictions attach nothing; anything else is not a prediction', () => {
	expect(annotationFromPrediction({ predictions: [], count: 0, top: '' })).toEqual({
		kind: 'empty',
	});
	expect(annotationFromPrediction({ predictions: [] })).toEqual({ kind: 'empty' });
	expect(annotationFromPrediction({ top: '', predicted_classes: [] })).toEqual({ kind: 'empty' });
	expect(annotationFromPrediction({ colour: 'red' })).toBeUndefined();
	expect(annotationFromPrediction({ predictions: [{ label: 'x' }] })).toBeUndefined();
	expect(annotationFromPrediction('red')).toBeUndefined();
});

test('an upload answer: success or duplicate with an id; anything else is a refusal', () => {
	expect(readUploadAnswer({ success: true, id: 'a1' })).toEqual({ id: 'a1', duplicate: false });
	expect(readUploadAnswer({ duplicate: true, id: 'a1' })).toEqual({ id: 'a1', duplicate: true });
	expect(readUploadAnswer({ success: false, message: 'nope' })).toBeUndefined();
	expect(readUploadAnswer({ success: true })).toBeUndefined();
});
