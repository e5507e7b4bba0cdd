/**
 * The pixel detector behind the detection-style models: finds the solid coloured rectangles
 * of an image (see `makeShapesPng` in tools/images/index.ts) and turns them into Roboflow-shaped
 * predictions after Roboflow's post-processing (confidence threshold, per-class NMS with the
 * `overlap` IoU, `max_detections` cap).
 *
 * How it sees an image:
 * 1. Background = the most common colour on the image's border.
 * 2. Each pixel is matched to the palette colour P it lies closest to on the line from the
 *    background B to P: `t` = how far along (0 = background, 1 = P) and the distance from
 *    that line. A pixel belongs to P when `t` >= 0.45 and the distance <= 45 (so JPEG
 *    artefacts and noise of up to ~20 per channel do not matter; half-transparent rectangles
 *    are still found, with a lower `t`).
 * 3. Same-class pixels are grouped into 4-connected components (under 6 pixels: ignored).
 *    A component that fills its bounding box is one rectangle. Otherwise (same-colour
 *    rectangles overlapping, or another colour covering part of one) it is split back into
 *    rectangles: its edges define a grid, the grid's maximal all-inside rectangles are the
 *    candidates, and the fewest candidates that cover it are kept (ties: those owning the most
 *    convex corners of the shape, then the least overlap). Two overlapping same-colour
 *    rectangles that each stick out of the other at a corner therefore come back as both
 *    rectangles, and NMS then decides whether both are reported. Same-colour rectangles that
 *    only touch, or one inside another, are one rectangle, as their pixels are; one that sticks
 *    out of another along a single side comes back stretched to the other's edge.
 * 4. Confidence of a rectangle = 0.95 x mean `t` of its class pixels x the share of its area
 *    that has its class (rounded to 4 decimals): 0.95 for a clean opaque rectangle, about
 *    0.95 x opacity for a half-transparent one, a bit less where JPEG blurs the edges.
 */
import crypto from 'node:crypto';

import type { Rgb } from '../images/index.ts';
import type { RgbaImage } from './image.ts';
import { round4 } from './classify.ts';

/** A found rectangle: pixel edges, covering [x0, x1) x [y0, y1). */
export interface Shape {
	x0: number;
	y0: number;
	x1: number;
	y1: number;
	classIndex: number;
	confidence: number;
}

export interface Analysis {
	width: number;
	height: number;
	background: Rgb;
	/** Per pixel: the palette index it was matched to, -1 for none. */
	labels: Int8Array;
	/** Confidence descending, then area descending, then top to bottom, left to right. */
	shapes: Shape[];
}

const MIN_T = 0.45;
const MAX_T = 1.6;
const MAX_RESIDUAL = 45;
const MIN_COLOUR_DISTANCE = 40;
const MIN_AREA = 6;
const MIN_EDGE_ROWS = 3;
const MAX_GRID = 48;
const CONFIDENCE_SCALE = 0.95;

/** The most common colour (in 16-level bins) among the border pixels, averaged within its bin. */
export function estimateBackground({ width, height, data }: RgbaImage): Rgb {
	const bins = new Map<number, { n: number; r: number; g: number; b: number }>();
	const add = (x: number, y: number) => {
		const i = (y * width + x) * 4;
		const key = ((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4);
		const bin = bins.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
		bin.n++;
		bin.r += data[i];
		bin.g += data[i + 1];
		bin.b += data[i + 2];
		bins.set(key, bin);
	};
	for (let x = 0; x < width; x++) {
		add(x, 0);
		if (height > 1) add(x, height - 1);
	}
	for (let y = 1; y < height - 1; y++) {
		add(0, y);
		if (width > 1) add(width - 1, y);
	}
	let best = { n: 0, r: 0, g: 0, b: 0 };
	for (const bin of bins.values()) if (bin.n > best.n) best = bin;
	if (!best.n) return [0, 0, 0];
	return [best.r / best.n, best.g / best.n, best.b / best.n];
}

/** Matches every pixel to a palette colour (or none); returns labels and `t` strengths. */
function labelPixels(
	image: RgbaImage,
	palette: readonly Rgb[],
	background: Rgb,
): { labels: Int8Array; strength: Float32Array } {
	const { width, height, data } = image;
	const count = width * height;
	const labels = new Int8Array(count).fill(-1);
	const strength = new Float32Array(count);
	const dirs = palette
		.map((p, index) => {
			const d = [p[0] - background[0], p[1] - background[1], p[2] - background[2]];
			return { index, d, n2: d[0] * d[0] + d[1] * d[1] + d[2] * d[2] };
		})
		.filter((dir) => dir.n2 >= MIN_COLOUR_DISTANCE * MIN_COLOUR_DISTANCE);
	const maxResidual2 = MAX_RESIDUAL * MAX_RESIDUAL;
	for (let p = 0; p < count; p++) {
		const i = p * 4;
		const v0 = data[i] - background[0];
		const v1 = data[i + 1] - background[1];
		const v2 = data[i + 2] - background[2];
		let best = -1;
		let bestResidual = maxResidual2;
		let bestT = 0;
		for (const { index, d, n2 } of dirs) {
			const t = (v0 * d[0] + v1 * d[1] + v2 * d[2]) / n2;
			if (t < MIN_T || t > MAX_T) continue;
			const r0 = v0 - t * d[0];
			const r1 = v1 - t * d[1];
			const r2 = v2 - t * d[2];
			const residual = r0 * r0 + r1 * r1 + r2 * r2;
			if (residual <= bestResidual) {
				best = index;
				bestResidual = residual;
				bestT = t;
			}
		}
		if (best >= 0) {
			labels[p] = best;
			strength[p] = Math.min(1, bestT);
		}
	}
	return { labels, strength };
}

interface Component {
	id: number;
	classIndex: number;
	count: number;
	x0: number;
	y0: number;
	x1: number;
	y1: number;
}

/** 4-connected components of same-label pixels. */
function components(
	labels: Int8Array,
	width: number,
	height: number,
): { ids: Int32Array; list: Component[] } {
	const ids = new Int32Array(labels.length).fill(-1);
	const stack = new Int32Array(labels.length);
	const list: Component[] = [];
	for (let start = 0; start < labels.length; start++) {
		const classIndex = labels[start];
		if (classIndex < 0 || ids[start] >= 0) continue;
		const component: Component = {
			id: list.length,
			classIndex,
			count: 0,
			x0: width,
			y0: height,
			x1: 0,
			y1: 0,
		};
		let top = 0;
		stack[top++] = start;
		ids[start] = component.id;
		while (top > 0) {
			const p = stack[--top];
			const x = p % width;
			const y = (p - x) / width;
			component.count++;
			if (x < component.x0) component.x0 = x;
			if (y < component.y0) component.y0 = y;
			if (x + 1 > component.x1) component.x1 = x + 1;
			if (y + 1 > component.y1) component.y1 = y + 1;
			const visit = (q: number) => {
				if (ids[q] < 0 && labels[q] === classIndex) {
					ids[q] = component.id;
					stack[top++] = q;
				}
			};
			if (x > 0) visit(p - 1);
			if (x + 1 < width) visit(p + 1);
			if (y > 0) visit(p - width);
			if (y + 1 < height) visit(p + width);
		}
		list.push(component);
	}
	return { ids, list };
}

/**
 * Positions (0..length) where many rows (or columns) change between inside and outside: the
 * edges. A position counts when it and its neighbours hold at least MIN_EDGE_ROWS changes;
 * of two positions next to each other (a jagged JPEG edge) only the stronger is kept.
 */
function edgePositions(transitions: Int32Array): number[] {
	const length = transitions.length - 1;
	const at = (i: number) => (i >= 0 && i <= length ? transitions[i] : 0);
	const candidates: number[] = [];
	for (let i = 1; i < length; i++) {
		if (transitions[i] > 0 && at(i - 1) + transitions[i] + at(i + 1) >= MIN_EDGE_ROWS)
			candidates.push(i);
	}
	candidates.sort((a, b) => transitions[b] - transitions[a] || a - b);
	const edges = [0, length];
	for (const i of candidates) if (edges.every((edge) => Math.abs(edge - i) > 1)) edges.push(i);
	return edges.sort((a, b) => a - b);
}

type Box = [x0: number, y0: number, x1: number, y1: number];
/** A rectangle of grid cells: [i0, j0, i1, j1), column and row indexes. */
type Cell4 = [number, number, number, number];

/** Splits a component that does not fill its bounding box back into the rectangles it is made of. */
function decompose(component: Component, ids: Int32Array, width: number): Box[] {
	const { id, x0, y0, x1, y1 } = component;
	const bw = x1 - x0;
	const bh = y1 - y0;
	const inside = (x: number, y: number) =>
		x >= 0 && y >= 0 && x < bw && y < bh && ids[(y0 + y) * width + x0 + x] === id;
	const xTransitions = new Int32Array(bw + 1);
	const yTransitions = new Int32Array(bh + 1);
	for (let y = 0; y < bh; y++) {
		for (let x = 0; x <= bw; x++) if (inside(x, y) !== inside(x - 1, y)) xTransitions[x]++;
	}
	for (let x = 0; x < bw; x++) {
		for (let y = 0; y <= bh; y++) if (inside(x, y) !== inside(x, y - 1)) yTransitions[y]++;
	}
	const xs = edgePositions(xTransitions);
	const ys = edgePositions(yTransitions);
	const nx = xs.length - 1;
	const ny = ys.length - 1;
	if (nx > MAX_GRID || ny > MAX_GRID) return [[x0, y0, x1, y1]];

	// Grid cells: inside when at least half their pixels are.
	const cellIn = new Uint8Array(nx * ny);
	for (let j = 0; j < ny; j++) {
		for (let i = 0; i < nx; i++) {
			let n = 0;
			for (let y = ys[j]; y < ys[j + 1]; y++)
				for (let x = xs[i]; x < xs[i + 1]; x++) if (inside(x, y)) n++;
			cellIn[j * nx + i] = n * 2 >= (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j]) ? 1 : 0;
		}
	}
	const prefix = new Int32Array((nx + 1) * (ny + 1));
	for (let j = 0; j < ny; j++) {
		for (let i = 0; i < nx; i++) {
			prefix[(j + 1) * (nx + 1) + i + 1] =
				cellIn[j * nx + i] +
				prefix[j * (nx + 1) + i + 1] +
				prefix[(j + 1) * (nx + 1) + i] -
				prefix[j * (nx + 1) + i];
		}
	}
	const allIn = (i0: number, j0: number, i1: number, j1: number) =>
		i0 >= 0 &&
		j0 >= 0 &&
		i1 <= nx &&
		j1 <= ny &&
		prefix[j1 * (nx + 1) + i1] -
			prefix[j0 * (nx + 1) + i1] -
			prefix[j1 * (nx + 1) + i0] +
			prefix[j0 * (nx + 1) + i0] ===
			(i1 - i0) * (j1 - j0);

	// Maximal all-inside cell rectangles.
	const candidates: Array<Cell4> = [];
	for (let j0 = 0; j0 < ny; j0++) {
		for (let i0 = 0; i0 < nx; i0++) {
			if (!cellIn[j0 * nx + i0]) continue;
			for (let j1 = j0 + 1; j1 <= ny && allIn(i0, j0, i0 + 1, j1); j1++) {
				for (let i1 = i0 + 1; i1 <= nx && allIn(i0, j0, i1, j1); i1++) {
					const maximal =
						!allIn(i0 - 1, j0, i1, j1) &&
						!allIn(i0, j0 - 1, i1, j1) &&
						!allIn(i0, j0, i1 + 1, j1) &&
						!allIn(i0, j0, i1, j1 + 1);
					if (maximal) candidates.push([i0, j0, i1, j1]);
				}
			}
		}
	}

	const cellArea = (i: number, j: number) => (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j]);
	const area = ([i0, j0, i1, j1]: Cell4) => (xs[i1] - xs[i0]) * (ys[j1] - ys[j0]);
	const isIn = (i: number, j: number) =>
		i >= 0 && j >= 0 && i < nx && j < ny && cellIn[j * nx + i] === 1;
	// Corners of a candidate that are convex corners of the component: an original rectangle owns
	// at least one (the others may lie inside a rectangle covering it), a "cross" of two rarely more.
	const corners = ([i0, j0, i1, j1]: Cell4) =>
		[
			[i0, j0, -1, -1],
			[i1 - 1, j0, 1, -1],
			[i1 - 1, j1 - 1, 1, 1],
			[i0, j1 - 1, -1, 1],
		].filter(([i, j, di, dj]) => !isIn(i + di, j) && !isIn(i, j + dj)).length;
	const toBoxes = (cells: Cell4[]): Box[] =>
		cells.map(([i0, j0, i1, j1]) => [x0 + xs[i0], y0 + ys[j0], x0 + xs[i1], y0 + ys[j1]]);
	const inCells: number[] = [];
	for (let c = 0; c < nx * ny; c++) if (cellIn[c]) inCells.push(c);
	const cellsOf = ([i0, j0, i1, j1]: Cell4) => {
		const list: number[] = [];
		for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) list.push(j * nx + i);
		return list;
	};

	// The fewest candidates covering every inside cell; among equally few, those owning the most
	// convex corners, then the least total area (least overlap). Exact for few candidates.
	if (candidates.length <= 14) {
		const covers = candidates.map(cellsOf);
		const counter = new Int32Array(nx * ny);
		for (let size = 1; size <= candidates.length; size++) {
			let best: number[] | undefined;
			let bestScore: [number, number] = [-1, 0];
			const pick: number[] = [];
			const search = (from: number) => {
				if (pick.length === size) {
					counter.fill(0);
					for (const index of pick) for (const cell of covers[index]) counter[cell]++;
					if (inCells.some((cell) => counter[cell] === 0)) return;
					const cornerSum = pick.reduce((sum, index) => sum + corners(candidates[index]), 0);
					const areaSum = pick.reduce((sum, index) => sum + area(candidates[index]), 0);
					if (cornerSum > bestScore[0] || (cornerSum === bestScore[0] && areaSum < bestScore[1])) {
						best = [...pick];
						bestScore = [cornerSum, areaSum];
					}
					return;
				}
				for (let index = from; index < candidates.length; index++) {
					pick.push(index);
					search(index + 1);
					pick.pop();
				}
			};
			search(0);
			if (best) return toBoxes(best.map((index) => candidates[index]));
		}
	}

	// Many candidates: greedily the one covering most uncovered pixels (ties: more corners, larger).
	const covered = new Uint8Array(nx * ny);
	const gain = ([i0, j0, i1, j1]: Cell4) => {
		let sum = 0;
		for (let j = j0; j < j1; j++)
			for (let i = i0; i < i1; i++) if (!covered[j * nx + i]) sum += cellArea(i, j);
		return sum;
	};
	const better = (a: Cell4, b: Cell4) =>
		corners(a) - corners(b) || area(a) - area(b) || b[1] - a[1] || b[0] - a[0];
	const chosen: Cell4[] = [];
	for (;;) {
		let best: Cell4 | undefined;
		let bestGain = 0;
		for (const candidate of candidates) {
			const g = gain(candidate);
			if (g > bestGain || (g > 0 && g === bestGain && best && better(candidate, best) > 0)) {
				best = candidate;
				bestGain = g;
			}
		}
		if (!best) break;
		for (const cell of cellsOf(best)) covered[cell] = 1;
		chosen.push(best);
	}
	return toBoxes(chosen);
}

/** Finds the palette-coloured rectangles of an image. */
export function analyseImage(image: RgbaImage, palette: readonly Rgb[]): Analysis {
	const { width, height } = image;
	const background = estimateBackground(image);
	const { labels, strength } = labelPixels(image, palette, background);
	const { ids, list } = components(labels, width, height);
	const shapes: Shape[] = [];
	for (const component of list) {
		if (component.count < MIN_AREA) continue;
		const boxArea = (component.x1 - component.x0) * (component.y1 - component.y0);
		const boxes: Box[] =
			component.count >= 0.97 * boxArea
				? [[component.x0, component.y0, component.x1, component.y1]]
				: decompose(component, ids, width);
		for (const [x0, y0, x1, y1] of boxes) {
			if ((x1 - x0) * (y1 - y0) < MIN_AREA || x1 - x0 < 2 || y1 - y0 < 2) continue;
			let n = 0;
			let sum = 0;
			for (let y = y0; y < y1; y++) {
				for (let x = x0; x < x1; x++) {
					const p = y * width + x;
					if (labels[p] === component.classIndex) {
						n++;
						sum += strength[p];
					}
				}
			}
			if (!n) continue;
			const purity = n / ((x1 - x0) * (y1 - y0));
			shapes.push({
				x0,
				y0,
				x1,
				y1,
				classIndex: component.classIndex,
				confidence: round4(CONFIDENCE_SCALE * (sum / n) * purity),
			});
		}
	}
	shapes.sort(
		(a, b) =>
			b.confidence - a.confidence ||
			(b.x1 - b.x0) * (b.y1 - b.y0) - (a.x1 - a.x0) * (a.y1 - a.y0) ||
			a.y0 - b.y0 ||
			a.x0 - b.x0,
	);
	return { width, height, background, labels, shapes };
}

/** Intersection over union of two boxes. */
export function iou(
	a: Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>,
	b: Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>,
): number {
	const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
	const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
	if (w <= 0 || h <= 0) return 0;
	const inter = w * h;
	return inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter);
}

/**
 * Roboflow's post-processing: keep shapes with confidence strictly above the threshold,
 * per-class NMS (a shape is dropped when its IoU with a kept, more confident shape of the same
 * class is above `overlap`), then the first `maxDetections` (Python slicing: a negative value
 * drops that many from the end, as Inference's `keep[:max_detections]` does).
 */
export function postProcess(
	shapes: readonly Shape[],
	confidence: number,
	overlap: number,
	maxDetections: number,
): Shape[] {
	const kept: Shape[] = [];
	for (const shape of shapes) {
		if (!(shape.confidence > confidence)) continue;
		if (kept.some((other) => other.classIndex === shape.classIndex && iou(other, shape) > overlap))
			continue;
		kept.push(shape);
	}
	return kept.length > maxDetections ? kept.slice(0, maxDetections) : kept;
}

/** Share (0..1) of a box's pixels labelled with a class. */
export function classShare(
	analysis: Analysis,
	classIndex: number,
	x0: number,
	y0: number,
	x1: number,
	y1: number,
): number {
	const { width, height, labels } = analysis;
	const cx0 = Math.max(0, Math.floor(x0));
	const cy0 = Math.max(0, Math.floor(y0));
	const cx1 = Math.min(width, Math.ceil(x1));
	const cy1 = Math.min(height, Math.ceil(y1));
	if (cx1 <= cx0 || cy1 <= cy0) return 0;
	let n = 0;
	for (let y = cy0; y < cy1; y++)
		for (let x = cx0; x < cx1; x++) if (labels[y * width + x] === classIndex) n++;
	return n / ((cx1 - cx0) * (cy1 - cy0));
}

export const KEYPOINT_NAMES = [
	'top_left',
	'top_right',
	'bottom_right',
	'bottom_left',
	'center',
] as const;

export interface Keypoint {
	x: number;
	y: number;
	confidence: number;
	class_id: number;
	class: string;
}

/**
 * A rectangle's keypoints (`KEYPOINT_NAMES`: its corners and centre). Confidence = the
 * shape's confidence x the share of a small patch at the point (inside the rectangle) that
 * has the shape's colour: a corner covered by another colour drops towards 0. Keypoints below
 * `keypointConfidence`, and those at 0, are left out, as Inference does.
 */
export function keypointsOf(
	analysis: Analysis,
	shape: Shape,
	keypointConfidence: number,
): Keypoint[] {
	const { x0, y0, x1, y1, classIndex } = shape;
	const k = Math.max(1, Math.min(3, Math.floor(Math.min(x1 - x0, y1 - y0) / 4)));
	const cx = (x0 + x1) / 2;
	const cy = (y0 + y1) / 2;
	const points: Array<[number, number, number, number, number, number]> = [
		[x0, y0, x0, y0, x0 + k, y0 + k],
		[x1, y0, x1 - k, y0, x1, y0 + k],
		[x1, y1, x1 - k, y1 - k, x1, y1],
		[x0, y1, x0, y1 - k, x0 + k, y1],
		[
			cx,
			cy,
			Math.floor(cx - k / 2),
			Math.floor(cy - k / 2),
			Math.floor(cx - k / 2) + k,
			Math.floor(cy - k / 2) + k,
		],
	];
	const result: Keypoint[] = [];
	points.forEach(([x, y, px0, py0, px1, py1], index) => {
		const confidence = round4(
			shape.confidence * classShare(analysis, classIndex, px0, py0, px1, py1),
		);
		if (confidence <= 0 || confidence < keypointConfidence) return;
		result.push({ x, y, confidence, class_id: index, class: KEYPOINT_NAMES[index] });
	});
	return result;
}

/** COCO RLE of a rectangle mask (column-major, compressed string form), as `response_mask_format=rle` sends. */
export function rectangleRle(
	shape: Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>,
	width: number,
	height: number,
): { size: [number, number]; counts: string } {
	const counts: number[] = [];
	let current = 0;
	let run = 0;
	const push = (value: number, length: number) => {
		if (length <= 0) return;
		if (value === current) run += length;
		else {
			counts.push(run);
			current = value;
			run = length;
		}
	};
	for (let x = 0; x < width; x++) {
		if (x < shape.x0 || x >= shape.x1) push(0, height);
		else {
			push(0, shape.y0);
			push(1, shape.y1 - shape.y0);
			push(0, height - shape.y1);
		}
	}
	counts.push(run);
	let text = '';
	counts.forEach((count, i) => {
		let x = i > 2 ? count - counts[i - 2] : count;
		let more = true;
		while (more) {
			let c = x & 0x1f;
			x = Math.floor(x / 32);
			more = c & 0x10 ? x !== -1 : x !== 0;
			if (more) c |= 0x20;
			text += String.fromCharCode(c + 48);
		}
	});
	return { size: [height, width], counts: text };
}

export const newDetectionId = (): string => crypto.randomUUID();
