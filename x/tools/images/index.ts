/* eslint-disable @n8n/community-nodes/no-restricted-imports -- dev tooling, never inside n8n: pngjs and jpeg-js are root devDependencies, but the rule reads the nearest package.json (this folder's, which only sets the module type) */
/**
 * Real PNG and JPEG test images, for the tests, the demo, the benchmark and the local Roboflow
 * server's models (dev tooling only, not part of the published package):
 *
 * - `makePng` / `makeJpeg`: one solid colour (plus optional seeded noise), for the
 *   classification models (`colors/1` classifies by the dominant colour).
 * - `makeShapesPng` / `makeShapesJpeg`: a background with solid coloured rectangles, for the
 *   detection-style models (`shapes/1`, `shapes-seg/1`, `shapes-pose/1`). Each rectangle whose
 *   colour is one of `SHAPE_CLASSES` becomes one prediction of that class; `expectedBox(rect)`
 *   gives the box the server reports for it (Roboflow's centre x/y + width/height).
 *
 * Everything is deterministic: the same arguments give the same bytes run to run.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export type Rgb = readonly [number, number, number];

/** Named colours. The first six are also the shape models' classes (`SHAPE_CLASSES`). */
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

/**
 * The classes of the shape models, in `class_id` order: a rectangle of `COLOURS[name]` is
 * detected as class `name`. Backgrounds should be a colour that is not in this list (white,
 * black and grey are the tested ones).
 */
export const SHAPE_CLASSES = ['red', 'green', 'blue', 'yellow', 'magenta', 'cyan'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

/** `SHAPE_CLASSES[i]`'s colour is `SHAPE_PALETTE[i]`. */
export const SHAPE_PALETTE: readonly Rgb[] = SHAPE_CLASSES.map((name) => COLOURS[name]);

/** Deterministic pseudo-random numbers, so generated images (and their sizes) repeat run to run. */
function seeded(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return ((state >>> 0) % 1_000_000) / 1_000_000;
	};
}

const clamp255 = (value: number) => Math.max(0, Math.min(255, value));

/** Adds +-`noise` per channel (seeded) to RGBA pixels in place. */
function addNoise(data: Buffer, noise: number, seed: number): void {
	if (!noise) return;
	const random = seeded(seed);
	for (let i = 0; i < data.length; i += 4) {
		for (let c = 0; c < 3; c++) {
			data[i + c] = clamp255(data[i + c] + Math.round((random() * 2 - 1) * noise));
		}
	}
}

/**
 * RGBA pixels filled with `rgb`, with +-`noise` per channel: noise makes the file as large as a
 * photo of the same size would be, while the dominant colour stays the same.
 */
function pixels(width: number, height: number, rgb: Rgb, noise = 0, seed = 1): Buffer {
	const data = Buffer.alloc(width * height * 4);
	const random = seeded(seed);
	for (let i = 0; i < width * height; i++) {
		for (let c = 0; c < 3; c++) {
			const jitter = noise ? Math.round((random() * 2 - 1) * noise) : 0;
			data[i * 4 + c] = clamp255(rgb[c] + jitter);
		}
		data[i * 4 + 3] = 255;
	}
	return data;
}

function encodePng(width: number, height: number, data: Buffer): Buffer {
	const png = new PNG({ width, height });
	data.copy(png.data);
	return PNG.sync.write(png);
}

export interface SolidOptions {
	/** +- this much per channel, seeded (default 0). */
	noise?: number;
	seed?: number;
}

/** A PNG image of one colour. */
export function makePng(
	width: number,
	height: number,
	rgb: Rgb,
	{ noise = 0, seed = 1 }: SolidOptions = {},
): Buffer {
	return encodePng(width, height, pixels(width, height, rgb, noise, seed));
}

/** A JPEG image of one colour (quality 90 unless given). */
export function makeJpeg(
	width: number,
	height: number,
	rgb: Rgb,
	{ noise = 0, seed = 1, quality = 90 }: SolidOptions & { quality?: number } = {},
): Buffer {
	return jpeg.encode({ data: pixels(width, height, rgb, noise, seed), width, height }, quality)
		.data;
}

/** One rectangle of a shapes image: top-left corner and size in pixels, covering [x, x+width) x [y, y+height). */
export interface ShapeRect {
	/** A class name (its `COLOURS` value) or any RGB colour (not a class: ignored by the detector unless close to one). */
	colour: ShapeClass | ColourName | Rgb;
	x: number;
	y: number;
	width: number;
	height: number;
	/**
	 * 0..1 (default 1): blended over what lies below. The detector reports about
	 * `0.95 * opacity` as the confidence of a clean rectangle; below ~0.3 it is not detected.
	 */
	opacity?: number;
}

export interface ShapesSpec {
	width: number;
	height: number;
	/** Default `white`. Use a colour that is not a shape class. */
	background?: ColourName | Rgb;
	/** Drawn in order: later rectangles cover earlier ones. */
	rects: ShapeRect[];
	/** +- this much per channel, seeded, over the whole image (default 0; the detector copes with up to ~20). */
	noise?: number;
	seed?: number;
}

const toRgb = (colour: ColourName | Rgb): Rgb =>
	typeof colour === 'string' ? COLOURS[colour] : colour;

/** The RGBA pixels of a shapes image (rectangles are clipped to the image). */
export function shapesPixels(spec: ShapesSpec): Buffer {
	const { width, height } = spec;
	const data = pixels(width, height, toRgb(spec.background ?? 'white'));
	for (const rect of spec.rects) {
		const rgb = toRgb(rect.colour);
		const alpha = Math.max(0, Math.min(1, rect.opacity ?? 1));
		const x0 = Math.max(0, Math.round(rect.x));
		const y0 = Math.max(0, Math.round(rect.y));
		const x1 = Math.min(width, Math.round(rect.x + rect.width));
		const y1 = Math.min(height, Math.round(rect.y + rect.height));
		for (let y = y0; y < y1; y++) {
			for (let x = x0; x < x1; x++) {
				const i = (y * width + x) * 4;
				for (let c = 0; c < 3; c++)
					data[i + c] = Math.round(rgb[c] * alpha + data[i + c] * (1 - alpha));
			}
		}
	}
	addNoise(data, spec.noise ?? 0, spec.seed ?? 1);
	return data;
}

/** A PNG image: background plus rectangles. */
export function makeShapesPng(spec: ShapesSpec): Buffer {
	return encodePng(spec.width, spec.height, shapesPixels(spec));
}

/** A JPEG image (quality 90 unless given): background plus rectangles. */
export function makeShapesJpeg(spec: ShapesSpec & { quality?: number }): Buffer {
	return jpeg.encode(
		{ data: shapesPixels(spec), width: spec.width, height: spec.height },
		spec.quality ?? 90,
	).data;
}

/** The box Roboflow reports for a rectangle: centre x/y and width/height in image pixels. */
export function expectedBox(rect: Pick<ShapeRect, 'x' | 'y' | 'width' | 'height'>): {
	x: number;
	y: number;
	width: number;
	height: number;
} {
	return {
		x: rect.x + rect.width / 2,
		y: rect.y + rect.height / 2,
		width: rect.width,
		height: rect.height,
	};
}
