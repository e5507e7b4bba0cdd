/**
 * Annotated images (docs/roboflow-api.md §4.7) drawn where Inference draws them
 * (`inference/core/utils/visualisation.py`, the classification adapter's `draw_predictions`):
 * - detections: every box in `#4892EA` (Inference's colour lookup by class name always falls
 *   back to it), corners at `int(x -/+ width/2)`, polygons, keypoints as dots. JPEG quality 90;
 * - single-label: a frame in the top class's palette colour over (0,0)-(height,width), width and
 *   height swapped as Inference does, and a label at the top left; multi-label: a `#4892EA`
 *   frame and one label per class, best first. JPEG quality 75 (PIL's default).
 * A label's text is one white block per character: Inference's place and size, not its glyphs.
 */
import type { RgbaImage } from './image.ts';
import { cloneImage, encodeJpeg } from './image.ts';

type Colour = readonly [number, number, number];

/** Inference's `DEFAULT_COLOR_PALETTE` by class id (its first three), and its fallback colour. */
const PALETTE: readonly Colour[] = [
	[0xa3, 0x51, 0xfb],
	[0xff, 0x40, 0x40],
	[0xff, 0xa1, 0xa0],
];
const BLUE: Colour = [0x48, 0x92, 0xea];

/** Fills [x0, x1] x [y0, y1], inclusive, clipped to the image. */
function fill(image: RgbaImage, [x0, y0, x1, y1]: number[], colour: Colour) {
	const [left, right] = [
		Math.max(0, Math.min(x0, x1)),
		Math.min(image.width - 1, Math.max(x0, x1)),
	];
	for (
		let y = Math.max(0, Math.min(y0, y1));
		y <= Math.min(image.height - 1, Math.max(y0, y1));
		y++
	)
		for (let x = left; x <= right; x++) image.data.set([...colour, 255], (y * image.width + x) * 4);
}

/** A closed outline through the points (Bresenham lines, `thickness` wide). */
function outline(image: RgbaImage, points: number[][], thickness: number) {
	const before = Math.floor((thickness - 1) / 2);
	points.forEach(([x0, y0], i) => {
		const [x1, y1] = points[(i + 1) % points.length];
		const [dx, dy, sx, sy] = [
			Math.abs(x1 - x0),
			-Math.abs(y1 - y0),
			Math.sign(x1 - x0),
			Math.sign(y1 - y0),
		];
		for (let [x, y, error] = [x0, y0, dx + dy]; ; ) {
			fill(
				image,
				[x - before, y - before, x - before + thickness - 1, y - before + thickness - 1],
				BLUE,
			);
			if (x === x1 && y === y1) break;
			const e2 = 2 * error;
			if (e2 >= dy) [error, x] = [error + dy, x + sx];
			if (e2 <= dx) [error, y] = [error + dx, y + sy];
		}
	});
}

/** A label with 10 px margins around its text, top left at (0, y); returns its height. */
function label(image: RgbaImage, text: string, y: number, background: Colour): number {
	fill(image, [0, y, text.length * 6 + 18, y + 26], background);
	for (let n = 0; n < text.length; n++)
		if (text[n] !== ' ') fill(image, [10 + n * 6, y + 10, 14 + n * 6, y + 16], [255, 255, 255]);
	return 27;
}

export interface DrawableDetection {
	x: number;
	y: number;
	width: number;
	height: number;
	points?: Array<{ x: number; y: number }>;
	keypoints?: Array<{ x: number; y: number }>;
}

/** Boxes, outlines and keypoints over a copy of the image, as JPEG. */
export function drawDetections(
	image: RgbaImage,
	predictions: readonly DrawableDetection[],
	{ stroke = 1, quality = 90 } = {},
): Buffer {
	const canvas = cloneImage(image);
	for (const box of predictions) {
		const [x1, x2] = [Math.trunc(box.x - box.width / 2), Math.trunc(box.x + box.width / 2)];
		const [y1, y2] = [Math.trunc(box.y - box.height / 2), Math.trunc(box.y + box.height / 2)];
		outline(
			canvas,
			[
				[x1, y1],
				[x2, y1],
				[x2, y2],
				[x1, y2],
			],
			stroke,
		);
		if (box.points)
			outline(
				canvas,
				box.points.map((p) => [Math.trunc(p.x), Math.trunc(p.y)]),
				stroke,
			);
		for (const { x, y } of box.keypoints ?? [])
			fill(canvas, [x - stroke, y - stroke, x + stroke, y + stroke], BLUE);
	}
	return encodeJpeg(canvas, quality);
}

/** PIL's 1 px `rectangle([0, 0, x1, y1])`, inclusive corners. */
const frame = (image: RgbaImage, x1: number, y1: number, colour: Colour) =>
	[
		[0, 0, x1, 0],
		[0, y1, x1, y1],
		[0, 0, 0, y1],
		[x1, 0, x1, y1],
	].forEach((side) => fill(image, side, colour));

/**
 * Classification: a frame and one label per class, best first, in the top class's palette
 * colour (single-label: only the top class; none throws, as Inference indexes an empty list:
 * 500) or `#4892EA` (multi-label, every class).
 */
export function drawClasses(
	image: RgbaImage,
	predictions: ReadonlyArray<{ class: string; class_id: number; confidence: number }>,
	multiLabel: boolean,
): Buffer {
	const sorted = [...predictions].sort((a, b) => b.confidence - a.confidence);
	const [top] = sorted;
	if (!top) throw new RangeError('list index out of range');
	const colour = multiLabel ? BLUE : PALETTE[top.class_id % PALETTE.length];
	const canvas = cloneImage(image);
	frame(canvas, image.height, image.width, colour);
	const labels = multiLabel
		? sorted.map((p) => `${p.class} ${p.confidence.toFixed(2)}`)
		: [`${top.class_id} - ${top.class} ${top.confidence.toFixed(2)}`];
	labels.reduce((row, text) => row + label(canvas, text, row, colour), 0);
	return encodeJpeg(canvas, 75);
}
