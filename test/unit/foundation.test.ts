/** Reading the foundation models' answers (docs/roboflow-api.md §11), as Roboflow sends them. */
import { UnexpectedResponseError } from '../../nodes/Roboflow/response/common';
import {
	clipSimilarities,
	florenceDetections,
	florenceValue,
	ocrResult,
	perPrompt,
	sam3Detections,
	zeroShotClassification,
} from '../../nodes/Roboflow/response/foundation';

test("CLIP: the zero-shot probability is the softmax of 100 x similarity, as in CLIP's own example", () => {
	const labels = ['a dog', 'a cat', 'a car'];
	const similarities = clipSimilarities({ similarity: [0.2871, 0.2195, 0.1736] }, 3);
	const result = zeroShotClassification(labels, similarities);
	expect(result.top).toBe('a dog');
	expect(result.predicted_classes).toEqual(['a dog']);
	expect(result.predictions.map((p) => Number(p.confidence.toFixed(4)))).toEqual([
		0.9988, 0.0012, 0,
	]);
	expect(result.predictions[1]).toMatchObject({ class: 'a cat', similarity: 0.2195 });
	expect(result.similarity).toEqual({ 'a dog': 0.2871, 'a cat': 0.2195, 'a car': 0.1736 });
	// Order of labels does not change the probabilities.
	const reversed = zeroShotClassification([...labels].reverse(), [...similarities].reverse());
	expect(reversed.confidence).toBeCloseTo(result.confidence, 12);
});

test('CLIP: an answer without one number per label is not a comparison', () => {
	expect(() => clipSimilarities({ similarity: [0.2] }, 2)).toThrow(UnexpectedResponseError);
	expect(() => clipSimilarities({ similarity: [0.2, 'x'] }, 2)).toThrow(UnexpectedResponseError);
	expect(() => clipSimilarities({ message: 'Internal error.' }, 1)).toThrow(
		UnexpectedResponseError,
	);
});

test('SAM 3: a box over all the polygons of a prediction, boundary pixels included; the largest outline as points', () => {
	const answer = {
		time: 0.42,
		prompt_results: [
			{
				prompt_index: 0,
				echo: { prompt_index: 0, type: 'text', text: 'dog', num_boxes: 0 },
				predictions: [
					{
						masks: [
							[
								[120, 80],
								[118, 240],
								[300, 242],
								[305, 82],
							],
							[
								[310, 90],
								[312, 95],
							],
						],
						confidence: 0.91,
						format: 'polygon',
					},
				],
			},
			{ prompt_index: 1, echo: {}, predictions: [] },
		],
	};
	const found = perPrompt(sam3Detections(answer, ['dog', 'helmet'], 'sam3/sam3_final'), [
		'dog',
		'helmet',
	]);
	expect(found).toMatchObject({ count: 1, class_counts: { dog: 1, helmet: 0 }, classes: ['dog'] });
	const [dog] = found.predictions;
	// x 118..312 and y 80..242 inclusive: 195 x 163 pixels.
	expect(dog).toMatchObject({ class: 'dog', confidence: 0.91, width: 195, height: 163 });
	expect(dog.x).toBe(118 + 195 / 2);
	expect(dog.y).toBe(80 + 163 / 2);
	expect(dog.points).toHaveLength(4);
	expect(() => sam3Detections({ predictions: [] }, ['dog'], 'm')).toThrow(UnexpectedResponseError);
});

test('a prompt count caps the objects kept, most confident first, and counts only those', () => {
	const box = (cls: string, confidence: number) => ({
		x: 1,
		y: 1,
		width: 2,
		height: 2,
		class: cls,
		confidence,
	});
	const answer = { prompt_results: [] };
	const found = sam3Detections(answer, ['a'], 'm');
	expect(perPrompt(found, ['a', 'b'])).toMatchObject({ count: 0, class_counts: { a: 0, b: 0 } });
	const many = {
		...found,
		predictions: [box('a', 0.9), box('b', 0.8), box('a', 0.7)],
		classes: ['a', 'b'],
	};
	expect(perPrompt(many, ['a', 'b'], 1)).toMatchObject({
		count: 1,
		class_counts: { a: 1, b: 0 },
		classes: ['a'],
	});
});

test("Florence-2: the task's value, keyed by the prompt up to its first '>'", () => {
	const answer = { response: { '<CAPTION_TO_PHRASE_GROUNDING>': { bboxes: [], labels: [] } } };
	expect(florenceValue(answer, '<CAPTION_TO_PHRASE_GROUNDING>a red box')).toEqual({
		bboxes: [],
		labels: [],
	});
	expect(florenceValue({ response: { '<CAPTION>': 'A dog.' } }, '<CAPTION>')).toBe('A dog.');
	expect(() => florenceValue({ time: 1 }, '<CAPTION>')).toThrow(UnexpectedResponseError);
});

test('Florence-2: corner boxes become centre boxes, with the confidence of 1 Roboflow gives them', () => {
	const value = { bboxes: [[10, 20, 50, 80]], labels: ['car'] };
	const result = florenceDetections(
		value,
		{ image: { width: 100, height: 100 } },
		'florence-2-base',
	);
	expect(result.predictions).toEqual([
		{ x: 30, y: 50, width: 40, height: 60, confidence: 1, class: 'car' },
	]);
	expect(result).toMatchObject({
		count: 1,
		class_counts: { car: 1 },
		image: { width: 100, height: 100 },
	});
	expect(() => florenceDetections('A car.', {}, 'm')).toThrow(UnexpectedResponseError);
});

test("OCR: the text, and each word with its box in either of DocTR's forms or EasyOCR's", () => {
	const box = (cls: string, confidence = 1) => ({
		x: 5,
		y: 6,
		width: 7,
		height: 8,
		class: cls,
		confidence,
	});
	expect(ocrResult({ result: 'STOP here' }, false)).toEqual({ text: 'STOP here' });
	// EasyOCR and DocTR's older backend: each box is a word, its text as the class.
	expect(
		ocrResult({ result: 'STOP here', predictions: [box('STOP', 0.9), box('here', 0.8)] }, true)
			.words,
	).toEqual([
		{ text: 'STOP', confidence: 0.9, x: 5, y: 6, width: 7, height: 8 },
		{ text: 'here', confidence: 0.8, x: 5, y: 6, width: 7, height: 8 },
	]);
	// DocTR's current backend: block, line and word boxes without text; words take the result's.
	const layout = [box('block'), box('line'), box('word'), box('word')];
	const words = ocrResult({ result: 'STOP\nhere', predictions: layout }, true).words as Array<{
		text: unknown;
	}>;
	expect(words.map((word) => word.text)).toEqual(['STOP', 'here']);
	expect(() => ocrResult({ message: 'Internal error.' }, false)).toThrow(UnexpectedResponseError);
});
