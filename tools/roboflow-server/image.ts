/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server, never inside n8n: pngjs and jpeg-js are root devDependencies, but the rule reads the nearest package.json (this folder's, which only sets the module type) */
/** PNG and JPEG in (what the models see), JPEG out (annotated images), sizes from headers. */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** Decoded pixels: RGBA, 4 bytes per pixel, rows top to bottom. */
export interface RgbaImage {
	width: number;
	height: number;
	data: Uint8Array;
}

const isPng = (bytes: Buffer) => bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47;
const isJpeg = (bytes: Buffer) => bytes.length >= 3 && bytes.readUIntBE(0, 3) === 0xffd8ff;

/** PNG or JPEG bytes to RGBA pixels; throws for anything else. */
export function decodeImage(bytes: Buffer): RgbaImage {
	const decoded = isPng(bytes)
		? PNG.sync.read(bytes)
		: isJpeg(bytes)
			? jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 })
			: undefined;
	if (decoded) return { width: decoded.width, height: decoded.height, data: decoded.data };
	throw new Error('not a PNG or JPEG image');
}

/** Width and height from a PNG's IHDR, without decoding pixels (the benchmark sends PNGs). */
export function readImageSize(bytes: Buffer): { width: number; height: number } {
	if (isPng(bytes)) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	throw new Error('not a PNG image');
}

/** RGBA pixels to JPEG bytes (Inference: 90 for the model route, 95 in Workflows, 75 via PIL). */
export function encodeJpeg(image: RgbaImage, quality = 90): Buffer {
	const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
	return jpeg.encode({ data, width: image.width, height: image.height }, quality).data;
}

export const cloneImage = ({ width, height, data }: RgbaImage): RgbaImage => ({
	width,
	height,
	data: Uint8Array.from(data),
});
