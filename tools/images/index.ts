/* eslint-disable @n8n/community-nodes/no-restricted-imports -- dev tooling, never inside n8n: pngjs and jpeg-js are root devDependencies, but the rule reads the nearest package.json (this folder's, which only sets the module type) */
/**
 * Real PNG and JPEG test images whose true answers are known, the same bytes every run:
 * solid colours (`makePng`, `makeJpeg`: the classification models answer the dominant colour)
 * and coloured rectangles on a background (`makeShapesPng`, `makeShapesJpeg`: each rectangle of
 * a `SHAPE_CLASSES` colour is one detection, with the box `expectedBox(rect)`).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export type Rgb = readonly [number, number, number];

/** Named colours; the first six are the shape models' classes. */
export const COLOURS = {
	red: [220, 30, 30],
	green: [30, 200, 40],
	blue: [30, 40, 220],
	yellow: [230, 210, 30],
	magenta: [200, 40, 200],
	cyan: [30, 200, 210],
	white: [245, 245, 245],
	black: [12, 12, 12],
	grey: [128, 128, 128],
} as const satisfies Record<string, Rgb>;

export type ColourName = keyof typeof COLOURS;

/** The shape models' classes in `class_id` order; backgrounds should be another colour. */
export const SHAPE_CLASSES = ['red', 'green', 'blue', 'yellow', 'magenta', 'cyan'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];
export const SHAPE_PALETTE: readonly Rgb[] = SHAPE_CLASSES.map((name) => COLOURS[name]);

/** Adds +-`noise` per channel, from a seeded generator, to RGBA pixels in place. */
function addNoise(data: Buffer, noise: number, seed: number): Buffer {
	let state = seed >>> 0 || 1;
	const random = () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return ((state >>> 0) % 1_000_000) / 1_000_000;
	};
	for (let i = 0; noise && i < data.length; i++)
		if (i % 4 !== 3)
			data[i] = Math.max(0, Math.min(255, data[i] + Math.round((random() * 2 - 1) * noise)));
	return data;
}

/** RGBA pixels of one colour. */
function solid(width: number, height: number, rgb: Rgb): Buffer {
	const data = Buffer.alloc(width * height * 4, 255);
	for (let i = 0; i < data.length; i += 4) data.set(rgb, i);
	return data;
}

const encodePng = (width: number, height: number, data: Buffer): Buffer => {
	const png = new PNG({ width, height });
	data.copy(png.data);
	return PNG.sync.write(png);
};

export interface SolidOptions {
	/** +- this much per channel, seeded (noise makes the file as large as a photo's). */
	noise?: number;
	seed?: number;
	/** JPEG quality (default 90). */
	quality?: number;
}

export const makePng = (
	width: number,
	height: number,
	rgb: Rgb,
	{ noise = 0, seed = 1 }: SolidOptions = {},
): Buffer => encodePng(width, height, addNoise(solid(width, height, rgb), noise, seed));

export const makeJpeg = (
	width: number,
	height: number,
	rgb: Rgb,
	{ noise = 0, seed = 1, quality = 90 }: SolidOptions = {},
): Buffer =>
	jpeg.encode({ data: addNoise(solid(width, height, rgb), noise, seed), width, height }, quality)
		.data;

/** A rectangle covering [x, x + width) x [y, y + height). */
export interface ShapeRect {
	colour: ShapeClass | ColourName | Rgb;
	x: number;
	y: number;
	width: number;
	height: number;
	/** 0..1 (default 1), blended over what lies below: the detector reports ~0.95 x opacity. */
	opacity?: number;
}

export interface ShapesSpec {
	width: number;
	height: number;
	/** Default white; use a colour that is not a shape class. */
	background?: ColourName | Rgb;
	/** Drawn in order: later rectangles cover earlier ones. */
	rects: ShapeRect[];
	/** +- per channel over the whole image (the detector copes with up to ~20). */
	noise?: number;
	seed?: number;
}

const toRgb = (colour: ColourName | Rgb): Rgb =>
	typeof colour === 'string' ? COLOURS[colour] : colour;

/** The RGBA pixels of a shapes image (rectangles clipped to it). */
export function shapesPixels(spec: ShapesSpec): Buffer {
	const { width, height } = spec;
	const data = solid(width, height, toRgb(spec.background ?? 'white'));
	for (const rect of spec.rects) {
		const rgb = toRgb(rect.colour);
		const alpha = Math.max(0, Math.min(1, rect.opacity ?? 1));
		for (
			let y = Math.max(0, Math.round(rect.y));
			y < Math.min(height, Math.round(rect.y + rect.height));
			y++
		)
			for (
				let x = Math.max(0, Math.round(rect.x));
				x < Math.min(width, Math.round(rect.x + rect.width));
				x++
			)
				for (let c = 0; c < 3; c++) {
					const i = (y * width + x) * 4 + c;
					data[i] = Math.round(rgb[c] * alpha + data[i] * (1 - alpha));
				}
	}
	return addNoise(data, spec.noise ?? 0, spec.seed ?? 1);
}

export const makeShapesPng = (spec: ShapesSpec): Buffer =>
	encodePng(spec.width, spec.height, shapesPixels(spec));

export const makeShapesJpeg = (spec: ShapesSpec & { quality?: number }): Buffer =>
	jpeg.encode(
		{ data: shapesPixels(spec), width: spec.width, height: spec.height },
		spec.quality ?? 90,
	).data;
