import { normalizeClassification } from '../../nodes/Roboflow/response/classification';
import { UnexpectedResponseError } from '../../nodes/Roboflow/response/common';

describe('normalizeClassification', () => {
	test('single-label answer: top and confidence kept, predictions sorted, predicted_classes = [top]', () => {
		const result = normalizeClassification(
			{
				inference_id: 'abc',
				time: 0.05,
				image: { width: 210, height: 113 },
				predictions: [
					{ class: 'illustration', class_id: 1, confidence: 0.2851 },
					{ class: 'real-image', class_id: 0, confidence: 0.7149 },
				],
				top: 'real-image',
				confidence: 0.7149,
			},
			'proj/3',
		);
		expect(result).toEqual({
			top: 'real-image',
			confidence: 0.7149,
			predicted_classes: ['real-image'],
			predictions: [
				{ class: 'real-image', class_id: 0, confidence: 0.7149 },
				{ class: 'illustration', class_id: 1, confidence: 0.2851 },
			],
			multi_label: false,
			image: { width: 210, height: 113 },
			inference_id: 'abc',
			time: 0.05,
			model_id: 'proj/3',
		});
	});

	test('single-label answer with nothing above the threshold: empty top and classes', () => {
		const result = normalizeClassification({ predictions: [], top: '', confidence: 0 }, 'p/1');
		expect(result.top).toBe('');
		expect(result.confidence).toBe(0);
		expect(result.predicted_classes).toEqual([]);
		expect(result.predictions).toEqual([]);
		expect(result.inference_id).toBeNull();
		expect(result.image).toEqual({ width: null, height: null });
	});

	test('multi-label answer: top is the best predicted class, predictions become a sorted array', () => {
		const result = normalizeClassification(
			{
				predictions: {
					dent: { confidence: 0.525, class_id: 0 },
					severe: { confidence: 0.58, class_id: 1 },
					scratch: { confidence: 0.9, class_id: 2 },
				},
				predicted_classes: ['dent', 'severe'],
			},
			'cars/2',
		);
		expect(result.multi_label).toBe(true);
		expect(result.top).toBe('severe');
		expect(result.confidence).toBe(0.58);
		expect(result.predicted_classes).toEqual(['severe', 'dent']);
		expect(result.predictions.map((p) => p.class)).toEqual(['scratch', 'severe', 'dent']);
		expect(result.predictions[0]).toEqual({ class: 'scratch', confidence: 0.9, class_id: 2 });
	});

	test('multi-label answer with no predicted class: empty top, zero confidence', () => {
		const result = normalizeClassification(
			{ predictions: { a: { confidence: 0.1 } }, predicted_classes: [] },
			'p/1',
		);
		expect(result).toMatchObject({
			top: '',
			confidence: 0,
			predicted_classes: [],
			multi_label: true,
		});
	});

	test.each([
		['not an object', 'nope'],
		['no predictions', { top: 'x', confidence: 1 }],
		['multi-label without predicted_classes', { predictions: { a: { confidence: 0.3 } } }],
		['prediction without confidence', { predictions: [{ class: 'a' }], top: 'a' }],
		['prediction without class', { predictions: [{ confidence: 0.3 }] }],
	])('rejects an answer that is not a classification (%s)', (_name, body) => {
		expect(() => normalizeClassification(body, 'p/1')).toThrow(UnexpectedResponseError);
	});
});
