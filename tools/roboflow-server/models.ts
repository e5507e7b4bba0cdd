/**
 * The trained models and their answers (docs/roboflow-api.md §4.2-§4.7), from the image's pixels:
 * - `colors`: single-label red / green / blue, a softmax of the mean colour;
 * - `tones`: multi-label bright (luminance), dark (1 - luminance), colourful (mean chroma);
 * - `shapes`, `shapes-seg`, `shapes-pose`: one detection per rectangle of a `SHAPE_CLASSES`
 *   colour (detect.ts), plus its outline, or its corners and centre as keypoints.
 */
import { SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import type { Shape } from './detect.ts';
import { analyseImage, keypointsOf, newDetectionId, postProcess, round4 } from './detect.ts';
import { drawClasses, drawDetections } from './draw.ts';
import type { RgbaImage } from './image.ts';
import type { InferenceParams } from './params.ts';

export const MODEL_KINDS = {
	colors: 'classification',
	tones: 'classification',
	shapes: 'object-detection',
	'shapes-seg': 'instance-segmentation',
	'shapes-pose': 'keypoint-detection',
} as const;

export type ModelKind = keyof typeof MODEL_KINDS;

export interface ModelAnswer {
	/** The answer's fields after `inference_id`, `time` and `image`. */
	fields: Record<string, unknown>;
	/** The annotated JPEG; throws what Inference fails with. */
	draw: () => Buffer;
}

/** Mean red, green, blue, luminance and chroma (0..1) of every 7th pixel. */
export function colourStats({ data }: RgbaImage) {
	const sums = [0, 0, 0, 0];
	let n = 0;
	for (let i = 0; i + 3 < data.length; i += 4 * 7, n++) {
		const [r, g, b] = [data[i] / 255, data[i + 1] / 255, data[i + 2] / 255];
		[r, g, b, Math.max(r, g, b) - Math.min(r, g, b)].forEach((v, c) => (sums[c] += v));
	}
	const [r, g, b, chroma] = sums.map((sum) => sum / Math.max(n, 1));
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, chroma };
}

export type ColourStats = ReturnType<typeof colourStats>;

/** Stand-in statistics from a content hash, for the benchmark's header-only mode. */
export function statsFromHash(hex: string): ColourStats {
	const [r, g, b, chroma] = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, chroma };
}

/**
 * A classification answer (§4.2, §4.3). Single-label: classes below the threshold dropped, best
 * first (`top: ''` when none passes). Multi-label: every class; `predicted_classes` those at or
 * above it.
 */
export function classify(
	kind: 'colors' | 'tones',
	stats: ColourStats,
	params: InferenceParams,
	image?: RgbaImage,
): ModelAnswer {
	const threshold = params.confidence;
	const pixels = () => {
		if (!image) throw new Error('no pixels to draw on');
		return image;
	};
	if (kind === 'tones') {
		const scores = [stats.luminance, 1 - stats.luminance, stats.chroma].map(round4);
		const names = ['bright', 'dark', 'colourful'];
		const list = names.map((name, i) => ({ class: name, class_id: i, confidence: scores[i] }));
		const predictions = Object.fromEntries(list.map(({ class: name, ...p }) => [name, p]));
		const predicted = names.filter((_, i) => scores[i] >= threshold);
		return {
			fields: { predictions, predicted_classes: predicted },
			draw: () => drawClasses(pixels(), list, true),
		};
	}
	const exps = [stats.r, stats.g, stats.b].map((x) => Math.exp(x * 8));
	const sum = exps.reduce((a, b) => a + b);
	const predictions = ['red', 'green', 'blue']
		.map((name, i) => ({ class: name, class_id: i, confidence: round4(exps[i] / sum) }))
		.filter((p) => p.confidence >= threshold)
		.sort((a, b) => b.confidence - a.confidence);
	const [top] = predictions;
	return {
		fields: { predictions, top: top?.class ?? '', confidence: top?.confidence ?? 0 },
		draw: () => drawClasses(pixels(), predictions, false),
	};
}

/** Roboflow's box of a rectangle: centre, size, confidence, class, class id, detection id (§4.4). */
export function boxOf(shape: Shape) {
	const [width, height] = [shape.x1 - shape.x0, shape.y1 - shape.y0];
	return {
		x: shape.x0 + width / 2,
		y: shape.y0 + height / 2,
		width,
		height,
		confidence: shape.confidence,
		class: SHAPE_CLASSES[shape.classIndex] as string,
		class_id: shape.classIndex,
		detection_id: newDetectionId(),
	};
}

/** A detection-style answer (§4.4-§4.6): boxes, plus the outline (§4.5) or keypoints (§4.6). */
export function detect(
	kind: 'shapes' | 'shapes-seg' | 'shapes-pose',
	image: RgbaImage,
	params: InferenceParams,
): ModelAnswer {
	const analysis = analyseImage(image, SHAPE_PALETTE);
	const { confidence, overlap, maxDetections } = params;
	const shapes = postProcess(analysis.shapes, confidence, overlap, maxDetections);
	const predictions = shapes.map((shape) => {
		const { x0, y0, x1, y1 } = shape;
		if (kind === 'shapes-pose') return { ...boxOf(shape), keypoints: keypointsOf(analysis, shape) };
		if (kind === 'shapes') return boxOf(shape);
		const points = [
			[x0, y0],
			[x1, y0],
			[x1, y1],
			[x0, y1],
		].map(([x, y]) => ({ x, y }));
		return { ...boxOf(shape), points, mask_format: 'polygon' };
	});
	return { fields: { predictions }, draw: () => drawDetections(image, predictions) };
}
