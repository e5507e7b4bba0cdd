/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server, never inside n8n: pngjs and jpeg-js are root devDependencies, but the rule reads the nearest package.json (this folder's, which only sets the module type) */
/**
 * Image decode/encode for the local Roboflow server: PNG and JPEG in (what the models see),
 * JPEG out (annotated images), and header-only size reading for the benchmark mode.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

/** Decoded pixels: RGBA, 4 bytes per pixel, rows top to bottom. */
export interface RgbaImage {
	width: number;
	height: number;
	data: Uint8Array;
}

export const isPng = (bytes: Uint8Array): boolean =>
	bytes.length >= 4 &&
	bytes[0] === 0x89 &&
	bytes[1] === 0x50 &&
	bytes[2] === 0x4e &&
	bytes[3] === 0x47;

export const isJpeg = (bytes: Uint8Array): boolean =>
	bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** PNG or JPEG bytes to RGBA pixels; throws `not a PNG or JPEG image` (or the decoder's error). */
export function decodeImage(bytes: Buffer): RgbaImage {
	if (isPng(bytes)) {
		const png = PNG.sync.read(bytes);
		return { width: png.width, height: png.height, data: png.data };
	}
	if (isJpeg(bytes)) {
		const image = jpeg.decode(bytes, {
			useTArray: true,
			formatAsRGBA: true,
			maxMemoryUsageInMB: 1024,
		});
		return { width: image.width, height: image.height, data: image.data };
	}
	throw new Error('not a PNG or JPEG image');
}

/**
 * Width and height from a PNG's IHDR chunk or a JPEG's SOFn marker, without decoding pixels
 * (the benchmark's header-only mode, where the server must not be the bottleneck).
 */
export function readImageSize(bytes: Buffer): { width: number; height: number } {
	if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50) {
		return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	}
	if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
		for (let i = 2; i + 9 < bytes.length; ) {
			if (bytes[i] !== 0xff) break;
			const marker = bytes[i + 1];
			const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
			if (isFrame) return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
			i += 2 + bytes.readUInt16BE(i + 2);
		}
	}
	throw new Error('not a PNG or JPEG image');
}

/** RGBA pixels to JPEG bytes (Inference encodes annotated detections at quality 90, PIL's default is 75). */
export function encodeJpeg(image: RgbaImage, quality = 90): Buffer {
	const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
	return jpeg.encode({ data, width: image.width, height: image.height }, quality).data;
}

/** A copy of an image's pixels (drawing never changes the decoded input). */
export function cloneImage(image: RgbaImage): RgbaImage {
	return { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
}
