/**
 * The classification models: `colors` (single-label: red / green / blue by the image's mean
 * colour, a softmax) and `tones` (multi-label: bright / dark / colourful from luminance and
 * chroma). Answers in Roboflow's shapes (docs/roboflow-api.md §4.2, §4.3).
 */
import type { RgbaImage } from './image.ts';

export interface ColourStats {
	r: number;
	g: number;
	b: number;
	luminance: number;
	saturation: number;
}

export interface SingleLabelPrediction {
	class: string;
	class_id: number;
	confidence: number;
}

export interface SingleLabelAnswer {
	predictions: SingleLabelPrediction[];
	top: string;
	confidence: number;
}

export interface MultiLabelAnswer {
	predictions: Record<string, { confidence: number; class_id: number }>;
	predicted_classes: string[];
}

export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Stand-in colour statistics derived from a content hash: stable per image, no decoding. */
export function statsFromHash(hex: string): ColourStats {
	const [r, g, b, sat] = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, saturation: sat };
}

/** Mean red, green, blue (0..1), luminance and chroma ("saturation") of an RGBA image. */
export function colourStats({ data }: RgbaImage): ColourStats {
	let r = 0;
	let g = 0;
	let b = 0;
	let sat = 0;
	// Sampling every 7th pixel keeps large images fast and the answer the same for a uniform image.
	const step = 4 * 7;
	let n = 0;
	for (let i = 0; i + 3 < data.length; i += step) {
		const pr = data[i] / 255;
		const pg = data[i + 1] / 255;
		const pb = data[i + 2] / 255;
		r += pr;
		g += pg;
		b += pb;
		sat += Math.max(pr, pg, pb) - Math.min(pr, pg, pb);
		n++;
	}
	n = Math.max(n, 1);
	r /= n;
	g /= n;
	b /= n;
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, saturation: sat / n };
}

export const COLORS_CLASSES = ['red', 'green', 'blue'] as const;
export const TONES_CLASSES = ['bright', 'dark', 'colourful'] as const;

/** Single-label: softmax over the mean channels; classes below the threshold dropped, best first. */
export function classifyColors(stats: ColourStats, confidence: number): SingleLabelAnswer {
	const logits = [stats.r, stats.g, stats.b].map((x) => x * 8);
	const max = Math.max(...logits);
	const exps = logits.map((x) => Math.exp(x - max));
	const sum = exps.reduce((a, b) => a + b, 0);
	const predictions = COLORS_CLASSES.map((name, classId) => ({
		class: name as string,
		class_id: classId,
		confidence: round4(exps[classId] / sum),
	}))
		.filter((p) => p.confidence >= confidence)
		.sort((a, b) => b.confidence - a.confidence);
	return {
		predictions,
		top: predictions[0]?.class ?? '',
		confidence: predictions[0]?.confidence ?? 0,
	};
}

/** Multi-label: every class with its score; `predicted_classes` those at or above the threshold. */
export function classifyTones(stats: ColourStats, confidence: number): MultiLabelAnswer {
	const scores: Record<string, number> = {
		bright: round4(stats.luminance),
		dark: round4(1 - stats.luminance),
		colourful: round4(stats.saturation),
	};
	const predictions: MultiLabelAnswer['predictions'] = {};
	Object.entries(scores).forEach(([name, score], classId) => {
		predictions[name] = { confidence: score, class_id: classId };
	});
	return {
		predictions,
		predicted_classes: Object.keys(scores).filter((name) => scores[name] >= confidence),
	};
}
