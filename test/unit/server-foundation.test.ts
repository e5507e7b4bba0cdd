/** The local server's foundation-model routes (docs/roboflow-api.md §11): answers from pixels and text, and their quirks. */
import type { ShapeRect } from '../../tools/images';
import { COLOURS, makePng, makeShapesPng } from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, useServers, UUID } from '../harness/localServer';

const startServer = useServers();
const rect = (
	colour: ShapeRect['colour'],
	x: number,
	y: number,
	width = 20,
	height = width,
	opacity?: number,
) => ({ colour, x, y, width, height, opacity });
// Two rows: red and blue above, green below; a faint yellow apart.
const [red, blue, green, faint] = [
	rect('red', 10, 10),
	rect('blue', 60, 12),
	rect('green', 30, 60, 30, 20),
	rect('yellow', 70, 70, 20, 20, 0.6),
];
const scene = makeShapesPng({ width: 100, height: 100, rects: [red, blue, green, faint] });
const image = (bytes = scene) => ({ type: 'base64', value: bytes.toString('base64') });
const solid = (colour: keyof typeof COLOURS) =>
	image(makePng(24, 24, COLOURS[colour], { noise: 10 }));
const post = (server: Server, path: string, body: Json) =>
	ask(server, `${path}?api_key=k`, { body });
const detail = (answer: { status: number; json: Json }) => [
	answer.status,
	answer.json.detail?.map((d: Json) => `${d.type} ${d.loc.join('.')} ${d.msg}`).join('; '),
];

describe('CLIP compare', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const compare = (body: Json) => post(server, '/clip/compare', { subject: solid('red'), ...body });

	test("similarity from the image's colours and the prompt's colour words; nulls kept", async () => {
		const { json } = await compare({
			prompt: ['a red square', 'a blue square', 'a photo of a dog'],
		});
		expect(json).toEqual({
			inference_id: null,
			frame_id: null,
			similarity: [0.3, 0.15, expect.any(Number)],
			time: expect.any(Number),
			parent_id: null,
		});
		expect(json.similarity[2]).toBeGreaterThanOrEqual(0.13);
		expect(json.similarity[2]).toBeLessThanOrEqual(0.17);
		const again = await compare({ prompt: ['a photo of a dog', 'a photo of a cat'] });
		expect(again.json.similarity[0]).toBe(json.similarity[2]);
		expect(again.json.similarity[1]).not.toBe(json.similarity[2]);
	});

	test('a share of the pixels counts; more than 8 labels is a 500 (the node sends groups of 8)', async () => {
		const half = image(
			makeShapesPng({ width: 40, height: 40, rects: [rect('blue', 0, 0, 20, 40)] }),
		);
		expect(
			(await post(server, '/clip/compare', { subject: half, prompt: 'blue' })).json.similarity,
		).toEqual([0.225]);
		expect(await compare({ prompt: Array(9).fill('red') })).toMatchObject({
			status: 500,
			json: { message: 'Internal error.' },
		});
		expect(detail(await compare({ prompt: undefined }))).toEqual([
			422,
			'missing body.prompt Field required',
		]);
	});
});

describe('YOLO-World', () => {
	test('boxes of the things whose colour a text entry names: class = the entry, class_id = its index, lower confidence', async () => {
		const server = await startServer();
		const { json } = await post(server, '/yolo_world/infer', {
			image: image(),
			text: ['red', 'dog', 'blue thing', 'yellow'],
		});
		expect(json).toEqual({
			image: { width: 100, height: 100 },
			predictions: [
				{
					x: 20,
					y: 20,
					width: 20,
					height: 20,
					confidence: 0.57,
					class: 'red',
					class_id: 0,
					detection_id: expect.stringMatching(UUID),
				},
				{
					x: 70,
					y: 22,
					width: 20,
					height: 20,
					confidence: 0.57,
					class: 'blue thing',
					class_id: 2,
					detection_id: expect.any(String),
				},
			],
			time: expect.any(Number),
		});
		const low = await post(server, '/yolo_world/infer', {
			image: image(),
			text: ['yellow'],
			confidence: 0.3,
		});
		expect(low.json.predictions.map((p: Json) => [p.class, p.confidence])).toEqual([
			['yellow', 0.342],
		]);
		expect(
			detail(await post(server, '/yolo_world/infer', { image: image(), text: 'red' })),
		).toEqual([422, 'list_type body.text Input should be a valid list']);
	});
});

describe('SAM 3', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const segment = (body: Json) =>
		post(server, '/sam3/concept_segment', { image: image(), ...body });

	test('per prompt: polygons of boundary pixels (the box +1 wide)', async () => {
		const { json } = await segment({
			prompts: [{ type: 'text', text: 'red' }, { text: 'green or blue' }, { text: 'a dog' }],
		});
		expect(Object.keys(json).join()).toBe('prompt_results,time');
		expect(json.prompt_results[0]).toEqual({
			prompt_index: 0,
			predictions: [
				{
					masks: [
						[
							[10, 10],
							[10, 29],
							[29, 29],
							[29, 10],
						],
					],
					confidence: 0.95,
					format: 'polygon',
				},
			],
		});
		expect(json.prompt_results.map((r: Json) => r.predictions.length)).toEqual([1, 2, 0]);
	});

	test.each`
		thresholds                                                          | count
		${{}}                                                               | ${1}
		${{ output_prob_thresh: 0 }}                                        | ${1}
		${{ output_prob_thresh: null }}                                     | ${1}
		${{ output_prob_thresh: 0.6 }}                                      | ${0}
		${{ output_prob_thresh: 0.6, prompt: { output_prob_thresh: 0.3 } }} | ${1}
	`(
		'the faint yellow (0.57) with $thresholds: $count',
		async ({ thresholds: { prompt, ...body }, count }) => {
			const { json } = await segment({ prompts: [{ text: 'yellow', ...prompt }], ...body });
			expect(json.prompt_results[0].predictions).toHaveLength(count);
		},
	);
});

describe('OCR', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('DocTR: the rectangles read in rows; with boxes, words, lines and the block, confidence 1 and no text', async () => {
		expect((await post(server, '/doctr/ocr', { image: image() })).json).toEqual({
			result: 'red blue\ngreen yellow',
			time: expect.any(Number),
			parent_id: null,
		});
		const boxed = (
			await post(server, '/doctr/ocr', { image: image(), generate_bounding_boxes: true })
		).json;
		expect(Object.keys(boxed).join()).toBe('result,image,predictions,time,parent_id');
		expect(
			boxed.predictions.map((p: Json) => `${p.class}:${p.class_id}:${p.confidence}`).join(' '),
		).toBe('word:2:1 word:2:1 line:1:1 word:2:1 word:2:1 line:1:1 block:0:1');
		expect(boxed.predictions[2]).toMatchObject({ x: 45, y: 21, width: 70, height: 22 });
		expect((await post(server, '/doctr/ocr', { image: solid('blue') })).json.result).toBe('');
	});

	test('EasyOCR: words joined by spaces, a box per word with its text and confidence', async () => {
		const { json } = await post(server, '/easy_ocr/ocr', {
			image: image(),
			easy_ocr_version_id: 'english_g2',
			language_codes: ['en'],
		});
		expect(json).toMatchObject({
			result: 'red blue green yellow',
			image: { width: 100, height: 100 },
			parent_id: null,
		});
		expect(
			json.predictions.map((p: Json) => `${p.class}:${p.class_id}:${p.confidence}`).join(' '),
		).toBe('red:0:0.95 blue:0:0.95 green:0:0.95 yellow:0:0.57');
		expect(
			detail(await post(server, '/easy_ocr/ocr', { image: image(), language_codes: 'en' })),
		).toEqual([422, 'list_type body.language_codes Input should be a valid list']);
	});
});

describe('Florence-2 on /infer/lmm', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const lmm = (prompt: unknown, extra: Json = {}) =>
		post(server, '/infer/lmm', { model_id: 'florence-2-base', image: image(), prompt, ...extra });
	const value = async (prompt: string, extra?: Json) =>
		Object.values((await lmm(prompt, extra)).json.response)[0] as never;

	test('captions describe the rectangles, longer for the detailed tasks; the answer is keyed by the task', async () => {
		const { json } = await lmm('<CAPTION>');
		expect(json).toEqual({
			inference_id: expect.any(String),
			image: { width: 100, height: 100 },
			response: {
				'<CAPTION>':
					'A red rectangle, a blue rectangle, a green rectangle and a yellow rectangle on a white background.',
			},
			time: expect.any(Number),
		});
		const detailed: string = await value('<DETAILED_CAPTION>');
		const more: string = await value('<MORE_DETAILED_CAPTION>');
		expect(detailed).toContain('a red rectangle at the top left');
		expect(more).toContain('a green rectangle at the bottom left, 30 by 20 pixels');
		expect(more).toMatch(/ and a yellow rectangle at the bottom right, 20 by 20 pixels\.$/);
		expect(more.length).toBeGreaterThan(detailed.length);
		expect(await value('<CAPTION>', { image: solid('blue') })).toBe('A plain blue image.');
	});

	test('OCR, objects (corner boxes), phrase grounding; a prompt without a token is keyed by itself and ">"', async () => {
		expect(await value('<OCR>')).toBe('red blue\ngreen yellow');
		expect(await value('<OD>')).toEqual({
			bboxes: [
				[10, 10, 30, 30],
				[60, 12, 80, 32],
				[30, 60, 60, 80],
				[70, 70, 90, 90],
			],
			labels: ['red', 'blue', 'green', 'yellow'],
		});
		expect(await value('<CAPTION_TO_PHRASE_GROUNDING>the blue box')).toEqual({
			bboxes: [[60, 12, 80, 32]],
			labels: ['the blue box'],
		});
		expect(Object.keys((await lmm('What colour is it?')).json.response)).toEqual([
			'What colour is it?>',
		]);
	});

	test.each`
		model                     | status
		${'florence-2-large'}     | ${200}
		${'florence-pretrains/3'} | ${200}
		${'shape-captions/1'}     | ${200}
		${'florence-9'}           | ${404}
		${'shapes/1'}             | ${404}
	`('model $model: $status', async ({ model, status }) => {
		expect((await lmm('<CAPTION>', { model_id: model })).status).toBe(status);
	});

	test('model_id is required (422); a list image or no prompt is a 500', async () => {
		expect(detail(await post(server, '/infer/lmm', { image: image(), prompt: '<OD>' }))).toEqual([
			422,
			'missing body.model_id Field required',
		]);
		expect((await lmm('<OD>', { image: [image()] })).status).toBe(500);
		expect((await lmm(undefined)).status).toBe(500);
	});
});

describe('every foundation route: keys, image URLs, faults, records', () => {
	test.each([
		'/clip/compare',
		'/yolo_world/infer',
		'/sam3/concept_segment',
		'/doctr/ocr',
		'/easy_ocr/ocr',
		'/infer/lmm',
	])('%s', async (path) => {
		const server = await startServer();
		const body = {
			subject: image(),
			prompt: 'red',
			text: ['red'],
			prompts: [{ text: 'red' }],
			...(path === '/infer/lmm' && { model_id: 'florence-2-base' }),
		};
		const answers = [
			await ask(server, path, { body: { ...body, image: image() } }),
			await ask(server, path, { body: { ...body, image: image(), api_key: 'k' } }),
			await ask(server, path, {
				body: {
					...body,
					subject: { type: 'url', value: 'http://example.com/a.png' },
					image: { type: 'url', value: 'http://example.com/a.png' },
				},
				headers: { Authorization: 'Bearer k' },
			}),
		];
		expect(answers.map((a) => a.status)).toEqual([401, 200, 400]);
		expect(answers[2].json.message).toMatch(
			/^Could not load input image\. Cause: Providing images via non https/,
		);
		expect(server.stats.calls.map((c) => `${c.route} ${c.model} ${c.keySource}`)).toEqual([
			`${path === '/clip/compare' ? 'clip' : path.split('/')[1].replace('infer', 'lmm')} ${path.slice(1)} none`,
			expect.stringMatching(/ body$/),
			expect.stringMatching(/ header$/),
		]);
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, retryAfter: 1 }], capacity: 5 });
		const retried = [
			await ask(server, `${path}?api_key=k`, { body: { ...body, image: image() } }),
			await ask(server, `${path}?api_key=k`, { body: { ...body, image: image() } }),
		];
		expect(retried.map((a) => `${a.status} ${a.retryAfter}`)).toEqual(['503 1', '200 null']);
	});
});
