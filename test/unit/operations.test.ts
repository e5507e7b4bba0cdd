/** The pure pieces the operations are built from: normalisers, parameters, endpoints, annotations. */
import { evaluateExpression } from '../harness/expression';
import { subtitle } from '../../nodes/Roboflow/actions/router';
import { fractionParameter, wholeNumberParameter } from '../../nodes/Roboflow/input/fraction';
import { Roboflow } from '../../nodes/Roboflow/Roboflow.node';
import { checkRequestSize } from '../../nodes/Roboflow/input/imageSource';
import { jsonOrText } from '../../nodes/Roboflow/input/workflowInputs';
import { UnexpectedResponseError } from '../../nodes/Roboflow/response/common';
import { normalizeDetections } from '../../nodes/Roboflow/response/detection';
import { extractWorkflowImages, readWorkflowOutputs } from '../../nodes/Roboflow/response/workflow';
import { DEFAULT_API_URL, endpointFor } from '../../nodes/Roboflow/transport/endpoint';
import { normalizeClassification } from '../../nodes/Roboflow/response/classification';
import { annotationFromPrediction, readUploadAnswer } from '../../nodes/Roboflow/response/dataset';

const box = (cls: string, confidence: number, extra: Record<string, unknown> = {}) => ({
	x: 10,
	y: 20,
	width: 4,
	height: 6,
	class: cls,
	class_id: 0,
	confidence,
	detection_id: `id-${cls}-${confidence}`,
	...extra,
});

describe('normalizeDetections', () => {
	const answer = {
		inference_id: 'inf-1',
		time: 0.08,
		image: { width: 640, height: 480 },
		predictions: [box('car', 0.6), box('person', 0.9), box('car', 0.8), box('1', 0.7)],
	};

	test('sorts by confidence, counts per class, lists classes best first, keeps each prediction as sent', () => {
		const result = normalizeDetections(answer, 'traffic/3', 'box');
		expect(result.predictions.map((p) => p.confidence)).toEqual([0.9, 0.8, 0.7, 0.6]);
		expect(result.predictions[0]).toEqual(box('person', 0.9));
		expect(result).toMatchObject({
			count: 4,
			class_counts: { car: 2, person: 1, '1': 1 },
			// "1" stays where its best prediction stands, though object keys would sort it first.
			classes: ['person', 'car', '1'],
			top: 'person',
			confidence: 0.9,
			image: { width: 640, height: 480 },
			inference_id: 'inf-1',
			time: 0.08,
			model_id: 'traffic/3',
		});
	});

	test('Only Classes keeps those classes, and count and class_counts count only what is kept', () => {
		const result = normalizeDetections(answer, 'traffic/3', 'box', new Set(['car']));
		expect(result).toMatchObject({
			count: 2,
			class_counts: { car: 2 },
			classes: ['car'],
			top: 'car',
			confidence: 0.8,
		});
	});

	test('nothing found: empty lists, top "" and confidence 0', () => {
		const result = normalizeDetections({ predictions: [] }, 'm/1', 'box');
		expect(result).toMatchObject({
			predictions: [],
			count: 0,
			class_counts: {},
			classes: [],
			top: '',
			confidence: 0,
		});
		expect(result.image).toEqual({ width: null, height: null });
	});

	test('segmentation needs points; keypoint models need keypoints (class_name read as class)', () => {
		expect(() => normalizeDetections(answer, 'm/1', 'polygon')).toThrow(UnexpectedResponseError);
		const seg = normalizeDetections(
			{ predictions: [box('a', 0.5, { points: [{ x: 1, y: 2 }] })] },
			'm/1',
			'polygon',
		);
		expect(seg.predictions[0].points).toEqual([{ x: 1, y: 2 }]);
		expect(() => normalizeDetections(answer, 'm/1', 'keypoints')).toThrow(/no "keypoints"/);
		const kp = normalizeDetections(
			{
				predictions: [
					box('a', 0.5, {
						keypoints: [{ x: 1, y: 2, confidence: 0.9, class_id: 0, class_name: 'nose' }],
					}),
				],
			},
			'm/1',
			'keypoints',
		);
		expect(kp.predictions[0].keypoints).toEqual([
			{ x: 1, y: 2, confidence: 0.9, class_id: 0, class_name: 'nose', class: 'nose' },
		]);
	});

	test.each([
		['a classification answer', { predictions: [{ class: 'a', confidence: 0.9 }], top: 'a' }],
		['a multi-label answer', { predictions: { a: { confidence: 0.9 } }, predicted_classes: ['a'] }],
		['no predictions', { image: {} }],
		['not an object', [1, 2]],
	])('%s is refused, never passed off as detections', (_name, raw) => {
		expect(() => normalizeDetections(raw, 'm/1', 'box')).toThrow(UnexpectedResponseError);
	});
});

describe('parameters', () => {
	test('a threshold of 1 is sent as 0.9999, never as 1 (Roboflow reads >= 1 as a percentage)', () => {
		expect(fractionParameter(1, 'Confidence threshold')).toBe(0.9999);
		expect(fractionParameter(0.5, 'x')).toBe(0.5);
		expect(fractionParameter('0.25', 'x')).toBe(0.25);
		expect(fractionParameter(0, 'x')).toBe(0);
		expect(() => fractionParameter(50, 'Confidence threshold')).toThrow(
			/Confidence threshold 50 is outside 0 to 1/,
		);
		expect(() => fractionParameter('abc', 'x')).toThrow(/outside 0 to 1/);
		expect(() => fractionParameter(-0.1, 'x')).toThrow(/outside 0 to 1/);
	});

	test('whole numbers in a range (Max Detections)', () => {
		expect(wholeNumberParameter(5, 'Max Detections', 1, 10)).toBe(5);
		expect(wholeNumberParameter('10', 'Max Detections', 1, 10)).toBe(10);
		expect(() => wholeNumberParameter(0, 'Max Detections', 1, 10)).toThrow(
			/Max Detections 0 is not a whole number from 1 to 10/,
		);
		expect(() => wholeNumberParameter(11, 'x', 1, 10)).toThrow(/whole number from 1 to 10/);
		expect(() => wholeNumberParameter(2.5, 'x', 1, 10)).toThrow(/whole number/);
	});

	test('Workflow input values: JSON when they read as JSON, text otherwise', () => {
		expect(jsonOrText('0.5')).toBe(0.5);
		expect(jsonOrText('true')).toBe(true);
		expect(jsonOrText('["car","bus"]')).toEqual(['car', 'bus']);
		expect(jsonOrText('{"a":1}')).toEqual({ a: 1 });
		expect(jsonOrText('car')).toBe('car');
		expect(jsonOrText('')).toBe('');
		expect(jsonOrText(7)).toBe(7);
	});
});

describe('endpoints', () => {
	test('the Serverless Cloud API is the default and serves every task on one host', () => {
		expect(DEFAULT_API_URL).toBe('https://serverless.roboflow.com');
		for (const task of [
			'classification',
			'detection',
			'segmentation',
			'keypoints',
			'workflow',
			'foundation',
		] as const) {
			expect(endpointFor('', task)).toMatchObject({
				baseUrl: DEFAULT_API_URL,
				maxRequestBytes: 20 * 1024 * 1024,
				legacy: false,
			});
		}
	});

	test('a legacy host sends each task to its own legacy host, 5 MB each; Workflows and foundation models to serverless', () => {
		for (const apiUrl of [
			'https://classify.roboflow.com',
			'https://detect.roboflow.com/',
			'https://outline.roboflow.com',
		]) {
			expect(endpointFor(apiUrl, 'classification').baseUrl).toBe('https://classify.roboflow.com');
			expect(endpointFor(apiUrl, 'detection').baseUrl).toBe('https://detect.roboflow.com');
			expect(endpointFor(apiUrl, 'keypoints').baseUrl).toBe('https://detect.roboflow.com');
			expect(endpointFor(apiUrl, 'segmentation').baseUrl).toBe('https://outline.roboflow.com');
			expect(endpointFor(apiUrl, 'detection').maxRequestBytes).toBe(5 * 1024 * 1024);
			expect(endpointFor(apiUrl, 'workflow').baseUrl).toBe(DEFAULT_API_URL);
			expect(endpointFor(apiUrl, 'foundation').baseUrl).toBe(DEFAULT_API_URL);
		}
	});

	test('self-hosted and dedicated URLs are used as given for every task, with no limit imposed', () => {
		expect(endpointFor('http://localhost:9001/', 'segmentation').baseUrl).toBe(
			'http://localhost:9001',
		);
		expect(endpointFor('http://localhost:9001/', 'segmentation').maxRequestBytes).toBeUndefined();
		expect(endpointFor('https://acme.roboflow.cloud', 'workflow').baseUrl).toBe(
			'https://acme.roboflow.cloud',
		);
	});

	test("the size checked is what is sent, against the endpoint's limit", () => {
		const serverless = endpointFor('', 'detection');
		expect(() => checkRequestSize(20 * 1024 * 1024, serverless, 'x')).not.toThrow();
		expect(() => checkRequestSize(20 * 1024 * 1024 + 1, serverless, 'x')).toThrow(
			/over the 20\.0 MB/,
		);
		expect(() =>
			checkRequestSize(10 ** 9, endpointFor('http://localhost:9001'), 'x'),
		).not.toThrow();
	});
});

describe('Workflow results', () => {
	test('images, nested or not, become binary references named by their path; the rest passes through', () => {
		const raw = {
			outputs: [
				{
					count: 3,
					predictions: { image: { width: 4, height: 4 }, predictions: [box('car', 0.9)] },
					annotated: { type: 'base64', value: 'AAAA', video_metadata: { fps: 30 } },
					crops: [
						{ class: 'car', image: { type: 'base64', value: 'BBBB', parent_id: 'p1' } },
						{ class: 'bus', image: { type: 'base64', value: 'CCCC' } },
					],
				},
			],
		};
		const { json, images } = extractWorkflowImages(readWorkflowOutputs(raw));
		expect(images).toEqual([
			{ field: 'annotated', base64: 'AAAA' },
			{ field: 'crops_0_image', base64: 'BBBB' },
			{ field: 'crops_1_image', base64: 'CCCC' },
		]);
		expect(json).toEqual({
			count: 3,
			predictions: raw.outputs[0].predictions,
			annotated: { type: 'binary', binary_field: 'annotated' },
			crops: [
				{ class: 'car', image: { type: 'binary', binary_field: 'crops_0_image', parent_id: 'p1' } },
				{ class: 'bus', image: { type: 'binary', binary_field: 'crops_1_image' } },
			],
		});
		expect(JSON.stringify(json)).not.toMatch(/AAAA|BBBB|CCCC/);
	});

	test('an answer without outputs is not a Workflow result', () => {
		expect(() => readWorkflowOutputs({ predictions: [] })).toThrow(UnexpectedResponseError);
	});
});

describe('the node in the editor', () => {
	test("its subtitle names the operation as its action, through n8n's expression engine", () => {
		const operation = new Roboflow().description.properties.find((p) => p.name === 'operation');
		const shown = (operation?.options as Array<{ value: string }>).map(({ value }) =>
			evaluateExpression(subtitle, { parameters: { operation: value } }),
		);
		expect(shown).toEqual([
			'Classify image',
			'Detect objects',
			'Segment instances',
			'Detect keypoints',
			'Classify image by text labels',
			'Find objects by text',
			'Read text in image',
			'Describe image',
			'Run workflow',
			'Upload image',
		]);
	});
});

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

describe('annotations from predictions, upload answers', () => {
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
});
