/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling writes sample files from Node, never inside n8n */
/**
 * Sample images for the demo, the end-to-end tests and the benchmark: real PNG and JPEG files
 * (tools/images) whose answers the local Roboflow server's models know: `colors/1` classifies by
 * the dominant colour, `shapes/1` finds each coloured rectangle (confidence 0.95 x its opacity).
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ShapeClass, ShapeRect } from '../../tools/images/index.ts';
import {
	COLOURS,
	makeJpeg,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
} from '../../tools/images/index.ts';

export type Primary = 'red' | 'green' | 'blue';
const PRIMARIES: Primary[] = ['red', 'green', 'blue'];

/** The classification samples, named for what they show: "file class", comma-separated. */
const COLOUR_SAMPLES =
	'strawberry.png red, lime.jpg green, blueberry.png blue, tomato.jpg red, leaf.png green, sky.jpg blue';

/** Writes the classification samples into `dir`; returns each one's true class. */
export function writeColourSamples(dir: string): Array<{ name: string; colour: Primary }> {
	fs.mkdirSync(dir, { recursive: true });
	return COLOUR_SAMPLES.split(', ').map((sample, i) => {
		const [name, colour] = sample.split(' ') as [string, Primary];
		const make = name.endsWith('.png') ? makePng : makeJpeg;
		fs.writeFileSync(
			path.join(dir, name),
			make(96 + i * 8, 64 + i * 4, COLOURS[colour], { noise: 25, seed: i + 1 }),
		);
		return { name, colour };
	});
}

/** `count` small noisy one-colour PNGs from number `first` on, cycling red, green, blue, each one distinct. */
export function colourSeries(
	count: number,
	first = 0,
): Array<{ name: string; colour: Primary; image: Buffer }> {
	return Array.from({ length: count }, (_, i) => {
		const n = first + i;
		const [colour, side] = [PRIMARIES[n % 3], 12 + (n % 29)];
		return {
			name: `${colour}-${n}.png`,
			colour,
			image: makePng(side, side, COLOURS[colour], { noise: 20, seed: n + 1 }),
		};
	});
}

/** A rectangle in cell (`col`, `row`) of a 40-pixel grid: apart from every other cell's. */
export const shapeCell = (
	colour: ShapeClass,
	col: number,
	row: number,
	opacity = 1,
): ShapeRect => ({
	colour,
	x: 8 + col * 40,
	y: 8 + row * 40,
	width: 28 - (col % 2) * 6,
	height: 24 + (row % 2) * 6,
	opacity,
});

/** One shapes picture on white, as bytes (e.g. for a Code node's item or a URL the server serves). */
export const shapeImage = (rects: ShapeRect[], width = 120, height = 80): Buffer =>
	makeShapesPng({ width, height, background: 'white', rects });

/** Rectangles written as "colour col row [opacity]", comma-separated: `cells('red 0 0, blue 2 1 0.5')`. */
export const cells = (objects: string): ShapeRect[] =>
	objects
		.split(',')
		.filter((o) => o.trim())
		.map((o) => {
			const [colour, col, row, opacity = '1'] = o.trim().split(' ');
			return shapeCell(colour as ShapeClass, Number(col), Number(row), Number(opacity));
		});

interface Scene {
	name: string;
	width: number;
	height: number;
	rects: ShapeRect[];
}
const scene = (name: string, width: number, height: number, objects: string): Scene => ({
	name,
	width,
	height,
	rects: cells(objects),
});

/** Detection scenes: each rectangle one object of its colour's class. */
export const SHAPE_SCENES: Scene[] = [
	scene('crowded.png', 200, 120, 'red 0 0, red 1 1, blue 2 0, blue 3 1, green 4 0, yellow 0 2'),
	scene('busy.png', 180, 100, 'red 0 0, green 1 0, blue 2 1, magenta 3 0'),
	scene('trio.png', 160, 90, 'yellow 0 0, magenta 1 1, blue 2 0'),
	scene('pair.png', 140, 100, 'cyan 0 1, cyan 2 0'),
	scene('single.jpg', 120, 80, 'red 1 0'),
	scene('empty.png', 96, 64, ''),
];

/** Camera-like scenes for active learning: clear objects, faint ones (about half opacity) and none. */
export const GATE_SCENES: Scene[] = [
	scene('gate-clear.png', 140, 90, 'red 0 0, blue 2 1'),
	scene('gate-faint.png', 140, 90, 'red 1 0 0.5'),
	scene('gate-mixed.png', 140, 90, 'green 0 1, yellow 2 0 0.5'),
	scene('gate-empty.png', 140, 90, ''),
	scene('gate-dusk.png', 140, 90, 'blue 0 0 0.55, cyan 2 1 0.45'),
];

export interface SceneSample {
	name: string;
	width: number;
	height: number;
	/** Objects per class `shapes/1` finds, and in all. */
	counts: Partial<Record<ShapeClass, number>>;
	count: number;
	/** The best confidence it reports (0 without objects). */
	confidence: number;
}

/**
 * Writes `scenes` into `dir`, every size and position times `scale` (the demo's are larger, to
 * be seen in the editor; the objects stay the same); returns what each holds.
 */
export function writeScenes(dir: string, scenes: Scene[], scale = 1): SceneSample[] {
	fs.mkdirSync(dir, { recursive: true });
	return scenes.map(({ name, width, height, rects }) => {
		const scaled = rects.map((r) => ({
			...r,
			x: r.x * scale,
			y: r.y * scale,
			width: r.width * scale,
			height: r.height * scale,
		}));
		const spec = {
			width: width * scale,
			height: height * scale,
			background: 'white' as const,
			rects: scaled,
		};
		fs.writeFileSync(
			path.join(dir, name),
			name.endsWith('.png') ? makeShapesPng(spec) : makeShapesJpeg({ ...spec, quality: 95 }),
		);
		const counts: Partial<Record<ShapeClass, number>> = {};
		for (const { colour } of rects)
			counts[colour as ShapeClass] = (counts[colour as ShapeClass] ?? 0) + 1;
		const confidence = Math.max(0, ...rects.map((r) => 0.95 * (r.opacity ?? 1)));
		return {
			name,
			width: spec.width,
			height: spec.height,
			counts,
			count: rects.length,
			confidence,
		};
	});
}
