/** The local server's pixel detector and Roboflow's post-processing, without HTTP. */
import type { ShapeRect } from '../../tools/images';
import { expectedBox, makeShapesJpeg, makeShapesPng, SHAPE_CLASSES } from '../../tools/images';
import {
	analyseImage,
	decodeImage,
	iou,
	postProcess,
	SHAPE_PALETTE,
	threshold,
	overlapThreshold,
	parseInferenceParams,
} from '../../tools/roboflow-server';

const boxesOf = (bytes: Buffer) =>
	analyseImage(decodeImage(bytes), SHAPE_PALETTE).shapes.map((s) => ({
		class: SHAPE_CLASSES[s.classIndex],
		x: (s.x0 + s.x1) / 2,
		y: (s.y0 + s.y1) / 2,
		width: s.x1 - s.x0,
		height: s.y1 - s.y0,
		confidence: s.confidence,
	}));

const rects: ShapeRect[] = [
	{ colour: 'red', x: 10, y: 12, width: 30, height: 20 },
	{ colour: 'green', x: 60, y: 8, width: 25, height: 40 },
	{ colour: 'blue', x: 15, y: 55, width: 41, height: 17 },
	{ colour: 'yellow', x: 70, y: 60, width: 21, height: 21 },
	{ colour: 'magenta', x: 3, y: 82, width: 9, height: 9 },
	{ colour: 'cyan', x: 40, y: 82, width: 20, height: 12 },
];

describe('pixel detector', () => {
	test.each(['white', 'black', 'grey'] as const)(
		'finds every class on a %s background (PNG), exact boxes, confidence 0.95',
		(background) => {
			const found = boxesOf(makeShapesPng({ width: 100, height: 100, background, rects }));
			expect(found).toHaveLength(rects.length);
			for (const rect of rects) {
				expect(found).toContainEqual({
					class: rect.colour,
					...expectedBox(rect),
					confidence: 0.95,
				});
			}
		},
	);

	test('JPEG with noise: same boxes within a pixel, confidence a little below 0.95', () => {
		const found = boxesOf(
			makeShapesJpeg({ width: 100, height: 100, rects, noise: 18, seed: 7, quality: 80 }),
		);
		expect(found).toHaveLength(rects.length);
		for (const rect of rects) {
			const match = found.find((f) => f.class === rect.colour)!;
			const box = expectedBox(rect);
			expect(Math.abs(match.x - box.x)).toBeLessThanOrEqual(1);
			expect(Math.abs(match.y - box.y)).toBeLessThanOrEqual(1);
			expect(Math.abs(match.width - box.width)).toBeLessThanOrEqual(2);
			expect(Math.abs(match.height - box.height)).toBeLessThanOrEqual(2);
			expect(match.confidence).toBeGreaterThan(0.85);
			expect(match.confidence).toBeLessThanOrEqual(0.95);
		}
	});

	test('confidence follows opacity; a plain background gives nothing', () => {
		const found = boxesOf(
			makeShapesPng({
				width: 60,
				height: 30,
				rects: [{ colour: 'blue', x: 5, y: 5, width: 20, height: 20, opacity: 0.6 }],
			}),
		);
		expect(found).toHaveLength(1);
		expect(found[0].confidence).toBeCloseTo(0.57, 2);
		expect(boxesOf(makeShapesPng({ width: 40, height: 40, rects: [], noise: 20 }))).toEqual([]);
	});

	test('two overlapping same-colour rectangles come back as both rectangles', () => {
		const a = { colour: 'red' as const, x: 10, y: 10, width: 40, height: 40 };
		const b = { colour: 'red' as const, x: 20, y: 20, width: 40, height: 40 };
		const found = boxesOf(makeShapesPng({ width: 80, height: 80, rects: [a, b] }));
		expect(found.map(({ x, y, width, height }) => ({ x, y, width, height }))).toEqual([
			expectedBox(a),
			expectedBox(b),
		]);
	});

	test('a cross of two same-colour bars is two bars', () => {
		const bars = [
			{ colour: 'green' as const, x: 5, y: 30, width: 70, height: 12 },
			{ colour: 'green' as const, x: 30, y: 5, width: 14, height: 70 },
		];
		const found = boxesOf(makeShapesJpeg({ width: 80, height: 80, rects: bars }));
		expect(found).toHaveLength(2);
	});
});

describe('post-processing', () => {
	const shape = (x0: number, y0: number, size: number, confidence: number, classIndex = 0) => ({
		x0,
		y0,
		x1: x0 + size,
		y1: y0 + size,
		confidence,
		classIndex,
	});
	// IoU of these two: 30x30 / (1600 + 1600 - 900) = 0.39
	const a = shape(10, 10, 40, 0.9);
	const b = shape(20, 20, 40, 0.8);

	test('NMS drops a same-class box whose IoU with a kept one is above overlap; other classes are kept', () => {
		expect(iou(a, b)).toBeCloseTo(0.3913, 4);
		expect(postProcess([a, b], 0.4, 0.3, 300)).toEqual([a]);
		expect(postProcess([a, b], 0.4, 0.5, 300)).toEqual([a, b]);
		const other = { ...b, classIndex: 1 };
		expect(postProcess([a, other], 0.4, 0.3, 300)).toEqual([a, other]);
	});

	test('confidence must be strictly above the threshold', () => {
		expect(postProcess([a, shape(70, 70, 5, 0.8)], 0.8, 0.3, 300)).toEqual([a]);
	});

	test('max_detections caps, with Python slicing for negative values', () => {
		const many = [shape(0, 0, 5, 0.9), shape(10, 0, 5, 0.8), shape(20, 0, 5, 0.7)];
		expect(postProcess(many, 0.4, 0.3, 2)).toEqual(many.slice(0, 2));
		expect(postProcess(many, 0.4, 0.3, 0)).toEqual([]);
		expect(postProcess(many, 0.4, 0.3, -1)).toEqual(many.slice(0, 2));
	});
});

describe('threshold quirks', () => {
	test('confidence: >= 1 is a percentage, so 1 means 0.01; floor 0.01', () => {
		expect(threshold(1)).toBe(0.01);
		expect(threshold(50)).toBe(0.5);
		expect(threshold(0.99)).toBe(0.99);
		expect(threshold(0)).toBe(0.01);
		expect(threshold(undefined)).toBe(0.4);
	});

	test('overlap: same division, no floor', () => {
		expect(overlapThreshold(30)).toBe(0.3);
		expect(overlapThreshold(0)).toBe(0);
		expect(overlapThreshold(undefined)).toBe(0.3);
	});

	test('route parameters: quirks applied, bad numbers are 422 issues, unknown format is json', () => {
		const parse = (query: string) => parseInferenceParams(new URLSearchParams(query));
		expect(parse('confidence=1&overlap=50&format=png')).toMatchObject({
			params: { confidence: 0.01, overlap: 0.5, format: 'json', maxDetections: 300 },
		});
		expect(parse('confidence=best')).toMatchObject({ params: { confidence: 'best' } });
		expect(parse('confidence=0.2&confidence=0.7')).toMatchObject({ params: { confidence: 0.7 } });
		const bad = parse('confidence=abc&max_detections=1.5');
		expect('issues' in bad && bad.issues.map((i) => i.loc.slice(0, 2).join('.'))).toEqual([
			'query.confidence',
			'query.confidence',
			'query.max_detections',
		]);
	});
});
