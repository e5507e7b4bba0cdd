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
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, useServers } from '../harness/localServer';

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

test('image URLs on a self-hosted server: http and IP hosts downloaded; a missing file is a 400', async () => {
	const relaxed = await startServer({ allowNonHttpsUrls: true, allowUrlsWithoutFqdn: true });
	const url = (name: string) =>
		`/colors/1?api_key=k&image=${encodeURIComponent(`${relaxed.url}/images/${name}`)}`;
	relaxed.addImage('blue.png', makePng(8, 8, COLOURS.blue));
	expect((await ask(relaxed, url('blue.png'))).json.top).toBe('blue');
	expect(await ask(relaxed, url('none.png'))).toMatchObject({
		status: 400,
		json: {
			message:
				'Could not load input image. Cause: Data pointed by URL could not be decoded into image.',
		},
	});
});

describe('header-only mode', () => {
	test("the benchmark's: the true size from the start of a large body", async () => {
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
