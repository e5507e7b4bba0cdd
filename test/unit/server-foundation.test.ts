/**
 * The local server's foundation-model routes (docs/roboflow-api.md §11): the quirks the node
 * relies on. What each route answers for an image is asserted through the node (foundation.test.ts).
 */
import type { ShapeRect } from '../../tools/images';
import { COLOURS, makePng, makeShapesPng } from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, useServers } from '../harness/localServer';

const startServer = useServers();
const rect = (
	colour: ShapeRect['colour'],
	x: number,
	y: number,
	width = 20,
	height = width,
	opacity?: number,
) => ({ colour, x, y, width, height, opacity });
// A red square and a faint (0.57) yellow one.
const scene = makeShapesPng({
	width: 100,
	height: 100,
	rects: [rect('red', 10, 10), rect('yellow', 70, 70, 20, 20, 0.6)],
});
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

	test("similarity from the image's colours and the prompt's colour words", async () => {
		const { json } = await compare({
			prompt: ['a red square', 'a blue square', 'a photo of a dog'],
		});
		expect(json).toEqual({ similarity: [0.3, 0.15, expect.any(Number)], time: expect.any(Number) });
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

describe('SAM 3', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const segment = (body: Json) =>
		post(server, '/sam3/concept_segment', { image: image(), ...body });

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

describe('Florence-2 on /infer/lmm', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const lmm = (prompt: unknown, extra: Json = {}) =>
		post(server, '/infer/lmm', { model_id: 'florence-2-base', image: image(), prompt, ...extra });

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

	test('model_id is required (422); no prompt is a 500', async () => {
		expect(detail(await post(server, '/infer/lmm', { image: image(), prompt: '<OD>' }))).toEqual([
			422,
			'missing body.model_id Field required',
		]);
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
