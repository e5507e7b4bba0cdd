'use strict';
// Makes real PNG and JPEG images of a known dominant colour, for tests, the demo and the benchmark.
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');

/** Deterministic pseudo-random numbers, so generated images (and their sizes) repeat run to run. */
function seeded(seed) {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return ((state >>> 0) % 1_000_000) / 1_000_000;
	};
}

/**
 * RGBA pixels filled with `rgb`, with +-`noise` per channel: noise makes the file as large as a
 * photo of the same size would be, while the dominant colour stays the same.
 */
function pixels(width, height, rgb, noise = 0, seed = 1) {
	const data = Buffer.alloc(width * height * 4);
	const random = seeded(seed);
	for (let i = 0; i < width * height; i++) {
		for (let c = 0; c < 3; c++) {
			const jitter = noise ? Math.round((random() * 2 - 1) * noise) : 0;
			data[i * 4 + c] = Math.max(0, Math.min(255, rgb[c] + jitter));
		}
		data[i * 4 + 3] = 255;
	}
	return data;
}

/** @returns {Buffer} a PNG image */
function makePng(width, height, rgb, { noise = 0, seed = 1 } = {}) {
	const png = new PNG({ width, height });
	pixels(width, height, rgb, noise, seed).copy(png.data);
	return PNG.sync.write(png);
}

/** @returns {Buffer} a JPEG image */
function makeJpeg(width, height, rgb, { noise = 0, seed = 1, quality = 90 } = {}) {
	const data = pixels(width, height, rgb, noise, seed);
	return jpeg.encode({ data, width, height }, quality).data;
}

const COLOURS = {
	red: [220, 30, 30],
	green: [30, 200, 40],
	blue: [30, 40, 220],
	white: [245, 245, 245],
	black: [12, 12, 12],
	grey: [128, 128, 128],
};

module.exports = { makePng, makeJpeg, COLOURS };
