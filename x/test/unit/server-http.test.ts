/** The local Roboflow server over HTTP: model tasks, annotated images, URL rules, auth styles, limits, stats. */
import {
	COLOURS,
	decodeImage,
	expectedBox,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
	MESSAGES,
	UPLOAD_LIMITS,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { useServers } from '../harness/localServer';

// The server's own defaults: legacy-style auth and texts.
const startServer = useServers({});

async function post(
	server: Server,
	path: string,
	body?: Buffer | string,
	headers: Record<string, string> = { 'Content-Type': 'application/json' },
) {
	const response = await fetch(`${server.url}${path}`, {
		method: 'POST',
		body: Buffer.isBuffer(body) ? body.toString('base64') : body,
		headers,
	});
	const type = response.headers.get('content-type') ?? '';
	const bytes = Buffer.from(await response.arrayBuffer());
	return {
		status: response.status,
		type,
		bytes,
		json: (type.includes('json') ? JSON.parse(bytes.toString()) : undefined) as Json,
	};
}

const red = { colour: 'red' as const, x: 10, y: 10, width: 40, height: 40 };
const red2 = { colour: 'red' as const, x: 20, y: 20, width: 40, height: 40 };
const blue = { colour: 'blue' as const, x: 70, y: 60, width: 20, height: 30 };
const scene = makeShapesPng({ width: 100, height: 100, rects: [red, red2, blue] });

describe('detection-style models', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('object detection: Roboflow fields, NMS by overlap, max_detections, confidence 1 = 0.01', async () => {
		// An empty body with the (default) legacy texts.
		expect(await post(server, '/shapes/1?api_key=k')).toMatchObject({
			status: 400,
			json: { message: 'Invalid base64 input' },
		});
		const answer = (await post(server, '/shapes/1?api_key=k', scene)).json;
		expect(answer).toMatchObject({
			image: { width: 100, height: 100 },
			inference_id: expect.any(String),
			time: expect.any(Number),
		});
		expect(answer.predictions).toEqual([
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
		]);
		expect(
			(await post(server, '/shapes/1?api_key=k&overlap=0.5', scene)).json.predictions,
		).toHaveLength(3);
		expect(
			(await post(server, '/shapes/1?api_key=k&overlap=50', scene)).json.predictions,
		).toHaveLength(3);
		expect(
			(await post(server, '/shapes/1?api_key=k&max_detections=1', scene)).json.predictions,
		).toHaveLength(1);
		expect(
			(await post(server, '/shapes/1?api_key=k&confidence=0.96', scene)).json.predictions,
		).toEqual([]);
		expect(
			(await post(server, '/shapes/1?api_key=k&confidence=1', scene)).json.predictions,
		).toHaveLength(2);
		expect(
			(await post(server, '/shapes/1?api_key=k&classes=blue', scene)).json.predictions,
		).toHaveLength(2);
	});

	test('instance segmentation: polygon points, or COCO RLE', async () => {
		const polygon = (await post(server, '/shapes-seg/1?api_key=k', scene)).json.predictions[0];
		expect(polygon).toMatchObject({
			mask_format: 'polygon',
			points: [
				{ x: 10, y: 10 },
				{ x: 50, y: 10 },
				{ x: 50, y: 50 },
				{ x: 10, y: 50 },
			],
		});
		const rle = (await post(server, '/shapes-seg/1?api_key=k&response_mask_format=rle', scene)).json
			.predictions[0];
		expect(rle.points).toBeUndefined();
		expect(rle).toMatchObject({ mask_format: 'rle', rle: { size: [100, 100] } });
		// Decode the COCO string (pycocotools' rleFrString) and check the run lengths.
		const counts: number[] = [];
		const text: string = rle.rle.counts;
		for (let p = 0; p < text.length; ) {
			let x = 0;
			let k = 0;
			let more = true;
			while (more) {
				const c = text.charCodeAt(p) - 48;
				x |= (c & 0x1f) << (5 * k);
				more = (c & 0x20) !== 0;
				p++;
				k++;
				if (!more && c & 0x10) x |= -1 << (5 * k);
			}
			if (counts.length > 2) x += counts[counts.length - 2];
			counts.push(x);
		}
		expect(counts.slice(0, 3)).toEqual([10 * 100 + 10, 40, 60]);
		expect(counts.reduce((a, b) => a + b, 0)).toBe(100 * 100);
		expect(
			(await post(server, '/shapes-seg/1?api_key=k&response_mask_format=png', scene)).status,
		).toBe(422);
	});

	test('keypoints: corners and centre; keypoint_confidence hides covered ones; confidence=best is a 500', async () => {
		const covered = makeShapesPng({
			width: 60,
			height: 60,
			rects: [
				{ colour: 'green', x: 10, y: 10, width: 30, height: 30 },
				{ colour: 'blue', x: 5, y: 5, width: 8, height: 8 },
			],
		});
		const [green] = (
			await post(server, '/shapes-pose/1?api_key=k', covered)
		).json.predictions.filter((p: Json) => p.class === 'green');
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
		const all = (await post(server, '/shapes-pose/1?api_key=k', scene)).json.predictions[0];
		expect(all.keypoints).toHaveLength(5);
		expect(
			(await post(server, '/shapes-pose/1?api_key=k&keypoint_confidence=0.96', scene)).json
				.predictions[0].keypoints,
		).toEqual([]);
		expect(await post(server, '/shapes-pose/1?api_key=k&confidence=best', scene)).toMatchObject({
			status: 500,
			json: { message: 'Internal error.' },
		});
	});
});

describe('annotated images', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer({ messages: 'inference' });
	});

	test('format=image: a JPEG of the same size with the box drawn on its edge', async () => {
		const { status, type, bytes } = await post(server, '/shapes/1?api_key=k&format=image', scene);
		expect(status).toBe(200);
		expect(type).toBe('image/jpeg');
		const drawn = decodeImage(bytes);
		expect([drawn.width, drawn.height]).toEqual([100, 100]);
		const input = decodeImage(scene);
		const at = (image: typeof input, x: number, y: number) =>
			Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
		const distance = (a: number[], b: number[]) =>
			Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
		// The red box's top edge (y = 10) and the blue box's left edge (x = 70); the box colour is #4892EA.
		for (const [x, y] of [
			[30, 10],
			[70, 75],
		]) {
			expect(distance(at(drawn, x, y), at(input, x, y))).toBeGreaterThan(60);
			expect(distance(at(drawn, x, y), [0x48, 0x92, 0xea])).toBeLessThan(40);
		}
		// Away from any box the picture is unchanged (up to JPEG).
		expect(distance(at(drawn, 95, 5), at(input, 95, 5))).toBeLessThan(20);
	});

	test('format=image_and_json: the JSON plus a bare base64 JPEG; other format values are json', async () => {
		const { json } = await post(
			server,
			'/shapes-seg/1?api_key=k&format=image_and_json&stroke=3&labels=true',
			scene,
		);
		expect(json.predictions).toHaveLength(2);
		expect(json.visualization).toMatch(/^\/9j\//);
		expect(decodeImage(Buffer.from(json.visualization, 'base64')).width).toBe(100);
		const plain = (await post(server, '/shapes/1?api_key=k&format=jpeg', scene)).json;
		expect(plain.visualization).toBeUndefined();
		expect(plain.predictions).toHaveLength(2);
	});

	test('classification: frame and top class drawn; 500 "Internal error." when no class passes', async () => {
		const image = makePng(40, 30, COLOURS.red);
		const drawn = await post(server, '/colors/1?api_key=k&format=image', image);
		expect(drawn.type).toBe('image/jpeg');
		expect(decodeImage(drawn.bytes).height).toBe(30);
		expect(
			(await post(server, '/tones/1?api_key=k&format=image_and_json', image)).json.visualization,
		).toEqual(expect.any(String));
		expect(
			await post(server, '/colors/1?api_key=k&format=image&confidence=0.999', image),
		).toMatchObject({ status: 500, json: { message: 'Internal error.' } });
		expect(
			(await post(server, '/colors/1?api_key=k&format=json&confidence=0.999', image)).json,
		).toMatchObject({ top: '', predictions: [] });
	});
});

describe('URL input rules', () => {
	const cause = (text: string) => ({
		status: 400,
		json: { message: `Could not load input image. Cause: ${text}` },
	});
	const nonHttps = cause(
		'Providing images via non https:// URL is not supported in this configuration of `inference`.',
	);
	const noFqdn = cause(
		'Providing images via URL without FQDN is not supported in this configuration of `inference`.',
	);

	test('strict by default, as Roboflow: only https, only domain names', async () => {
		const server = await startServer();
		const imageUrl = server.addImage('red.png', makePng(8, 8, COLOURS.red));
		const ask = (url: string) =>
			post(server, `/colors/1?api_key=k&image=${encodeURIComponent(url)}`, undefined, {});
		expect(await ask(imageUrl)).toMatchObject(nonHttps);
		expect(await ask('ftp://images.example.com/x.png')).toMatchObject(nonHttps);
		expect(await ask('https://127.0.0.1/x.png')).toMatchObject(noFqdn);
		expect(await ask('https://localhost/x.png')).toMatchObject(noFqdn);
		expect(await ask('https://[::1]/x.png')).toMatchObject(noFqdn);
		expect(await ask('https://images/x.png')).toMatchObject(noFqdn);
		expect(await ask('not a url')).toMatchObject(cause('Provided image URL is invalid'));
	});

	test('relaxed like a self-hosted server: http and IP hosts are downloaded', async () => {
		const server = await startServer({
			allowNonHttpsUrls: true,
			allowUrlsWithoutFqdn: true,
			messages: 'inference',
		});
		const imageUrl = server.addImage('blue.png', makePng(8, 8, COLOURS.blue));
		const ok = await post(
			server,
			`/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`,
			undefined,
			{},
		);
		expect(ok.json.top).toBe('blue');
		const missing = await post(
			server,
			`/colors/1?api_key=k&image=${encodeURIComponent(`${server.url}/images/none.png`)}`,
			undefined,
			{},
		);
		expect(missing).toMatchObject(cause('Data pointed by URL could not be decoded into image.'));
		const onlyHttp = await startServer({ allowNonHttpsUrls: true });
		expect(
			await post(
				onlyHttp,
				`/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`,
				undefined,
				{},
			),
		).toMatchObject(noFqdn);
		const listed = await startServer({
			...{ allowNonHttpsUrls: true, allowUrlsWithoutFqdn: true },
			urlDenyList: ['127.0.0.1'],
		});
		expect(
			(
				await post(
					listed,
					`/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`,
					undefined,
					{},
				)
			).json.message,
		).toMatch(/blacklisted/);
	});
});

describe('auth styles', () => {
	const image = makePng(8, 8, COLOURS.green);
	const modelAccess = { 'limited-key': ['colors/1'] };

	test('legacy (default): no key 401, wrong key 403 Forbidden', async () => {
		const server = await startServer({ modelAccess });
		expect(await post(server, '/colors/1', image)).toMatchObject({
			status: 401,
			json: { message: 'Unauthorized api_key' },
		});
		expect(await post(server, '/colors/1?api_key=nope', image)).toMatchObject({
			status: 403,
			json: { message: 'Forbidden' },
		});
		expect(await post(server, '/tones/1?api_key=limited-key', image)).toMatchObject({
			status: 403,
			json: { message: 'Forbidden' },
		});
		expect((await post(server, '/nope/1?api_key=k', image)).json.message).toMatch(
			/Check the project and version/,
		);
	});

	test('inference: 401 for a missing or wrong key, 403 scopes for a key without the model, Roboflow 404', async () => {
		const server = await startServer({ auth: 'inference', modelAccess });
		expect(await post(server, '/colors/1', image)).toMatchObject({
			status: 401,
			json: { message: MESSAGES.unauthorized },
		});
		expect(MESSAGES.unauthorized).toMatch(/^Unauthorized access to roboflow API - check API key/);
		expect(await post(server, '/colors/1?api_key=nope', image)).toMatchObject({
			status: 401,
			json: { message: MESSAGES.unauthorized },
		});
		expect(await post(server, '/tones/1?api_key=limited-key', image)).toMatchObject({
			status: 403,
			json: { message: expect.stringMatching(/required scopes/) },
		});
		expect((await post(server, '/colors/1?api_key=limited-key', image)).json.top).toBe('green');
		const bearer = await post(server, '/colors/1', image, {
			'Content-Type': 'application/json',
			Authorization: 'Bearer k',
		});
		expect(bearer.status).toBe(200);
		expect(await post(server, '/nope/1?api_key=k', image)).toMatchObject({
			status: 404,
			json: { message: expect.stringMatching(/^Requested Roboflow resource not found/) },
		});
		expect(await post(server, '/colors/1?api_key=k', Buffer.from('GIF89a'))).toMatchObject({
			status: 400,
			json: { message: 'Could not load input image. Cause: Malformed base64 input image.' },
		});
		expect(
			await post(server, '/colors/1?api_key=k', makePng(4, 4, COLOURS.red).toString('latin1'), {
				'Content-Type': 'text/plain',
			}),
		).toMatchObject({ status: 400 });
		expect(await post(server, '/colors/1?api_key=k&confidence=x', image)).toMatchObject({
			status: 422,
			json: { detail: expect.any(Array) },
		});
	});

	test("serverless: the gateway's 401s with status, then 403 scopes from the route", async () => {
		const server = await startServer({ auth: 'serverless', modelAccess });
		expect(await post(server, '/colors/1', image)).toMatchObject({
			status: 401,
			json: { status: 401, message: 'Unauthorized api_key' },
		});
		expect(await post(server, '/colors/1?api_key=nope', image)).toMatchObject({
			status: 401,
			json: {
				status: 401,
				message: 'Unauthorized api_key. This key is not authorized for serverless inference.',
			},
		});
		expect((await post(server, '/tones/1?api_key=limited-key', image)).status).toBe(403);
		expect((await post(server, '/colors/1?api_key=k', image)).status).toBe(200);
	});
});

describe('limits and records', () => {
	test('a body over maxBodyBytes answers 413 before the key check; stats record query and body size', async () => {
		const server = await startServer({ maxBodyBytes: 1000 });
		const big = makePng(200, 200, COLOURS.red, { noise: 40 });
		const tooLarge = await post(server, '/colors/1?api_key=nope&confidence=0.99', big);
		expect(tooLarge).toMatchObject({
			status: 413,
			json: { message: expect.stringMatching(/too large/) },
		});
		expect(server.stats.calls[0]).toMatchObject({
			method: 'POST',
			model: 'colors/1',
			query: { api_key: 'nope', confidence: '0.99' },
			bodyBytes: big.toString('base64').length,
			status: 413,
		});
		const small = makePng(4, 4, COLOURS.red);
		expect((await post(server, '/colors/1?api_key=k&confidence=1', small)).status).toBe(200);
		expect(server.stats.calls[1]).toMatchObject({
			query: { confidence: '1' },
			bodyBytes: small.toString('base64').length,
			status: 200,
		});
		expect(UPLOAD_LIMITS).toEqual({ serverless: 20 * 1024 * 1024, legacy: 5 * 1024 * 1024 });
	});

	test("multipart: the file part holds raw bytes; without one, Roboflow's 400", async () => {
		const server = await startServer({ messages: 'inference' });
		const form = new FormData();
		form.append(
			'file',
			new Blob([makeShapesJpeg({ width: 50, height: 50, rects: [blue] })]),
			'x.jpg',
		);
		const response = await fetch(`${server.url}/shapes/1?api_key=k`, {
			method: 'POST',
			body: form,
		});
		expect(((await response.json()) as Json).image).toEqual({ width: 50, height: 50 });
		const empty = new FormData();
		empty.append('other', 'x');
		const refused = await fetch(`${server.url}/shapes/1?api_key=k`, {
			method: 'POST',
			body: empty,
		});
		expect(refused.status).toBe(400);
		expect(((await refused.json()) as Json).message).toMatch(/part named 'file'/);
	});
});
