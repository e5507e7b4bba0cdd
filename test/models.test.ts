/**
 * The model operations (detect, segment, keypoints, and classify's new options) through n8n's
 * real execution engine, against the local server's pixel-driven models.
 */
import { binaryDataService } from './harness/n8n';
import { imageItem, run, shapesItem, useLocalServer } from './harness/roboflowNode';
import { decodeImage } from '../tools/roboflow-server';

const { server, credentials } = useLocalServer();

// Two red and one blue rectangle, apart; a translucent green one (confidence about 0.57).
const SCENE = {
	rects: [
		{ colour: 'red' as const, x: 5, y: 5, width: 20, height: 15 },
		{ colour: 'red' as const, x: 40, y: 10, width: 25, height: 20 },
		{ colour: 'blue' as const, x: 80, y: 50, width: 30, height: 30 },
		{ colour: 'green' as const, x: 10, y: 55, width: 25, height: 25, opacity: 0.6 },
	],
};

const detect = (extra: Record<string, unknown> = {}) => ({
	operation: 'detect',
	modelId: 'shapes/1',
	...extra,
});

describe('detect', () => {
	test('boxes from the image, best first, counted per class; the input JSON and binary stay', async () => {
		const item = await shapesItem(SCENE, { file: 'scene' });
		const { outputs, error } = await run(credentials(), [item], detect());
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		expect(out.pairedItem).toEqual({ item: 0 });
		expect(out.binary).toEqual(item.binary);
		expect(out.json).toMatchObject({
			file: 'scene',
			count: 4,
			class_counts: { red: 2, blue: 1, green: 1 },
			model_id: 'shapes/1',
			image: { width: 120, height: 90 },
		});
		expect((out.json.classes as string[]).at(-1)).toBe('green');
		const predictions = out.json.predictions as Array<Record<string, unknown>>;
		expect(out.json.top).toBe(predictions[0].class);
		expect(out.json.confidence).toBe(predictions[0].confidence);
		expect(predictions.map((p) => p.confidence)).toEqual(
			[...predictions.map((p) => p.confidence as number)].sort((a, b) => b - a),
		);
		// x/y are the box centre, in image pixels.
		expect(predictions.find((p) => p.class === 'blue')).toMatchObject({
			x: 95,
			y: 65,
			width: 30,
			height: 30,
			class_id: 2,
		});
		expect(typeof predictions[0].detection_id).toBe('string');
	});

	test('Only Classes keeps those classes and counts only them (Roboflow ignores such a filter)', async () => {
		const { outputs } = await run(
			credentials(),
			[await shapesItem(SCENE)],
			detect({ options: { classes: 'blue, green' } }),
		);
		expect(outputs[0][0].json).toMatchObject({
			count: 2,
			class_counts: { blue: 1, green: 1 },
			classes: ['blue', 'green'],
			top: 'blue',
		});
		expect(server.stats.calls[0].query.classes).toBeUndefined();
	});

	test('Confidence Threshold is sent; 1 means "only certain", never Roboflow\'s 1%', async () => {
		const half = await run(
			credentials(),
			[await shapesItem(SCENE)],
			detect({ options: { confidence: 0.7 } }),
		);
		expect(half.outputs[0][0].json).toMatchObject({ count: 3, class_counts: { red: 2, blue: 1 } });
		const certain = await run(
			credentials(),
			[await shapesItem(SCENE)],
			detect({ options: { confidence: 1 } }),
		);
		expect(server.stats.calls.map((c) => c.query.confidence)).toEqual(['0.7', '0.9999']);
		// Sent as "1", Roboflow would have used 0.01 and returned all four.
		expect(certain.outputs[0][0].json).toMatchObject({
			count: 0,
			top: '',
			confidence: 0,
			classes: [],
			class_counts: {},
		});
	});

	test('Overlap Threshold and Max Detections reach Roboflow', async () => {
		// Two red rectangles overlapping at a corner: both found; a low overlap threshold merges them.
		const overlapping = {
			rects: [
				{ colour: 'red' as const, x: 10, y: 10, width: 40, height: 40 },
				{ colour: 'red' as const, x: 20, y: 20, width: 40, height: 40 },
			],
		};
		const apart = await run(
			credentials(),
			[await shapesItem(overlapping)],
			detect({ options: { overlap: 1 } }),
		);
		expect(apart.outputs[0][0].json.count).toBe(2);
		const merged = await run(
			credentials(),
			[await shapesItem(overlapping)],
			detect({ options: { overlap: 0.1 } }),
		);
		expect(merged.outputs[0][0].json.count).toBe(1);
		expect(server.stats.calls.map((c) => c.query.overlap)).toEqual(['0.9999', '0.1']);
		const capped = await run(
			credentials(),
			[await shapesItem(SCENE)],
			detect({ options: { maxDetections: 2 } }),
		);
		expect(capped.outputs[0][0].json.count).toBe(2);
		expect(server.stats.calls[2].query.max_detections).toBe('2');
	});

	test('annotated image: a JPEG binary named after the input under Annotated Image Field, the base64 never in the JSON', async () => {
		const item = await shapesItem(SCENE, {}, 'yard-cam.png');
		const { outputs } = await run(
			credentials(),
			[item],
			detect({ options: { annotatedImage: true, annotatedBinaryProperty: 'boxes' } }),
		);
		const out = outputs[0][0];
		expect(server.stats.calls[0].query.format).toBe('image_and_json');
		expect(out.json.count).toBe(4);
		expect(out.json).not.toHaveProperty('visualization');
		expect(JSON.stringify(out.json).length).toBeLessThan(4000);
		expect(Object.keys(out.binary ?? {}).sort()).toEqual(['boxes', 'data']);
		expect(out.binary?.data).toEqual(item.binary?.data);
		const annotated = out.binary!.boxes;
		expect(annotated).toMatchObject({ mimeType: 'image/jpeg', fileName: 'yard-cam-annotated.jpg' });
		// Stored through n8n's binary data service, not inline.
		expect(annotated.id).toMatch(/^filesystem/);
		const bytes = await (await binaryDataService()).getAsBuffer(annotated);
		expect(decodeImage(bytes)).toMatchObject({ width: 120, height: 90 });
	});
});

describe('segment and keypoints', () => {
	test.each([
		['Detect Objects', 'detect', 'colors/1', 'an object detection'],
		['Segment Instances', 'segment', 'shapes/1', 'an instance segmentation'],
	])(
		'a model of another task on %s is refused, not passed off as its result',
		async (_name, operation, modelId, task) => {
			// Each model sees an image it finds something in.
			const item = modelId === 'colors/1' ? await imageItem('red') : await shapesItem(SCENE);
			const { error } = await run(credentials(), [item], { operation, modelId });
			expect(error?.message).toBe(`Roboflow's answer is not ${task} result [item 0]`);
		},
	);

	test('segment: each prediction has its polygon', async () => {
		const { outputs } = await run(credentials(), [await shapesItem(SCENE)], {
			operation: 'segment',
			modelId: 'shapes-seg/1',
		});
		const json = outputs[0][0].json;
		expect(json.count).toBe(4);
		const blue = (json.predictions as Array<Record<string, unknown>>).find(
			(p) => p.class === 'blue',
		);
		expect(blue?.points).toHaveLength(4);
		expect(blue?.mask_format).toBe('polygon');
	});

	test('keypoints: each prediction has its named points', async () => {
		const { outputs } = await run(credentials(), [await shapesItem(SCENE)], {
			operation: 'keypoints',
			modelId: 'shapes-pose/1',
		});
		const prediction = (
			outputs[0][0].json.predictions as Array<{ keypoints: Array<{ class: string }> }>
		)[0];
		expect(prediction.keypoints.map((k) => k.class)).toEqual(
			expect.arrayContaining(['top_left', 'center']),
		);
	});
});

describe('classify: Output Field and Annotated Image', () => {
	test("Output Field puts the result under a key and leaves the item's own fields alone", async () => {
		const item = await imageItem('red', { top: 'mine', confidence: 'high', image: 'drive-id' });
		const { outputs } = await run(credentials(), [item], { options: { outputField: 'roboflow' } });
		const json = outputs[0][0].json as Record<string, Record<string, unknown> | string>;
		expect(json).toMatchObject({ top: 'mine', confidence: 'high', image: 'drive-id' });
		expect(json.roboflow).toMatchObject({
			top: 'red',
			predicted_classes: ['red'],
			model_id: 'colors/1',
		});
	});

	test('annotated image for classification too', async () => {
		const { outputs } = await run(credentials(), [await imageItem('green')], {
			options: { annotatedImage: true },
		});
		expect(outputs[0][0].json.top).toBe('green');
		expect(outputs[0][0].binary?.annotated?.mimeType).toBe('image/jpeg');
	});

	test('annotated image with no class above the threshold: Roboflow fails, and the node says why', async () => {
		const { error } = await run(credentials(), [await imageItem('grey')], {
			options: { annotatedImage: true, confidence: 0.9 },
		});
		expect(error?.message).toBe('Roboflow failed to process the request [item 0]');
		expect(error?.description).toMatch(/no class reaches the Confidence Threshold/);
	});
});
