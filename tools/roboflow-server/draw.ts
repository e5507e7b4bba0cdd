/**
 * Annotated images for `format=image` / `image_and_json` (docs/roboflow-api.md §4.7), drawn the way
 * Inference draws them (`inference/core/utils/visualisation.py`, and `draw_predictions` of the
 * classification adapter), quirks included:
 *
 * - Detections: every box in `#4892EA` (Inference looks colours up by class name in a table
 *   keyed by class id, so it always falls back to that default), `stroke` px wide, corners at
 *   `int(x -/+ width/2)`, `int(y -/+ height/2)`; instance polygons as closed lines; keypoints as
 *   filled circles of radius `stroke`; with `labels=true` a "class 0.95" label whose background
 *   has the colour's channels reversed (an RGB/BGR mix-up in Inference). JPEG quality 90.
 * - Single-label classification: a frame in the top class's palette colour drawn over
 *   (0,0)-(height,width) — width and height swapped, as Inference does — and a
 *   "class_id - class 0.95" label at the top left. Multi-label: a `#4892EA` frame and one label
 *   per class, best first. JPEG quality 75 (PIL's default).
 *
 * Text uses a 5x7 bitmap font (Inference uses OpenCV's / PIL's fonts: same place, other glyphs).
 */
import type { RgbaImage } from './image.ts';
import { cloneImage, encodeJpeg } from './image.ts';

type Colour = readonly [number, number, number];

/** Inference's `DEFAULT_COLOR_PALETTE`, by class id. */
export const ROBOFLOW_PALETTE = [
	'#A351FB',
	'#FF4040',
	'#FFA1A0',
	'#FF7633',
	'#FFB633',
	'#D1D435',
	'#4CFB12',
	'#94CF1A',
	'#40DE8A',
	'#1B9640',
	'#00D6C1',
	'#2E9CAA',
	'#00C4FF',
	'#364797',
	'#6675FF',
	'#0019EF',
	'#863AFF',
	'#530087',
	'#CD3AFF',
	'#FF97CA',
	'#FF39C9',
] as const;

/** What Inference draws with when its colour lookup fails (always, for detections). */
export const DEFAULT_DRAW_COLOUR = '#4892EA';

export function hexToRgb(hex: string): Colour {
	return [
		parseInt(hex.slice(1, 3), 16),
		parseInt(hex.slice(3, 5), 16),
		parseInt(hex.slice(5, 7), 16),
	];
}

function setPixel(image: RgbaImage, x: number, y: number, colour: Colour): void {
	if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
	const i = (Math.trunc(y) * image.width + Math.trunc(x)) * 4;
	image.data[i] = colour[0];
	image.data[i + 1] = colour[1];
	image.data[i + 2] = colour[2];
	image.data[i + 3] = 255;
}

/** Fills [x0, x1] x [y0, y1], inclusive, clipped. */
function fillRect(
	image: RgbaImage,
	x0: number,
	y0: number,
	x1: number,
	y1: number,
	colour: Colour,
): void {
	const ax = Math.max(0, Math.min(x0, x1));
	const bx = Math.min(image.width - 1, Math.max(x0, x1));
	const ay = Math.max(0, Math.min(y0, y1));
	const by = Math.min(image.height - 1, Math.max(y0, y1));
	for (let y = ay; y <= by; y++) for (let x = ax; x <= bx; x++) setPixel(image, x, y, colour);
}

/** A square brush of `thickness` centred on (x, y). */
function dab(image: RgbaImage, x: number, y: number, thickness: number, colour: Colour): void {
	const before = Math.floor((thickness - 1) / 2);
	fillRect(
		image,
		x - before,
		y - before,
		x - before + thickness - 1,
		y - before + thickness - 1,
		colour,
	);
}

/** A straight line (Bresenham) between integer points, `thickness` wide. */
function line(
	image: RgbaImage,
	ax: number,
	ay: number,
	bx: number,
	by: number,
	thickness: number,
	colour: Colour,
): void {
	let x = ax;
	let y = ay;
	const dx = Math.abs(bx - ax);
	const dy = -Math.abs(by - ay);
	const sx = ax < bx ? 1 : -1;
	const sy = ay < by ? 1 : -1;
	let error = dx + dy;
	for (let guard = 0; guard < 1_000_000; guard++) {
		dab(image, x, y, thickness, colour);
		if (x === bx && y === by) break;
		const e2 = 2 * error;
		if (e2 >= dy) {
			error += dy;
			x += sx;
		}
		if (e2 <= dx) {
			error += dx;
			y += sy;
		}
	}
}

/** OpenCV's `rectangle`: the outline through both corners, lines `thickness` wide centred on it. */
function cvRectangle(
	image: RgbaImage,
	x0: number,
	y0: number,
	x1: number,
	y1: number,
	thickness: number,
	colour: Colour,
): void {
	line(image, x0, y0, x1, y0, thickness, colour);
	line(image, x1, y0, x1, y1, thickness, colour);
	line(image, x1, y1, x0, y1, thickness, colour);
	line(image, x0, y1, x0, y0, thickness, colour);
}

function fillCircle(
	image: RgbaImage,
	cx: number,
	cy: number,
	radius: number,
	colour: Colour,
): void {
	for (let y = cy - radius; y <= cy + radius; y++) {
		for (let x = cx - radius; x <= cx + radius; x++) {
			if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) setPixel(image, x, y, colour);
		}
	}
}

/** Python's `round` (half to even). */
function pyRound(value: number): number {
	const floor = Math.floor(value);
	const diff = value - floor;
	if (diff > 0.5) return floor + 1;
	if (diff < 0.5) return floor;
	return floor % 2 === 0 ? floor : floor + 1;
}

// 5x7 glyphs, one byte per column, bit 0 = top row.
const GLYPHS: Record<string, readonly number[]> = {
	'0': [0x3e, 0x51, 0x49, 0x45, 0x3e],
	'1': [0x00, 0x42, 0x7f, 0x40, 0x00],
	'2': [0x42, 0x61, 0x51, 0x49, 0x46],
	'3': [0x21, 0x41, 0x45, 0x4b, 0x31],
	'4': [0x18, 0x14, 0x12, 0x7f, 0x10],
	'5': [0x27, 0x45, 0x45, 0x45, 0x39],
	'6': [0x3c, 0x4a, 0x49, 0x49, 0x30],
	'7': [0x01, 0x71, 0x09, 0x05, 0x03],
	'8': [0x36, 0x49, 0x49, 0x49, 0x36],
	'9': [0x06, 0x49, 0x49, 0x29, 0x1e],
	A: [0x7e, 0x11, 0x11, 0x11, 0x7e],
	B: [0x7f, 0x49, 0x49, 0x49, 0x36],
	C: [0x3e, 0x41, 0x41, 0x41, 0x22],
	D: [0x7f, 0x41, 0x41, 0x22, 0x1c],
	E: [0x7f, 0x49, 0x49, 0x49, 0x41],
	F: [0x7f, 0x09, 0x09, 0x09, 0x01],
	G: [0x3e, 0x41, 0x49, 0x49, 0x7a],
	H: [0x7f, 0x08, 0x08, 0x08, 0x7f],
	I: [0x00, 0x41, 0x7f, 0x41, 0x00],
	J: [0x20, 0x40, 0x41, 0x3f, 0x01],
	K: [0x7f, 0x08, 0x14, 0x22, 0x41],
	L: [0x7f, 0x40, 0x40, 0x40, 0x40],
	M: [0x7f, 0x02, 0x0c, 0x02, 0x7f],
	N: [0x7f, 0x04, 0x08, 0x10, 0x7f],
	O: [0x3e, 0x41, 0x41, 0x41, 0x3e],
	P: [0x7f, 0x09, 0x09, 0x09, 0x06],
	Q: [0x3e, 0x41, 0x51, 0x21, 0x5e],
	R: [0x7f, 0x09, 0x19, 0x29, 0x46],
	S: [0x46, 0x49, 0x49, 0x49, 0x31],
	T: [0x01, 0x01, 0x7f, 0x01, 0x01],
	U: [0x3f, 0x40, 0x40, 0x40, 0x3f],
	V: [0x1f, 0x20, 0x40, 0x20, 0x1f],
	W: [0x3f, 0x40, 0x38, 0x40, 0x3f],
	X: [0x63, 0x14, 0x08, 0x14, 0x63],
	Y: [0x07, 0x08, 0x70, 0x08, 0x07],
	Z: [0x61, 0x51, 0x49, 0x45, 0x43],
	'-': [0x08, 0x08, 0x08, 0x08, 0x08],
	'.': [0x00, 0x60, 0x60, 0x00, 0x00],
	_: [0x40, 0x40, 0x40, 0x40, 0x40],
	':': [0x00, 0x36, 0x36, 0x00, 0x00],
	'/': [0x20, 0x10, 0x08, 0x04, 0x02],
	' ': [0, 0, 0, 0, 0],
	'?': [0x02, 0x01, 0x51, 0x09, 0x06],
};
const GLYPH_WIDTH = 6;
const GLYPH_HEIGHT = 7;

const textWidth = (text: string) => text.length * GLYPH_WIDTH - 1;

function drawText(image: RgbaImage, text: string, x: number, y: number, colour: Colour): void {
	[...text.toUpperCase()].forEach((char, n) => {
		const glyph = GLYPHS[char] ?? GLYPHS['?'];
		glyph.forEach((column, cx) => {
			for (let cy = 0; cy < GLYPH_HEIGHT; cy++)
				if (column & (1 << cy)) setPixel(image, x + n * GLYPH_WIDTH + cx, y + cy, colour);
		});
	});
}

/** A filled label ("button") with 10 px margins around white text, top-left at (x, y). Returns its height. */
function button(image: RgbaImage, text: string, x: number, y: number, background: Colour): number {
	const width = textWidth(text) + 20;
	const height = GLYPH_HEIGHT + 20;
	fillRect(image, x, y, x + width - 1, y + height - 1, background);
	drawText(image, text, x + 10, y + 10, [255, 255, 255]);
	return height;
}

export interface DrawableDetection {
	x: number;
	y: number;
	width: number;
	height: number;
	confidence: number;
	class: string;
	points?: Array<{ x: number; y: number }>;
	keypoints?: Array<{ x: number; y: number }>;
}

/**
 * Boxes, polygons, keypoints and optional labels over a copy of the image; JPEG bytes (quality
 * 90 as the model route's, Workflows encode at 95).
 */
export function drawDetections(
	image: RgbaImage,
	predictions: readonly DrawableDetection[],
	{ stroke = 1, labels = false, quality = 90 } = {},
): Buffer {
	const canvas = cloneImage(image);
	const colour = hexToRgb(DEFAULT_DRAW_COLOUR);
	const thickness = Math.max(1, stroke);
	for (const box of predictions) {
		const x1 = Math.trunc(box.x - box.width / 2);
		const x2 = Math.trunc(box.x + box.width / 2);
		const y1 = Math.trunc(box.y - box.height / 2);
		const y2 = Math.trunc(box.y + box.height / 2);
		cvRectangle(canvas, x1, y1, x2, y2, thickness, colour);
		if (box.points && box.points.length > 2) {
			const points = box.points.map((p) => [Math.trunc(p.x), Math.trunc(p.y)] as const);
			points.forEach(([ax, ay], i) => {
				const [bx, by] = points[(i + 1) % points.length];
				line(canvas, ax, ay, bx, by, thickness, colour);
			});
		}
		for (const keypoint of box.keypoints ?? [])
			fillCircle(canvas, pyRound(keypoint.x), pyRound(keypoint.y), thickness, colour);
		if (labels)
			button(canvas, `${box.class} ${box.confidence.toFixed(2)}`, x1, y1, [
				colour[2],
				colour[1],
				colour[0],
			]);
	}
	return encodeJpeg(canvas, quality);
}

/** PIL's `rectangle([x0, y0, x1, y1], outline, width)`: inclusive corners, the outline grows inwards. */
function pilRectangle(
	image: RgbaImage,
	x0: number,
	y0: number,
	x1: number,
	y1: number,
	width: number,
	colour: Colour,
): void {
	const w = Math.max(1, width);
	fillRect(image, x0, y0, x1, y0 + w - 1, colour);
	fillRect(image, x0, y1 - w + 1, x1, y1, colour);
	fillRect(image, x0, y0, x0 + w - 1, y1, colour);
	fillRect(image, x1 - w + 1, y0, x1, y1, colour);
}

/** Single-label: frame in the top class's colour and "class_id - class 0.95". Throws when nothing passed (Inference: 500). */
export function drawSingleLabel(
	image: RgbaImage,
	predictions: ReadonlyArray<{ class: string; class_id: number; confidence: number }>,
	stroke = 1,
): Buffer {
	const top = predictions[0];
	if (!top) throw new RangeError('list index out of range');
	const canvas = cloneImage(image);
	const colour = hexToRgb(ROBOFLOW_PALETTE[top.class_id % ROBOFLOW_PALETTE.length]);
	pilRectangle(canvas, 0, 0, image.height, image.width, stroke, colour);
	button(canvas, `${top.class_id} - ${top.class} ${top.confidence.toFixed(2)}`, 0, 0, colour);
	return encodeJpeg(canvas, 75);
}

/** Multi-label: a `#4892EA` frame and one "class 0.95" label per class, best first. */
export function drawMultiLabel(
	image: RgbaImage,
	predictions: Readonly<Record<string, { confidence: number }>>,
	stroke = 1,
): Buffer {
	const canvas = cloneImage(image);
	const colour = hexToRgb(DEFAULT_DRAW_COLOUR);
	const entries = Object.entries(predictions).sort((a, b) => b[1].confidence - a[1].confidence);
	if (entries.length) pilRectangle(canvas, 0, 0, image.height, image.width, stroke, colour);
	let row = 0;
	for (const [name, prediction] of entries)
		row += button(canvas, `${name} ${prediction.confidence.toFixed(2)}`, 0, row, colour);
	return encodeJpeg(canvas, 75);
}
