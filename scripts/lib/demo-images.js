'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { COLOURS, makeJpeg, makePng } = require('../../tools/images/index.ts');

/** The demo's sample images: real PNG/JPEG files whose dominant colour is their true class. */
const SAMPLES = [
	['strawberry.png', 'red'],
	['lime.jpg', 'green'],
	['blueberry.png', 'blue'],
	['tomato.jpg', 'red'],
	['leaf.png', 'green'],
	['sky.jpg', 'blue'],
];

function writeSampleImages(dir) {
	fs.mkdirSync(dir, { recursive: true });
	SAMPLES.forEach(([name, colour], i) => {
		const make = name.endsWith('.png') ? makePng : makeJpeg;
		fs.writeFileSync(path.join(dir, name), make(96 + i * 8, 64 + i * 4, COLOURS[colour], { noise: 25, seed: i + 1 }));
	});
	return SAMPLES.map(([name, colour]) => ({ name, colour }));
}

module.exports = { writeSampleImages, SAMPLES };
