/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the benchmark runs in Node, never inside n8n */
/**
 * The benchmark's settings and image sets: folders of PNGs cycling through three variants, and
 * what the local server spends answering one (detection sets), so that a row that measures the
 * server and not the node says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import {
	COLOURS,
	makePng,
	makeShapesPng,
	SHAPE_CLASSES,
	SHAPE_PALETTE,
} from '../tools/images/index.ts';
import {
	analyseImage,
	decodeImage,
	encodeJpeg,
	postProcess,
} from '../tools/roboflow-server/index.ts';

/** Boxes in every detection answer: the shapes images hold this many rectangles. */
export const BOXES = 50;
/** The node's Max Concurrency and the server's latency in the throughput rows. */
export const C = 8;
export const L = 50;
/** A latency of the same mean that varies: uniform 25-75 ms, from a seeded sequence. */
export const JITTER = '25-75';

export type Operation = 'classify' | 'detect' | 'detectAnnotated';

export interface ImageSet {
	name: string;
	dir: string;
	count: number;
	operation: Operation;
	/** Mean size of one image. */
	bytes: number;
	/** The local server's work for one answer (detection sets), and its annotated JPEG's size. */
	serverMs: number;
	annotatedBytes: number;
}

/** Three noisy one-colour PNGs of `side` x `side` pixels (red, green, blue): for Classify Image. */
export const colourImages = (side: number) =>
	(['red', 'green', 'blue'] as const).map((c, i) =>
		makePng(side, side, COLOURS[c], { noise: 30, seed: i + 1 }),
	);

/** Three PNGs of BOXES rectangles, one per cell of a 10 x 5 grid, classes cycling: for Detect Objects. */
export function shapeImages(width: number, height: number, noise: number): Buffer[] {
	const [cellW, cellH] = [width / 10, height / (BOXES / 10)];
	return [0, 1, 2].map((first) => {
		const rects = Array.from({ length: BOXES }, (_, i) => ({
			colour: SHAPE_CLASSES[(i + first) % SHAPE_CLASSES.length],
			x: Math.round((i % 10) * cellW + cellW * 0.2),
			y: Math.round(Math.floor(i / 10) * cellH + cellH * 0.2),
			width: Math.round(cellW * 0.6),
			height: Math.round(cellH * 0.6),
		}));
		return makeShapesPng({ width, height, rects, noise, seed: first + 1 });
	});
}

/**
 * `png` grown to `size` bytes by a private ancillary chunk before IEND, which decoders skip (PNG
 * §5.4): the request carries as many bytes as a larger image; the server decodes a small drawing.
 */
export function padPng(png: Buffer, size: number): Buffer {
	const fill = size - png.length - 12;
	if (fill <= 0) return png;
	// p: ancillary, d: private, N: reserved bit clear, g: safe to copy.
	const chunk = Buffer.concat([Buffer.from('pdNg', 'latin1'), Buffer.alloc(fill, 0x5a)]);
	const [length, crc] = [Buffer.alloc(4), Buffer.alloc(4)];
	length.writeUInt32BE(fill);
	crc.writeUInt32BE(zlib.crc32(chunk));
	const iend = png.length - 12;
	return Buffer.concat([png.subarray(0, iend), length, chunk, crc, png.subarray(iend)]);
}

/** The local server's work for one detection answer (median of 5 after 5 to warm up); checks the image gives BOXES boxes. */
function serverWork(png: Buffer, annotated: boolean): { ms: number; jpegBytes: number } {
	const times: number[] = [];
	let jpegBytes = 0;
	for (let i = 0; i < 10; i++) {
		const started = performance.now();
		const image = decodeImage(png);
		const boxes = postProcess(analyseImage(image, SHAPE_PALETTE).shapes, 0.4, 0.3, 300).length;
		if (annotated) jpegBytes = encodeJpeg(image, 90).length;
		times.push(performance.now() - started);
		if (boxes !== BOXES) throw new Error(`a shapes image gives ${boxes} boxes, not ${BOXES}`);
	}
	return { ms: times.slice(5).sort((a, b) => a - b)[2], jpegBytes };
}

/** Writes `count` files named img-00000.png... cycling through `variants` into `<work>/<name>`. */
export function writeSet(
	work: string,
	name: string,
	count: number,
	operation: Operation,
	variants: Buffer[],
): ImageSet {
	const dir = path.join(work, name);
	fs.mkdirSync(dir, { recursive: true });
	for (let i = 0; i < count; i++)
		fs.writeFileSync(
			path.join(dir, `img-${String(i).padStart(5, '0')}.png`),
			variants[i % variants.length],
		);
	const bytes = variants.reduce((sum, v) => sum + v.length, 0) / variants.length;
	const { ms, jpegBytes } =
		operation === 'classify'
			? { ms: 0, jpegBytes: 0 }
			: serverWork(variants[0], operation === 'detectAnnotated');
	return { name, dir, count, operation, bytes, serverMs: ms, annotatedBytes: jpegBytes };
}
