/** The local server's pixel detector and its model route over HTTP (docs/roboflow-api.md §3-§5). */
import type { ShapeRect } from '../../tools/images';
import { SHAPE_CLASSES, SHAPE_PALETTE } from '../../tools/images';
import {
	analyseImage,
	COLOURS,
	decodeImage,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
	postProcess,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, gate, useServers, when } from '../harness/localServer';

const startServer = useServers();

/** The detector's rectangles: colour, top left, size, confidence. */
const boxesOf = (bytes: Buffer) =>
	analyseImage(decodeImage(bytes), SHAPE_PALETTE).shapes.map((s) => ({
		colour: SHAPE_CLASSES[s.classIndex],
		x: s.x0,
		y: s.y0,
		width: s.x1 - s.x0,
		height: s.y1 - s.y0,
		confidence: s.confidence,
	}));
const rect = (
	colour: ShapeRect['colour'],
	x: number,
	y: number,
	width: number,
	height = width,
) => ({ colour, x, y, width, height });
const six = SHAPE_CLASSES.map((colour, i) =>
	rect(colour, 5 + (i % 3) * 32, 8 + Math.floor(i / 3) * 45, 20 + i, 15 + 2 * i),
);

describe('pixel detector', () => {
	test.each(['white', 'black', 'grey'] as const)(
		'every class on %s: exact boxes, 0.95',
		(background) => {
			const found = boxesOf(makeShapesPng({ width: 100, height: 100, background, rects: six }));
			expect(found).toEqual(expect.arrayContaining(six.map((r) => ({ ...r, confidence: 0.95 }))));
			expect(found).toHaveLength(6);
		},
	);

	test('a noisy JPEG: the same boxes within two pixels, confidence a little lower', () => {
		const found = boxesOf(
			makeShapesJpeg({ width: 100, height: 100, rects: six, noise: 18, seed: 7, quality: 80 }),
		);
		for (const r of six) {
			const box = found.find((f) => f.colour === r.colour)!;
			for (const key of ['x', 'y', 'width', 'height'] as const)
				expect(Math.abs(box[key] - r[key])).toBeLessThanOrEqual(2);
			expect(box.confidence).toBeGreaterThan(0.85);
			expect(box.confidence).toBeLessThanOrEqual(0.95);
		}
	});

	test("post-processing: above the threshold, per-class NMS, Python's max_detections slicing", () => {
		const shape = (x0: number, confidence: number, classIndex = 0) => ({
			x0,
			y0: x0,
			x1: x0 + 40,
			y1: x0 + 40,
			confidence,
			classIndex,
		});
		const [a, b, other] = [shape(10, 0.9), shape(20, 0.8), shape(20, 0.8, 1)]; // IoU(a, b) = 0.39
		expect(postProcess([a, b, other], 0.4, 0.3, 300)).toEqual([a, other]);
		expect(postProcess([a, b], 0.4, 0.5, 300)).toEqual([a, b]);
		expect(postProcess([a, b], 0.8, 0.5, 300)).toEqual([a]);
		expect(postProcess([a, other], 0.4, 0.3, -1)).toEqual([a]);
		expect(postProcess([a, other], 0.4, 0.3, 0)).toEqual([]);
	});
});

// Two overlapping reds (one after NMS) and a blue.
const scene = makeShapesPng({
	width: 100,
	height: 100,
	rects: [rect('red', 10, 10, 40), rect('red', 20, 20, 40), rect('blue', 70, 60, 20, 30)],
});
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const infer = (server: Server, path: string, bytes = scene) =>
	ask(server, path, { body: bytes.toString('base64'), headers: form });
const cause = (text: string) => ({
	status: 400,
	json: { message: `Could not load input image. Cause: ${text}` },
});

describe('model route: answers', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test.each([
		['overlap=0.5', 3],
		['overlap=50', 3], // >= 1 is a percentage
		['max_detections=1', 1],
		['confidence=0.96', 0],
		['confidence=96', 0],
		['confidence=1', 2], // 1 is 1 %: everything above 0.01
		['confidence=0', 2], // raised to 0.01
		['classes=blue', 2], // not a parameter of Inference's
		['format=png', 2], // any other format is json
	])('%s: %i predictions', async (query, count) => {
		expect((await infer(server, `/shapes/1?api_key=k&${query}`)).json.predictions).toHaveLength(
			count,
		);
	});

	test('a number that does not parse: 422 {detail} naming the parameter', async () => {
		const { status, json } = await infer(
			server,
			'/shapes/1?api_key=k&confidence=high&max_detections=1.5',
		);
		expect([status, json.detail.map((issue: Json) => issue.loc.join('.')).join()]).toEqual([
			422,
			'query.confidence,query.max_detections',
		]);
	});
});

describe('model route: image input', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const post = (
		body: Buffer | string,
		headers: Record<string, string> = { 'Content-Type': 'text/plain' },
	) => ask(server, '/colors/1?api_key=k', { body, headers, method: 'POST' });

	test.each([
		['an empty body', '', 'Empty image payload.'],
		['base64 of text', 'aGVsbG8=', 'Malformed base64 input image.'],
	])('%s: 400', async (_name, body, text) => {
		expect(await post(body)).toMatchObject(cause(text));
	});

	test('relaxed as a self-hosted server: http and IP hosts downloaded; a missing file is a 400', async () => {
		const relaxed = await startServer({ allowNonHttpsUrls: true, allowUrlsWithoutFqdn: true });
		const url = (name: string) =>
			`/colors/1?api_key=k&image=${encodeURIComponent(`${relaxed.url}/images/${name}`)}`;
		relaxed.addImage('blue.png', makePng(8, 8, COLOURS.blue));
		expect((await ask(relaxed, url('blue.png'))).json.top).toBe('blue');
		expect(await ask(relaxed, url('none.png'))).toMatchObject(
			cause('Data pointed by URL could not be decoded into image.'),
		);
	});
});

describe('model route: limits, records, faults', () => {
	test('the record keeps the query, the body size and the status', async () => {
		const server = await startServer();
		const big = makePng(40, 40, COLOURS.red, { noise: 40 });
		await infer(server, '/colors/1?api_key=nope&confidence=0.99', big);
		const record = {
			method: 'POST',
			route: 'model',
			model: 'colors/1',
			query: { api_key: 'nope', confidence: '0.99' },
			bodyBytes: big.toString('base64').length,
			status: 401,
		};
		expect(server.stats.calls).toEqual([expect.objectContaining(record)]);
	});

	test('firstAttempt with failAttempts: a picked image fails that many times (503, Retry-After), then succeeds', async () => {
		const server = await startServer();
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, failAttempts: 2, retryAfter: 1 }] });
		const first = await infer(server, '/shapes/1?api_key=k');
		expect([first.status, first.retryAfter, first.json.message]).toEqual([
			503,
			'1',
			'Model is temporarily not ready - retry request.',
		]);
		const statuses = [];
		for (let i = 0; i < 3; i++) statuses.push((await infer(server, '/shapes/1?api_key=k')).status);
		expect(statuses).toEqual([503, 200, 200]);
		expect(server.stats).toMatchObject({
			requests: 4,
			repeats: 3,
			injected: { 503: 2, 429: 0, drop: 0, other: 0 },
			statuses: { 200: 2, 503: 2 },
		});
		expect(server.stats.contentTypes).toEqual({ 'application/x-www-form-urlencoded': 4 });
	});

	test('when: a fault for one image by its size, or for a query value', async () => {
		const server = await startServer();
		const other = makeShapesPng({ width: 30, height: 30, rects: [] });
		const when = (call: { bodyBytes: number; url: URL }) =>
			call.bodyBytes === other.toString('base64').length ||
			call.url.searchParams.get('confidence') === '0.9';
		server.setFaults({ always: { kind: 'status', status: 418, when } });
		const answers = [
			await infer(server, '/shapes/1?api_key=k'),
			await infer(server, '/shapes/1?api_key=k', other),
			await infer(server, '/shapes/1?api_key=k&confidence=0.9'),
		];
		expect(answers.map((a) => a.status)).toEqual([200, 418, 418]);
		expect(server.stats.injected.other).toBe(2);
	});

	test('capacity: beyond K in flight a request is 429 at once (Retry-After 1); held answers go out when released', async () => {
		const server = await startServer();
		const release = gate();
		server.setFaults({ capacity: 1, hold: () => release.opened });
		const held = infer(server, '/colors/1?api_key=k', makePng(8, 8, COLOURS.red));
		await when(server, 'request');
		const refused = await infer(server, '/colors/1?api_key=k', makePng(8, 8, COLOURS.blue));
		expect([refused.status, refused.retryAfter]).toEqual([429, '1']);
		release.open();
		expect((await held).json.top).toBe('red');
		expect(server.stats).toMatchObject({ requests: 2, rateLimited: 1, maxInFlight: 2 });
		expect(server.stats.calls.map((call) => call.status)).toEqual([200, 429]);
	});

	test('events: a dropped request arrives and closes without an answer', async () => {
		const server = await startServer();
		server.setFaults({ always: { kind: 'drop' } });
		const closed = when(server, 'close');
		await expect(infer(server, '/colors/1?api_key=k')).rejects.toThrow();
		expect([(await closed).status, server.stats.injected.drop]).toEqual([undefined, 1]);
	});

	test("header-only (the benchmark's): the true size from the start of a large body", async () => {
		const server = await startServer({ headerOnly: true });
		const image = makePng(300, 200, COLOURS.green, { noise: 30 });
		expect((await infer(server, '/colors/1?api_key=k', image)).json).toMatchObject({
			image: { width: 300, height: 200 },
			top: expect.stringMatching(/^(red|green|blue)$/),
		});
		expect(
			(await ask(server, '/colors/1?api_key=k', { body: 'not base64!', headers: form })).status,
		).toBe(400);
	});
});
