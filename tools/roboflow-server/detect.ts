/**
 * The pixel detector behind every model that finds things: the solid coloured rectangles of an
 * image (tools/images `makeShapesPng`), and Roboflow's post-processing of them.
 *
 * 1. Background = the most common colour on the image's border.
 * 2. A pixel belongs to palette colour P when it lies on the line from the background B to P,
 *    at least 0.45 of the way (`t`) and within 45 of the line: JPEG artefacts and noise do not
 *    matter, and half-transparent rectangles are found with a lower `t`.
 * 3. Same-colour pixels form 4-connected components. One that fills its bounding box is a
 *    rectangle; another (same-colour rectangles overlapping) is split back into rectangles: its
 *    edges make a grid, and the largest all-inside grid rectangles cover it greedily, so two
 *    overlapping rectangles come back as both and NMS decides whether both are reported.
 * 4. Confidence = 0.95 x mean `t` x the share of the box with its colour (0.95 for a clean
 *    opaque rectangle, about 0.95 x opacity for a translucent one).
 */
import crypto from 'node:crypto';

import type { Rgb } from '../images/index.ts';
import type { RgbaImage } from './image.ts';

/** A found rectangle covering [x0, x1) x [y0, y1). */
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
	/** Per pixel: the palette index it was matched to, -1 for none. */
	labels: Int8Array;
	/** Confidence descending, then area descending, then top to bottom, left to right. */
	shapes: Shape[];
}

type Box = [x0: number, y0: number, x1: number, y1: number];

export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
export const newDetectionId = (): string => crypto.randomUUID();

/** The most common colour (16-level bins) of the border pixels, averaged within its bin. */
function background({ width, height, data }: RgbaImage): Rgb {
	const bins = new Map<number, number[]>();
	const add = (x: number, y: number) => {
		const i = (y * width + x) * 4;
		const key = ((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4);
		const bin = bins.get(key) ?? [0, 0, 0, 0];
		bins.set(key, [bin[0] + 1, bin[1] + data[i], bin[2] + data[i + 1], bin[3] + data[i + 2]]);
	};
	for (let x = 0; x < width; x++) [0, height - 1].forEach((y) => add(x, y));
	for (let y = 1; y < height - 1; y++) [0, width - 1].forEach((x) => add(x, y));
	const [n, r, g, b] = [...bins.values()].reduce((a, c) => (c[0] > a[0] ? c : a), [0, 0, 0, 0]);
	return n ? [r / n, g / n, b / n] : [0, 0, 0];
}

/** Each pixel's palette index (-1: none) and its strength `t`. */
function labelPixels(image: RgbaImage, palette: readonly Rgb[], base: Rgb) {
	const count = image.width * image.height;
	const labels = new Int8Array(count).fill(-1);
	const strength = new Float32Array(count);
	const dirs = palette
		.map((p, index) => ({ index, d: [0, 1, 2].map((c) => p[c] - base[c]) }))
		.map((dir) => ({ ...dir, n2: dir.d.reduce((sum, v) => sum + v * v, 0) }))
		.filter((dir) => dir.n2 >= 40 * 40);
	for (let p = 0; p < count; p++) {
		const v0 = image.data[p * 4] - base[0];
		const v1 = image.data[p * 4 + 1] - base[1];
		const v2 = image.data[p * 4 + 2] - base[2];
		let best = 45 * 45;
		for (const { index, d, n2 } of dirs) {
			const t = (v0 * d[0] + v1 * d[1] + v2 * d[2]) / n2;
			if (t < 0.45 || t > 1.6) continue;
			const residual = (v0 - t * d[0]) ** 2 + (v1 - t * d[1]) ** 2 + (v2 - t * d[2]) ** 2;
			if (residual > best) continue;
			best = residual;
			labels[p] = index;
			strength[p] = Math.min(1, t);
		}
	}
	return { labels, strength };
}

interface Component {
	id: number;
	classIndex: number;
	count: number;
	box: Box;
}

/** 4-connected components of same-label pixels, and each pixel's component id. */
function components(labels: Int8Array, width: number) {
	const ids = new Int32Array(labels.length).fill(-1);
	const list: Component[] = [];
	const stack: number[] = [];
	for (let start = 0; start < labels.length; start++) {
		if (labels[start] < 0 || ids[start] >= 0) continue;
		const component: Component = {
			id: list.length,
			classIndex: labels[start],
			count: 0,
			box: [width, labels.length, 0, 0],
		};
		const box = component.box;
		ids[start] = component.id;
		stack.push(start);
		while (stack.length) {
			const p = stack.pop()!;
			const x = p % width;
			const y = (p - x) / width;
			component.count++;
			if (x < box[0]) box[0] = x;
			if (y < box[1]) box[1] = y;
			if (x + 1 > box[2]) box[2] = x + 1;
			if (y + 1 > box[3]) box[3] = y + 1;
			for (const q of [x > 0 ? p - 1 : -1, x + 1 < width ? p + 1 : -1, p - width, p + width]) {
				if (q < 0 || q >= labels.length || ids[q] >= 0 || labels[q] !== component.classIndex)
					continue;
				ids[q] = component.id;
				stack.push(q);
			}
		}
		list.push(component);
	}
	return { ids, list };
}

/**
 * Positions where at least 3 rows (or columns) change between inside and outside: the edges.
 * Of two neighbouring positions (a jagged JPEG edge) only the stronger counts.
 */
function edgePositions(transitions: Int32Array): number[] {
	const length = transitions.length - 1;
	const at = (i: number) => transitions[i] ?? 0;
	const candidates: number[] = [];
	for (let i = 1; i < length; i++)
		if (transitions[i] > 0 && at(i - 1) + transitions[i] + at(i + 1) >= 3) candidates.push(i);
	candidates.sort((a, b) => transitions[b] - transitions[a] || a - b);
	const edges = [0, length];
	for (const i of candidates) if (edges.every((edge) => Math.abs(edge - i) > 1)) edges.push(i);
	return edges.sort((a, b) => a - b);
}

/** Splits a component that does not fill its box back into rectangles (see the header, 3.). */
function decompose({ id, box }: Component, ids: Int32Array, width: number): Box[] {
	const [x0, y0, x1, y1] = box;
	const inside = (x: number, y: number) =>
		x >= x0 && y >= y0 && x < x1 && y < y1 && ids[y * width + x] === id;
	const xt = new Int32Array(x1 - x0 + 1);
	const yt = new Int32Array(y1 - y0 + 1);
	for (let y = y0; y <= y1; y++)
		for (let x = x0; x <= x1; x++) {
			if (y < y1 && inside(x, y) !== inside(x - 1, y)) xt[x - x0]++;
			if (x < x1 && inside(x, y) !== inside(x, y - 1)) yt[y - y0]++;
		}
	const xs = edgePositions(xt).map((x) => x + x0);
	const ys = edgePositions(yt).map((y) => y + y0);
	if (xs.length > 49 || ys.length > 49) return [box];
	// A grid cell is inside when at least half its pixels are.
	const cellIn = (i: number, j: number) => {
		let n = 0;
		for (let y = ys[j]; y < ys[j + 1]; y++)
			for (let x = xs[i]; x < xs[i + 1]; x++) if (inside(x, y)) n++;
		return n * 2 >= (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j]);
	};
	const cells = ys.slice(1).map((_, j) => xs.slice(1).map((__, i) => cellIn(i, j)));
	const allIn = (i0: number, j0: number, i1: number, j1: number) =>
		i0 >= 0 &&
		j0 >= 0 &&
		j1 <= cells.length &&
		i1 <= xs.length - 1 &&
		cells.slice(j0, j1).every((row) => row.slice(i0, i1).every(Boolean));
	const candidates: Box[] = [];
	cells.forEach((row, j0) =>
		row.forEach((isIn, i0) => {
			for (let j1 = j0 + 1; isIn && allIn(i0, j0, i0 + 1, j1); j1++)
				for (let i1 = i0 + 1; allIn(i0, j0, i1, j1); i1++)
					if (
						!allIn(i0 - 1, j0, i1, j1) &&
						!allIn(i0, j0 - 1, i1, j1) &&
						!allIn(i0, j0, i1 + 1, j1) &&
						!allIn(i0, j0, i1, j1 + 1)
					)
						candidates.push([i0, j0, i1, j1]);
		}),
	);
	return greedyCover(candidates, cells, xs, ys);
}

/** The fewest grid rectangles covering every inside cell, largest gain first, in pixels. */
function greedyCover(candidates: Box[], cells: boolean[][], xs: number[], ys: number[]): Box[] {
	const covered = cells.map((row) => row.map(() => false));
	const gain = ([i0, j0, i1, j1]: Box) => {
		let sum = 0;
		for (let j = j0; j < j1; j++)
			for (let i = i0; i < i1; i++)
				if (!covered[j][i]) sum += (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j]);
		return sum;
	};
	const chosen: Box[] = [];
	for (;;) {
		const best = candidates.reduce<[Box | undefined, number]>(
			(top, c) => (gain(c) > top[1] ? [c, gain(c)] : top),
			[undefined, 0],
		)[0];
		if (!best) break;
		for (let j = best[1]; j < best[3]; j++)
			for (let i = best[0]; i < best[2]; i++) covered[j][i] = true;
		chosen.push(best);
	}
	return chosen.map(([i0, j0, i1, j1]) => [xs[i0], ys[j0], xs[i1], ys[j1]]);
}

/** Finds the palette-coloured rectangles of an image. */
export function analyseImage(image: RgbaImage, palette: readonly Rgb[]): Analysis {
	const { width, height } = image;
	const { labels, strength } = labelPixels(image, palette, background(image));
	const { ids, list } = components(labels, width);
	const shapes: Shape[] = [];
	for (const component of list.filter((c) => c.count >= 6)) {
		const [bx0, by0, bx1, by1] = component.box;
		const filled = component.count >= 0.97 * (bx1 - bx0) * (by1 - by0);
		for (const [x0, y0, x1, y1] of filled ? [component.box] : decompose(component, ids, width)) {
			if (x1 - x0 < 2 || y1 - y0 < 2 || (x1 - x0) * (y1 - y0) < 6) continue;
			let n = 0;
			let sum = 0;
			for (let y = y0; y < y1; y++)
				for (let x = x0; x < x1; x++)
					if (labels[y * width + x] === component.classIndex) {
						n++;
						sum += strength[y * width + x];
					}
			const confidence = round4(((0.95 * sum) / Math.max(n, 1)) * (n / ((x1 - x0) * (y1 - y0))));
			if (n) shapes.push({ x0, y0, x1, y1, classIndex: component.classIndex, confidence });
		}
	}
	const area = (s: Shape) => (s.x1 - s.x0) * (s.y1 - s.y0);
	shapes.sort(
		(a, b) => b.confidence - a.confidence || area(b) - area(a) || a.y0 - b.y0 || a.x0 - b.x0,
	);
	return { width, height, labels, shapes };
}

type Edges = Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>;

export function iou(a: Edges, b: Edges): number {
	const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
	const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
	if (w <= 0 || h <= 0) return 0;
	return (w * h) / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - w * h);
}

/**
 * Roboflow's post-processing: confidence strictly above the threshold, per-class NMS (IoU above
 * `overlap` with a kept same-class box drops a box), then `maxDetections` with Python slicing
 * (Inference's `keep[:max_detections]`: a negative value drops that many from the end).
 */
export function postProcess(
	shapes: readonly Shape[],
	confidence: number,
	overlap: number,
	maxDetections: number,
): Shape[] {
	const kept: Shape[] = [];
	for (const shape of shapes)
		if (
			shape.confidence > confidence &&
			!kept.some((k) => k.classIndex === shape.classIndex && iou(k, shape) > overlap)
		)
			kept.push(shape);
	return kept.slice(0, maxDetections);
}

/** The share (0..1) of a box's pixels labelled with a class. */
export function classShare(
	{ width, height, labels }: Analysis,
	classIndex: number,
	box: Edges,
): number {
	const [x0, y0] = [Math.max(0, Math.floor(box.x0)), Math.max(0, Math.floor(box.y0))];
	const [x1, y1] = [Math.min(width, Math.ceil(box.x1)), Math.min(height, Math.ceil(box.y1))];
	let n = 0;
	for (let y = y0; y < y1; y++)
		for (let x = x0; x < x1; x++) if (labels[y * width + x] === classIndex) n++;
	return x1 > x0 && y1 > y0 ? n / ((x1 - x0) * (y1 - y0)) : 0;
}

export const KEYPOINT_NAMES = [
	'top_left',
	'top_right',
	'bottom_right',
	'bottom_left',
	'center',
] as const;

/**
 * A rectangle's corners and centre as keypoints. Confidence = the shape's x the share of a small
 * patch inside the rectangle at the point that has its colour: a covered corner drops to 0,
 * and keypoints at 0 are left out, as Inference does.
 */
export function keypointsOf(analysis: Analysis, shape: Shape) {
	const { x0, y0, x1, y1 } = shape;
	const k = Math.max(1, Math.min(3, Math.floor(Math.min(x1 - x0, y1 - y0) / 4)));
	const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
	const points = [
		[x0, y0, 0, 0],
		[x1, y0, -k, 0],
		[x1, y1, -k, -k],
		[x0, y1, 0, -k],
		[cx, cy, -k / 2, -k / 2],
	];
	return points.flatMap(([x, y, dx, dy], index) => {
		const patch = {
			x0: Math.floor(x + dx),
			y0: Math.floor(y + dy),
			x1: Math.floor(x + dx) + k,
			y1: Math.floor(y + dy) + k,
		};
		const confidence = round4(shape.confidence * classShare(analysis, shape.classIndex, patch));
		if (confidence <= 0) return [];
		return [{ x, y, confidence, class_id: index, class: KEYPOINT_NAMES[index] }];
	});
}
