/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling writes sample files from Node, never inside n8n */
/**
 * Sample image folders for the demo, the end-to-end tests and the benchmark: real PNG/JPEG
 * files (tools/images) whose true answer is known, for the local Roboflow server's models.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ColourName, ShapeClass, ShapeRect } from '../../tools/images/index.ts';
import {
	COLOURS,
	makeJpeg,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
} from '../../tools/images/index.ts';

export type PrimaryColour = 'red' | 'green' | 'blue';

/** The classification samples: the dominant colour is the true class of model `colors/1`. */
export const SAMPLES: ReadonlyArray<readonly [string, PrimaryColour]> = [
	['strawberry.png', 'red'],
	['lime.jpg', 'green'],
	['blueberry.png', 'blue'],
	['tomato.jpg', 'red'],
	['leaf.png', 'green'],
	['sky.jpg', 'blue'],
];

export interface ColourSample {
	name: string;
	colour: PrimaryColour;
}

/** Writes `SAMPLES` into `dir` (created if needed). */
export function writeSampleImages(dir: string): ColourSample[] {
	fs.mkdirSync(dir, { recursive: true });
	SAMPLES.forEach(([name, colour], i) => {
		const make = name.endsWith('.png') ? makePng : makeJpeg;
		fs.writeFileSync(
			path.join(dir, name),
			make(96 + i * 8, 64 + i * 4, COLOURS[colour], { noise: 25, seed: i + 1 }),
		);
	});
	return SAMPLES.map(([name, colour]) => ({ name, colour }));
}

/**
 * `count` small PNGs named img-000.png, img-001.png, ... cycling red, green, blue, every one
 * different (seeded noise), so that the server tells each image's first request from a retry.
 */
export function writeColourSeries(dir: string, count: number, side = 24): ColourSample[] {
	fs.mkdirSync(dir, { recursive: true });
	const colours: PrimaryColour[] = ['red', 'green', 'blue'];
	return Array.from({ length: count }, (_, i) => {
		const sample = { name: `img-${String(i).padStart(3, '0')}.png`, colour: colours[i % 3] };
		fs.writeFileSync(
			path.join(dir, sample.name),
			makePng(side, side, COLOURS[sample.colour], { noise: 20, seed: i + 1 }),
		);
		return sample;
	});
}

export interface ShapeSample {
	name: string;
	width: number;
	height: number;
	/** Objects per class that `shapes/1` (and `shapes-seg/1`) find. */
	counts: Partial<Record<ShapeClass, number>>;
	/** All objects. */
	count: number;
}

/** A rectangle in cell (`col`, `row`) of a 40-pixel grid: apart from every other cell's. */
export const shapeCell = (colour: ShapeClass, col: number, row: number): ShapeRect => ({
	colour,
	x: 8 + col * 40,
	y: 8 + row * 40,
	width: 28 - (col % 2) * 6,
	height: 24 + (row % 2) * 6,
});

/** Scenes of coloured rectangles on white: each rectangle is one object of its colour's class. */
const SHAPE_SCENES: ReadonlyArray<{
	name: string;
	width: number;
	height: number;
	rects: ShapeRect[];
}> = [
	{
		name: 'crowded.png',
		width: 200,
		height: 120,
		rects: [
			shapeCell('red', 0, 0),
			shapeCell('red', 1, 1),
			shapeCell('blue', 2, 0),
			shapeCell('blue', 3, 1),
			shapeCell('green', 4, 0),
			shapeCell('yellow', 0, 2),
		],
	},
	{
		name: 'busy.png',
		width: 180,
		height: 100,
		rects: [
			shapeCell('red', 0, 0),
			shapeCell('green', 1, 0),
			shapeCell('blue', 2, 1),
			shapeCell('magenta', 3, 0),
		],
	},
	{
		name: 'trio.png',
		width: 160,
		height: 90,
		rects: [shapeCell('yellow', 0, 0), shapeCell('magenta', 1, 1), shapeCell('blue', 2, 0)],
	},
	{
		name: 'pair.png',
		width: 140,
		height: 100,
		rects: [shapeCell('cyan', 0, 1), shapeCell('cyan', 2, 0)],
	},
	{ name: 'single.jpg', width: 120, height: 80, rects: [shapeCell('red', 1, 0)] },
	{ name: 'empty.png', width: 96, height: 64, rects: [] },
];

/**
 * Writes the shape scenes into `dir` (created if needed); returns what each holds. `scale`
 * multiplies every size and position (the demo's pictures are twice as large, to be seen in
 * the editor); the objects and their classes stay the same.
 */
export function writeShapeImages(dir: string, { scale = 1 } = {}): ShapeSample[] {
	fs.mkdirSync(dir, { recursive: true });
	return SHAPE_SCENES.map(({ name, width: w, height: h, rects: sceneRects }) => {
		const [width, height] = [w * scale, h * scale];
		const rects = sceneRects.map((rect) => ({
			...rect,
			x: rect.x * scale,
			y: rect.y * scale,
			width: rect.width * scale,
			height: rect.height * scale,
		}));
		const spec = { width, height, background: 'white' as ColourName, rects };
		const bytes = name.endsWith('.png')
			? makeShapesPng(spec)
			: makeShapesJpeg({ ...spec, quality: 95 });
		fs.writeFileSync(path.join(dir, name), bytes);
		const counts: Partial<Record<ShapeClass, number>> = {};
		for (const rect of rects) {
			const colour = rect.colour as ShapeClass;
			counts[colour] = (counts[colour] ?? 0) + 1;
		}
		return { name, width, height, counts, count: rects.length };
	});
}

/** One shapes image as bytes, for items built in memory (e.g. a Code node's attachments). */
export function shapeImage(rects: ShapeRect[], width = 120, height = 80): Buffer {
	return makeShapesPng({ width, height, background: 'white', rects });
}

export interface ActiveLearningSample {
	name: string;
	/** Objects `shapes/1` finds. */
	count: number;
	/** The best confidence it reports, about (0 without objects). */
	confidence: number;
}

/**
 * Camera-like scenes for the active-learning example: clear ones the detector is sure of (0.95),
 * faint ones (half-transparent rectangles, about 0.95 x opacity) and one without any object.
 */
const ACTIVE_LEARNING_SCENES: ReadonlyArray<{ name: string; rects: ShapeRect[] }> = [
	{ name: 'gate-clear.png', rects: [shapeCell('red', 0, 0), shapeCell('blue', 2, 1)] },
	{ name: 'gate-faint.png', rects: [{ ...shapeCell('red', 1, 0), opacity: 0.5 }] },
	{
		name: 'gate-mixed.png',
		rects: [shapeCell('green', 0, 1), { ...shapeCell('yellow', 2, 0), opacity: 0.5 }],
	},
	{ name: 'gate-empty.png', rects: [] },
	{
		name: 'gate-dusk.png',
		rects: [
			{ ...shapeCell('blue', 0, 0), opacity: 0.55 },
			{ ...shapeCell('cyan', 2, 1), opacity: 0.45 },
		],
	},
];

/** Writes the active-learning scenes into `dir` (created if needed); returns what each holds. */
export function writeActiveLearningImages(dir: string, { scale = 1 } = {}): ActiveLearningSample[] {
	fs.mkdirSync(dir, { recursive: true });
	return ACTIVE_LEARNING_SCENES.map(({ name, rects }) => {
		const scaled = rects.map((rect) => ({
			...rect,
			x: rect.x * scale,
			y: rect.y * scale,
			width: rect.width * scale,
			height: rect.height * scale,
		}));
		fs.writeFileSync(
			path.join(dir, name),
			makeShapesPng({ width: 140 * scale, height: 90 * scale, background: 'white', rects: scaled }),
		);
		const confidences = rects.map((rect) => 0.95 * (rect.opacity ?? 1));
		return { name, count: rects.length, confidence: Math.max(0, ...confidences) };
	});
}
