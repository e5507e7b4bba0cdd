/**
 * The foundation-model operations (no trained model; docs/roboflow-api.md §11) through n8n's
 * runtime against the local server, whose answers follow the image's colours and rectangles and
 * the words sent: what the node sent for each image, what it made of the answer, and the checks
 * it makes before sending.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { makeShapesPng } from '../tools/images';
import { imageItem, run, shapesItem, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

/** The JSON bodies of the requests, in order (a hold that never waits, to read them). */
function recordBodies(): IDataObject[] {
	const bodies: IDataObject[] = [];
	server.setFaults({
		hold: (call) => {
			bodies.push(JSON.parse(call.body.toString('utf8')) as IDataObject);
			return undefined;
		},
	});
	return bodies;
}

/** A red and a blue rectangle side by side, a green one below: "red blue\ngreen" when read. */
const SCENE = {
	rects: [
		{ colour: 'red' as const, x: 5, y: 5, width: 30, height: 20 },
		{ colour: 'blue' as const, x: 60, y: 8, width: 25, height: 20 },
		{ colour: 'green' as const, x: 20, y: 55, width: 20, height: 25 },
	],
};
const scene = async (json: IDataObject = {}) => await shapesItem(SCENE, json);

const operation = (name: string, parameters: INodeParameters = {}) => ({
	operation: name,
	...parameters,
});

describe('Classify by Text Labels (CLIP)', () => {
	const labels = 'a red photo, a green photo, a blue photo';

	test("the image's own colour wins; confidence is CLIP's zero-shot probability; one request per image", async () => {
		const bodies = recordBodies();
		const items = [await imageItem('red'), await imageItem('blue')];
		const { outputs, error } = await run(
			credentials(),
			items,
			operation('classifyByText', { labels }),
		);
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => item.json.top)).toEqual(['a red photo', 'a blue photo']);
		const red = outputs[0][0].json as IDataObject & { predictions: IDataObject[] };
		expect(red.confidence).toBeGreaterThan(0.99);
		expect(red.predicted_classes).toEqual(['a red photo']);
		// Every label, best first; the probabilities add up to 1.
		const confidences = red.predictions.map((p) => p.confidence as number);
		expect(red.predictions[0].class).toBe('a red photo');
		expect(red.predictions).toHaveLength(3);
		expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
		expect(red.predictions.reduce((sum, p) => sum + (p.confidence as number), 0)).toBeCloseTo(1, 9);
		expect(Object.keys(red.similarity as IDataObject)).toEqual([
			'a red photo',
			'a green photo',
			'a blue photo',
		]);
		expect(bodies).toHaveLength(2);
		expect(bodies[0]).toMatchObject({
			subject: { type: 'base64' },
			subject_type: 'image',
			prompt: ['a red photo', 'a green photo', 'a blue photo'],
			prompt_type: 'text',
		});
		expect(bodies[0]).not.toHaveProperty('clip_version_id');
	});

	test('more than 8 labels go in groups of 8, combined before the softmax; a list from an expression works', async () => {
		const bodies = recordBodies();
		const many = [...Array.from({ length: 9 }, (_, i) => `label ${i}`), 'something blue'];
		const { outputs } = await run(
			credentials(),
			[await imageItem('blue')],
			operation('classifyByText', {
				labels: many,
				options: { clipVersion: 'ViT-L-14' },
			}),
		);
		expect(bodies.map((body) => (body.prompt as string[]).length)).toEqual([8, 2]);
		expect(bodies.every((body) => body.clip_version_id === 'ViT-L-14')).toBe(true);
		const json = outputs[0][0].json;
		expect(json.top).toBe('something blue');
		expect(Object.keys(json.similarity as IDataObject)).toEqual(many);
		expect((json.predictions as IDataObject[]).map((p) => p.class).sort()).toEqual(
			[...many].sort(),
		);
	});

	test('Simplify Output: top, confidence and predicted_classes only', async () => {
		const { outputs } = await run(
			credentials(),
			[await imageItem('green')],
			operation('classifyByText', {
				labels,
				options: { simplify: true },
			}),
		);
		expect(Object.keys(outputs[0][0].json).sort()).toEqual([
			'colour',
			'confidence',
			'predicted_classes',
			'top',
		]);
	});
});

describe('Find Objects by Text (SAM 3, YOLO-World)', () => {
	test('SAM 3: outlines named by the prompt, boxes from them, every prompt counted (0 when none matched)', async () => {
		const bodies = recordBodies();
		const { outputs } = await run(
			credentials(),
			[await scene()],
			operation('findByText', {
				prompts: 'red box, yellow box, blue box',
			}),
		);
		const json = outputs[0][0].json as IDataObject & { predictions: IDataObject[] };
		expect(json).toMatchObject({
			count: 2,
			class_counts: { 'red box': 1, 'yellow box': 0, 'blue box': 1 },
			classes: expect.arrayContaining(['red box', 'blue box']),
		});
		const red = json.predictions.find((p) => p.class === 'red box');
		// The red rectangle: x 5..34, y 5..24 (30 x 20 pixels), centre (20, 15).
		expect(red).toMatchObject({ x: 20, y: 15, width: 30, height: 20, class_id: 0 });
		expect((red?.points as unknown[]).length).toBeGreaterThanOrEqual(4);
		expect(bodies).toEqual([
			{
				image: expect.objectContaining({ type: 'base64' }),
				prompts: [
					{ type: 'text', text: 'red box' },
					{ type: 'text', text: 'yellow box' },
					{ type: 'text', text: 'blue box' },
				],
				format: 'polygon',
			},
		]);
	});

	test('a threshold of 0 is sent as 0.01 (SAM 3 reads 0 as 0.5) and finds a faint object', async () => {
		const faint = {
			rects: [{ colour: 'cyan' as const, x: 10, y: 10, width: 30, height: 30, opacity: 0.45 }],
		};
		const bodies = recordBodies();
		const zero = await run(
			credentials(),
			[await shapesItem(faint)],
			operation('findByText', {
				prompts: 'cyan',
				options: { confidence: 0 },
			}),
		);
		const unset = await run(
			credentials(),
			[await shapesItem(faint)],
			operation('findByText', { prompts: 'cyan' }),
		);
		expect(bodies.map((body) => body.output_prob_thresh)).toEqual([0.01, undefined]);
		expect([zero.outputs[0][0].json.count, unset.outputs[0][0].json.count]).toEqual([1, 0]);
	});

	test('YOLO-World: boxes for the texts, its threshold when set; Max Detections keeps the most confident', async () => {
		const bodies = recordBodies();
		const { outputs } = await run(
			credentials(),
			[await scene()],
			operation('findByText', {
				prompts: 'red, blue, green',
				options: { engine: 'yoloWorld', confidence: 0.3, maxDetections: 2 },
			}),
		);
		expect(bodies).toEqual([
			{
				image: expect.objectContaining({ type: 'base64' }),
				text: ['red', 'blue', 'green'],
				confidence: 0.3,
			},
		]);
		const json = outputs[0][0].json as IDataObject & { predictions: IDataObject[] };
		expect(json.count).toBe(2);
		expect(json.predictions).toHaveLength(2);
		expect(json.predictions[0]).not.toHaveProperty('points');
		expect(Object.keys(json.class_counts as IDataObject)).toEqual(['red', 'blue', 'green']);
		expect(json.image).toEqual({ width: 120, height: 90 });
	});

	test.each([
		['no prompts', '  , ', /Prompts is empty/],
		[
			'17 prompts for SAM 3',
			Array.from({ length: 17 }, (_, i) => `thing ${i}`).join(', '),
			/at most 16 prompts; 17 were given/,
		],
	])(
		'%s: the item fails before anything is sent, naming the fix; other items go on',
		async (_name, prompts, message) => {
			const { outputs } = await run(
				credentials(),
				[await scene(), await scene()],
				{
					operation: 'findByText',
					prompts: `={{ $itemIndex === 0 ? ${JSON.stringify(prompts)} : 'red' }}`,
				},
				{ onError: 'continueRegularOutput' },
			);
			expect(outputs[0][0].json.error).toMatch(message);
			expect(outputs[0][0].json.error).toMatch(/\[item 0\]$/);
			expect(outputs[0][1].json.count).toBe(1);
			expect(server.stats.calls.map((call) => call.route)).toEqual(['sam3']);
		},
	);
});

describe('Read Text (OCR)', () => {
	test('DocTR: the text in reading order; with Word Boxes each word and its box', async () => {
		const bodies = recordBodies();
		const plain = await run(credentials(), [await scene()], operation('readText'));
		expect(plain.outputs[0][0].json.text).toBe('red blue\ngreen');
		expect(plain.outputs[0][0].json).not.toHaveProperty('words');
		const boxed = await run(
			credentials(),
			[await scene()],
			operation('readText', { options: { wordBoxes: true } }),
		);
		const words = boxed.outputs[0][0].json.words as IDataObject[];
		expect(words.map((word) => word.text)).toEqual(['red', 'blue', 'green']);
		expect(words[0]).toMatchObject({ x: 20, y: 15, width: 30, height: 20 });
		expect(bodies.map((body) => body.generate_bounding_boxes)).toEqual([undefined, true]);
	});

	test("EasyOCR: always words with boxes; the language's model and codes as Roboflow's block pairs them", async () => {
		const bodies = recordBodies();
		const { outputs } = await run(
			credentials(),
			[await scene()],
			operation('readText', {
				options: { engine: 'easyOcr', language: 'japanese_g2' },
			}),
		);
		expect(bodies[0]).toMatchObject({
			easy_ocr_version_id: 'japanese_g2',
			language_codes: ['en', 'ja'],
		});
		const json = outputs[0][0].json;
		expect(json.text).toBe('red blue green');
		expect((json.words as IDataObject[]).map((word) => word.text)).toEqual([
			'red',
			'blue',
			'green',
		]);
	});
});

describe('Describe Image (Florence-2)', () => {
	test('a caption, the model and the task token sent; the raw response kept', async () => {
		const bodies = recordBodies();
		const { outputs } = await run(credentials(), [await scene()], operation('describe'));
		expect(bodies).toEqual([
			{
				model_id: 'florence-2-base',
				image: expect.objectContaining({ type: 'base64' }),
				prompt: '<CAPTION>',
			},
		]);
		const json = outputs[0][0].json;
		expect(json.text).toMatch(/red rectangle.*blue rectangle.*green rectangle/);
		expect(json.response).toEqual({ '<CAPTION>': json.text });
	});

	test('Find a Phrase: the phrase after its token; corner boxes become the detection fields', async () => {
		const bodies = recordBodies();
		const { outputs } = await run(
			credentials(),
			[await scene()],
			operation('describe', {
				task: 'findPhrase',
				phrase: 'the blue one',
				options: { model: 'florence-2-large' },
			}),
		);
		expect(bodies[0]).toMatchObject({
			model_id: 'florence-2-large',
			prompt: '<CAPTION_TO_PHRASE_GROUNDING>the blue one',
		});
		const json = outputs[0][0].json as IDataObject & { predictions: IDataObject[] };
		expect(json).toMatchObject({ count: 1, class_counts: { 'the blue one': 1 } });
		expect(json.predictions[0]).toMatchObject({
			x: 72.5,
			y: 18,
			width: 25,
			height: 20,
			confidence: 1,
		});
	});

	test('Find Objects with Simplify Output: counts and boxes, no raw response', async () => {
		const { outputs } = await run(
			credentials(),
			[await scene()],
			operation('describe', {
				task: 'objects',
				options: { simplify: true },
			}),
		);
		const json = outputs[0][0].json;
		expect(json).toMatchObject({ count: 3, class_counts: { red: 1, blue: 1, green: 1 } });
		expect(json).not.toHaveProperty('response');
	});

	test('an empty phrase or a model that is not Florence-2 fails the item before sending', async () => {
		const { outputs } = await run(
			credentials(),
			[await scene(), await scene()],
			{
				operation: 'describe',
				task: 'findPhrase',
				phrase: '={{ $itemIndex === 0 ? "" : "red" }}',
				options: { model: '={{ $itemIndex === 0 ? "florence-2-base" : "gpt-4" }}' },
			},
			{ onError: 'continueRegularOutput' },
		);
		expect(outputs[0].map((item) => item.json.error)).toEqual([
			'The phrase is empty [item 0]',
			'The model "gpt-4" is not a Florence-2 model [item 1]',
		]);
		expect(server.stats.requests).toBe(0);
	});
});

describe('shared with every operation', () => {
	test('an image URL goes as {type: url}; several images per item split into items; one request each', async () => {
		const bodies = recordBodies();
		const url = server.addImage('scene.png', makeShapesPng({ width: 120, height: 90, ...SCENE }));
		const byUrl = await run(
			credentials(),
			[{ json: {} }],
			operation('readText', { inputType: 'imageUrl', imageUrl: url }),
		);
		expect(byUrl.outputs[0][0].json.text).toBe('red blue\ngreen');
		expect(bodies[0].image).toEqual({ type: 'url', value: url });
		const two = await imageItem('red');
		two.binary = { a: two.binary!.data, b: (await imageItem('blue')).binary!.data };
		const split = await run(
			credentials(),
			[two],
			operation('classifyByText', {
				labels: 'red, blue',
				binaryPropertyName: '*',
			}),
		);
		expect(split.outputs[0].map((item) => [item.json.binary_field, item.json.top])).toEqual([
			['a', 'red'],
			['b', 'blue'],
		]);
		expect(server.stats.calls.map((call) => call.route)).toEqual(['doctr', 'clip', 'clip']);
	});

	test("Roboflow's refusals are quoted in one line, its 500 comes with what usually causes it", async () => {
		server.setFaults({ always: { kind: 'status', status: 500, message: 'Internal error.' } });
		const { error } = await run(credentials(), [await scene()], operation('describe'));
		expect(error?.message).toBe('Roboflow failed to process the request [item 0]');
		expect(error?.description).toMatch(/send one image at a time.*"Internal error\."/);
	});
});
