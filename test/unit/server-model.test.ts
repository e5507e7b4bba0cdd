/** The local server's pixel detector and its model route over HTTP (docs/roboflow-api.md §3-§5). */
import type { ShapeRect } from '../../tools/images';
import {
	COLOURS,
	expectedBox,
	makeJpeg,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
	SHAPE_CLASSES,
	SHAPE_PALETTE,
} from '../../tools/images';
import { analyseImage, decodeImage, postProcess } from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, gate, useServers, when } from '../harness/localServer';

const startServer = useServers();

const boxesOf = (bytes: Buffer) =>
	analyseImage(decodeImage(bytes), SHAPE_PALETTE).shapes.map((s) => ({
		class: SHAPE_CLASSES[s.classIndex],
		...expectedBox({ x: s.x0, y: s.y0, width: s.x1 - s.x0, height: s.y1 - s.y0 }),
		confidence: s.confidence,
	}));

const six: ShapeRect[] = SHAPE_CLASSES.map((colour, i) => ({
	colour,
	x: 5 + (i % 3) * 32,
	y: 8 + Math.floor(i / 3) * 45,
	width: 20 + i,
	height: 15 + 2 * i,
}));

describe('pixel detector', () => {
	test.each(['white', 'black', 'grey'] as const)(
		'every class on %s: exact boxes, 0.95',
		(background) => {
			const found = boxesOf(makeShapesPng({ width: 100, height: 100, background, rects: six }));
			expect(found).toHaveLength(6);
			for (const rect of six)
				expect(found).toContainEqual({
					class: rect.colour,
					...expectedBox(rect),
					confidence: 0.95,
				});
		},
	);

	test('a noisy JPEG: the same boxes within a pixel or two, confidence a little lower', () => {
		const found = boxesOf(
			makeShapesJpeg({ width: 100, height: 100, rects: six, noise: 18, seed: 7, quality: 80 }),
		);
		for (const rect of six) {
			const box = found.find((f) => f.class === rect.colour)!;
			const expected = expectedBox(rect);
			for (const key of ['x', 'y', 'width', 'height'] as const)
				expect(Math.abs(box[key] - expected[key])).toBeLessThanOrEqual(2);
			expect(box.confidence).toBeGreaterThan(0.85);
			expect(box.confidence).toBeLessThanOrEqual(0.95);
		}
	});

	test('confidence follows opacity; a plain noisy background has nothing', () => {
		const faint = makeShapesPng({
			width: 60,
			height: 30,
			rects: [{ colour: 'blue', x: 5, y: 5, width: 20, height: 20, opacity: 0.6 }],
		});
		expect(boxesOf(faint).map((b) => b.confidence)).toEqual([expect.closeTo(0.57, 2)]);
		expect(boxesOf(makeShapesPng({ width: 40, height: 40, rects: [], noise: 20 }))).toEqual([]);
	});

	test('overlapping same-colour rectangles come back as each rectangle; a cross as two bars', () => {
		const a = { colour: 'red' as const, x: 10, y: 10, width: 40, height: 40 };
		const b = { ...a, x: 20, y: 20 };
		expect(boxesOf(makeShapesPng({ width: 80, height: 80, rects: [a, b] }))).toEqual([
			{ class: 'red', ...expectedBox(a), confidence: 0.95 },
			{ class: 'red', ...expectedBox(b), confidence: 0.95 },
		]);
		const bars = [
			{ colour: 'green' as const, x: 5, y: 30, width: 70, height: 12 },
			{ colour: 'green' as const, x: 30, y: 5, width: 14, height: 70 },
		];
		expect(boxesOf(makeShapesJpeg({ width: 80, height: 80, rects: bars }))).toHaveLength(2);
	});

	test("post-processing: strictly above the threshold, per-class NMS, Python's max_detections slicing", () => {
		const shape = (x0: number, confidence: number, classIndex = 0) => ({
			x0,
			y0: x0,
			x1: x0 + 40,
			y1: x0 + 40,
			confidence,
			classIndex,
		});
		const [a, b, other] = [shape(10, 0.9), shape(20, 0.8), shape(20, 0.8, 1)]; // IoU of a and b: 0.39
		expect(postProcess([a, b, other], 0.4, 0.3, 300)).toEqual([a, other]);
		expect(postProcess([a, b], 0.4, 0.5, 300)).toEqual([a, b]);
		expect(postProcess([a, b], 0.8, 0.5, 300)).toEqual([a]);
		expect(postProcess([a, other], 0.4, 0.3, -1)).toEqual([a]);
		expect(postProcess([a, other], 0.4, 0.3, 0)).toEqual([]);
	});
});

const red = { colour: 'red' as const, x: 10, y: 10, width: 40, height: 40 };
const red2 = { ...red, x: 20, y: 20 };
const blue = { colour: 'blue' as const, x: 70, y: 60, width: 20, height: 30 };
const scene = makeShapesPng({ width: 100, height: 100, rects: [red, red2, blue] });
const base64 = (bytes: Buffer) => ({
	body: bytes.toString('base64'),
	headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});
const infer = (
	server: Server,
	path: string,
	bytes: Buffer = scene,
	headers?: Record<string, string>,
) => ask(server, path, { ...base64(bytes), ...(headers ? { headers } : {}) });

describe('model route: answers', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('object detection: centre boxes, class, class_id, detection_id; NMS keeps one red', async () => {
		const { json } = await infer(server, '/shapes/1?api_key=k');
		expect(json).toEqual({
			inference_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			time: expect.any(Number),
			image: { width: 100, height: 100 },
			predictions: [
				{
					...expectedBox(red),
					confidence: 0.95,
					class: 'red',
					class_id: 0,
					detection_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
				},
				{
					...expectedBox(blue),
					confidence: 0.95,
					class: 'blue',
					class_id: 2,
					detection_id: expect.any(String),
				},
			],
		});
	});

	test.each([
		['overlap=0.5', 3],
		['overlap=50', 3], // >= 1 is a percentage
		['max_detections=1', 1],
		['confidence=0.96', 0],
		['confidence=96', 0],
		['confidence=1', 2], // 1 is 1 %: everything above 0.01
		['confidence=0', 2], // floor 0.01
		['classes=blue', 2], // not a parameter of Inference's: ignored
		['format=png', 2], // any other format is json
	])('%s: %i predictions', async (query, count) => {
		const { status, json } = await infer(server, `/shapes/1?api_key=k&${query}`);
		expect(status).toBe(200);
		expect(json.predictions).toHaveLength(count);
	});

	test('instance segmentation: the outline as points', async () => {
		const [polygon] = (await infer(server, '/shapes-seg/1?api_key=k')).json.predictions;
		expect(polygon).toMatchObject({ ...expectedBox(red), mask_format: 'polygon' });
		expect(polygon.points).toEqual([
			{ x: 10, y: 10 },
			{ x: 50, y: 10 },
			{ x: 50, y: 50 },
			{ x: 10, y: 50 },
		]);
	});

	test('keypoints: corners and centre; a covered corner is left out; confidence=best is a 500', async () => {
		const rects: ShapeRect[] = [
			{ colour: 'green', x: 10, y: 10, width: 30, height: 30 },
			{ colour: 'blue', x: 5, y: 5, width: 8, height: 8 },
		];
		const { predictions } = (
			await infer(
				server,
				'/shapes-pose/1?api_key=k',
				makeShapesPng({ width: 60, height: 60, rects }),
			)
		).json;
		const green = predictions.find((p: Json) => p.class === 'green');
		expect(green.keypoints.map((k: Json) => k.class)).toEqual([
			'top_right',
			'bottom_right',
			'bottom_left',
			'center',
		]);
		expect(green.keypoints[0]).toEqual({
			x: 40,
			y: 10,
			confidence: green.confidence,
			class_id: 1,
			class: 'top_right',
		});
		expect(await infer(server, '/shapes-pose/1?api_key=k&confidence=best')).toMatchObject({
			status: 500,
			json: { message: 'Internal error.' },
		});
	});

	test.each([
		[
			'red',
			{
				top: 'red',
				predictions: [{ class: 'red', class_id: 0, confidence: 0.9949 }],
			},
		],
		['blue', { top: 'blue', confidence: 0.9939 }],
	] as const)('single-label classification of a %s image', async (colour, expected) => {
		expect(
			(await infer(server, '/colors/1?api_key=k', makePng(16, 16, COLOURS[colour]))).json,
		).toMatchObject(expected);
	});

	test('nothing above the threshold: empty single-label answer; multi-label lists every class', async () => {
		const image = makePng(16, 16, COLOURS.white);
		expect((await infer(server, '/colors/1?api_key=k&confidence=0.9', image)).json).toMatchObject({
			predictions: [],
			top: '',
			confidence: 0,
		});
		const tones = (await infer(server, '/tones/1?api_key=k', image)).json;
		expect(Object.keys(tones.predictions)).toEqual(['bright', 'dark', 'colourful']);
		expect(tones.predicted_classes).toEqual(['bright']);
	});
});

describe('model route: annotated images', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const pixel = (image: ReturnType<typeof decodeImage>, x: number, y: number) =>
		Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
	const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

	test('format=image: a JPEG of the same size with each box drawn in #4892EA on its edge', async () => {
		const { status, type, bytes } = await infer(server, '/shapes/1?api_key=k&format=image');
		expect([status, type]).toEqual([200, 'image/jpeg']);
		const [drawn, input] = [decodeImage(bytes), decodeImage(scene)];
		expect([drawn.width, drawn.height]).toEqual([100, 100]);
		for (const [x, y] of [
			[30, 10],
			[70, 75],
		])
			expect(distance(pixel(drawn, x, y), [0x48, 0x92, 0xea])).toBeLessThan(40);
		expect(distance(pixel(drawn, 95, 5), pixel(input, 95, 5))).toBeLessThan(20);
	});

	test('format=image_and_json: the JSON plus a bare base64 JPEG', async () => {
		const { json } = await infer(server, '/shapes-pose/1?api_key=k&format=image_and_json');
		expect(json.predictions).toHaveLength(2);
		expect(decodeImage(Buffer.from(json.visualization, 'base64')).width).toBe(100);
	});

	test('classification draws the top class; with none above the threshold Inference fails: 500', async () => {
		const image = makePng(40, 30, COLOURS.red);
		expect(
			decodeImage((await infer(server, '/colors/1?api_key=k&format=image', image)).bytes).height,
		).toBe(30);
		expect(
			Buffer.from(
				(await infer(server, '/tones/1?api_key=k&format=image_and_json', image)).json.visualization,
				'base64',
			).subarray(0, 2),
		).toEqual(Buffer.from([0xff, 0xd8]));
		expect(
			await infer(server, '/colors/1?api_key=k&format=image&confidence=0.999', image),
		).toMatchObject({ status: 500, json: { message: 'Internal error.' } });
	});
});

describe('model route: image input', () => {
	const cause = (text: string) => ({
		status: 400,
		json: { message: `Could not load input image. Cause: ${text}` },
	});
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test.each([
		['an empty body', '', cause('Empty image payload.')],
		['text that is not base64 of an image', 'aGVsbG8=', cause('Malformed base64 input image.')],
		['one character too many', 'aGVsbG8=x', cause('Malformed base64 input image.')],
		[
			'raw PNG bytes',
			makePng(4, 4, COLOURS.red),
			cause(
				'Invalid base64 input: the image payload contains raw bytes instead of a base64-encoded string. Please base64-encode the image before sending.',
			),
		],
	])('%s: 400', async (_name, body, expected) => {
		expect(
			await ask(server, '/colors/1?api_key=k', { body, headers: { 'Content-Type': 'text/plain' } }),
		).toMatchObject(expected);
	});

	test('a data: prefix is stripped; no Content-Type is a 400', async () => {
		const image = makeJpeg(8, 8, COLOURS.green);
		expect(
			(
				await ask(server, '/colors/1?api_key=k', {
					body: `data:image/jpeg;base64,${image.toString('base64')}`,
					headers: { 'Content-Type': 'application/json' },
				})
			).json.top,
		).toBe('green');
		expect(await ask(server, '/colors/1?api_key=k', { method: 'POST' })).toMatchObject({
			status: 400,
			json: { message: 'Content-Type header not provided with request.' },
		});
	});

	const nonHttps = cause(
		'Providing images via non https:// URL is not supported in this configuration of `inference`.',
	);
	const noFqdn = cause(
		'Providing images via URL without FQDN is not supported in this configuration of `inference`.',
	);
	test.each([
		['http://', 'http://images.example.com/x.png', nonHttps],
		['ftp://', 'ftp://images.example.com/x.png', nonHttps],
		['an IP address', 'https://127.0.0.1/x.png', noFqdn],
		['localhost', 'https://localhost/x.png', noFqdn],
		['IPv6', 'https://[::1]/x.png', noFqdn],
		['a single label', 'https://images/x.png', noFqdn],
		['not a URL', 'not a url', cause('Provided image URL is invalid')],
	])('image= URL refused on hosted deployments: %s', async (_name, imageUrl, expected) => {
		expect(
			await ask(server, `/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`),
		).toMatchObject(expected);
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

describe('model route: keys, by deployment', () => {
	const image = makePng(8, 8, COLOURS.green);
	const inference =
		'Unauthorized access to roboflow API - check API key and make sure the key is valid for workspace you use.';
	const scopes =
		'Unauthorized access to roboflow API - check API key and make sure the key is valid and have required scopes.';
	test.each([
		['legacy', '', 401, { message: 'Unauthorized api_key' }],
		['legacy', 'api_key=nope', 403, { message: 'Forbidden' }],
		['legacy', 'api_key=limited', 403, { message: 'Forbidden' }],
		['inference', '', 401, { message: expect.stringContaining(inference) }],
		['inference', 'api_key=nope', 401, { message: expect.stringContaining(inference) }],
		['inference', 'api_key=limited', 403, { message: expect.stringContaining(scopes) }],
		['serverless', '', 401, { status: 401, message: 'Unauthorized api_key' }],
		[
			'serverless',
			'api_key=nope',
			401,
			{
				status: 401,
				message: 'Unauthorized api_key. This key is not authorized for serverless inference.',
			},
		],
		['serverless', 'api_key=limited', 403, { message: expect.stringContaining(scopes) }],
	] as const)('%s, %s: %i', async (auth, query, status, body) => {
		const server = await startServer({ auth, modelAccess: { limited: ['colors/1'] } });
		expect(await infer(server, `/tones/1?${query}`, image)).toEqual(
			expect.objectContaining({ status, json: body }),
		);
		expect((await infer(server, '/colors/1?api_key=limited', image)).json.top).toBe('green');
	});

	test("an unknown model: Roboflow's 404; its key is checked first", async () => {
		const server = await startServer({ auth: 'inference' });
		expect(await infer(server, '/nope/1?api_key=k')).toMatchObject({
			status: 404,
			json: { message: expect.stringMatching(/^Requested Roboflow resource not found/) },
		});
		expect((await infer(server, '/nope/1?api_key=x')).status).toBe(401);
	});
});

describe('model route: limits, records, faults', () => {
	test('a body over maxBodyBytes: 413 before the key check; the record keeps query and size', async () => {
		const server = await startServer({ maxBodyBytes: 1000 });
		const big = makePng(40, 40, COLOURS.red, { noise: 40 });
		expect(await infer(server, '/colors/1?api_key=nope&confidence=0.99', big)).toMatchObject({
			status: 413,
			json: { message: expect.stringMatching(/too large/) },
		});
		expect(server.stats.calls).toEqual([
			expect.objectContaining({
				method: 'POST',
				route: 'model',
				model: 'colors/1',
				query: { api_key: 'nope', confidence: '0.99' },
				bodyBytes: big.toString('base64').length,
				status: 413,
			}),
		]);
		expect(server.stats.contentTypes).toEqual({});
	});

	test('firstAttempt with failAttempts: a picked image fails that many times, then succeeds (503 with Retry-After)', async () => {
		const server = await startServer();
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, failAttempts: 2, retryAfter: 1 }] });
		const first = await infer(server, '/shapes/1?api_key=k');
		expect([first.status, first.retryAfter, first.json]).toEqual([
			503,
			'1',
			{ message: 'Model is temporarily not ready - retry request.' },
		]);
		const rest = [];
		for (let i = 0; i < 3; i++) rest.push((await infer(server, '/shapes/1?api_key=k')).status);
		expect(rest).toEqual([503, 200, 200]);
		expect(server.stats).toMatchObject({
			requests: 4,
			repeats: 3,
			injected: { 503: 2, 429: 0, drop: 0, other: 0 },
			statuses: { 200: 2, 503: 2 },
		});
		expect(server.stats.contentTypes).toEqual({ 'application/x-www-form-urlencoded': 4 });
	});

	test('when: a fault for one image by body size, or for a query value', async () => {
		const server = await startServer();
		const other = makeShapesPng({ width: 30, height: 30, rects: [] });
		server.setFaults({
			always: {
				kind: 'status',
				status: 418,
				message: 'teapot',
				when: (call) =>
					call.bodyBytes === other.toString('base64').length ||
					call.url.searchParams.get('confidence') === '0.9',
			},
		});
		const statuses = [
			await infer(server, '/shapes/1?api_key=k'),
			await infer(server, '/shapes/1?api_key=k', other),
			await infer(server, '/shapes/1?api_key=k&confidence=0.9'),
		].map((a) => a.status);
		expect(statuses).toEqual([200, 418, 418]);
		expect(server.stats.injected.other).toBe(2);
	});

	test('capacity: a request beyond K in flight is 429 at once, with Retry-After; held answers go out when released', async () => {
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
		expect((await closed).status).toBeUndefined();
		expect(server.stats.injected.drop).toBe(1);
	});

	test("header-only (the benchmark's): the true size from the start of a large body, no decoding", async () => {
		const server = await startServer({ headerOnly: true });
		const image = makePng(300, 200, COLOURS.green, { noise: 30 });
		expect((await infer(server, '/colors/1?api_key=k', image)).json).toMatchObject({
			image: { width: 300, height: 200 },
			top: expect.stringMatching(/^(red|green|blue)$/),
		});
		expect(
			(
				await ask(server, '/colors/1?api_key=k', {
					body: 'not base64 at all!',
					headers: { 'Content-Type': 'text/plain' },
				})
			).status,
		).toBe(400);
	});
});
