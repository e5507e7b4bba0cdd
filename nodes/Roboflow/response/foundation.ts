/** Reading the answers of Roboflow's foundation models (docs/roboflow-api.md §11). */
import type { IDataObject } from 'n8n-workflow';

import { isRecord, toNumber, UnexpectedResponseError } from './common';
import type { DetectionResult } from './detection';
import { normalizeDetections } from './detection';

/** CLIP's answer for `count` labels: one raw cosine similarity per label, in order (§11.1). */
export function clipSimilarities(answer: unknown, count: number): number[] {
	const similarity = isRecord(answer) ? answer.similarity : undefined;
	const values = Array.isArray(similarity) ? similarity.map(toNumber) : [];
	if (values.length !== count || values.some((value) => value === null))
		throw new UnexpectedResponseError(`no "similarity" list of ${count} numbers`);
	return values as number[];
}

/** CLIP's zero-shot probabilities: softmax of 100 x each similarity (CLIP's logit scale, §11.1). */
export function zeroShotClassification(labels: string[], similarities: number[]) {
	const logits = similarities.map((similarity) => 100 * similarity);
	const highest = Math.max(...logits);
	const weights = logits.map((logit) => Math.exp(logit - highest));
	const total = weights.reduce((sum, weight) => sum + weight, 0);
	const predictions = labels
		.map((label, index) => ({
			class: label,
			confidence: weights[index] / total,
			similarity: similarities[index],
		}))
		.sort((a, b) => b.confidence - a.confidence);
	return {
		top: predictions[0].class,
		confidence: predictions[0].confidence,
		predicted_classes: [predictions[0].class],
		predictions,
		similarity: Object.fromEntries(labels.map((label, index) => [label, similarities[index]])),
	} satisfies IDataObject;
}

/** A polygon's points as `{x, y}`: from `[[x, y], ...]`, skipping anything else. */
function polygonPoints(polygon: unknown): Array<{ x: number; y: number }> {
	return (Array.isArray(polygon) ? polygon : [])
		.filter((point): point is [number, number] => Array.isArray(point) && point.length >= 2)
		.map(([x, y]) => ({ x: Number(x), y: Number(y) }))
		.filter(({ x, y }) => Number.isFinite(x) && Number.isFinite(y));
}

/** A SAM 3 prediction as a detection: the box over its polygons' boundary pixels, so +1 (§11.3). */
function sam3Detection(raw: unknown, prompt: string, promptIndex: number): IDataObject | undefined {
	if (!isRecord(raw) || !Array.isArray(raw.masks)) return undefined;
	const outlines = raw.masks.map(polygonPoints).filter((points) => points.length);
	const all = outlines.flat();
	const confidence = toNumber(raw.confidence);
	if (!all.length || confidence === null) return undefined;
	const xs = all.map((point) => point.x);
	const ys = all.map((point) => point.y);
	const [left, top] = [Math.min(...xs), Math.min(...ys)];
	const width = Math.max(...xs) - left + 1;
	const height = Math.max(...ys) - top + 1;
	const points = outlines.reduce((largest, outline) =>
		outline.length > largest.length ? outline : largest,
	);
	return {
		x: left + width / 2,
		y: top + height / 2,
		width,
		height,
		confidence,
		class: prompt,
		class_id: promptIndex,
		points,
	};
}

/** SAM 3's answer as the detection shape: each prompt's masks, named by the prompt (§11.3). */
export function sam3Detections(answer: unknown, prompts: string[], modelId: string) {
	const results = isRecord(answer) ? answer.prompt_results : undefined;
	if (!Array.isArray(results)) throw new UnexpectedResponseError('no "prompt_results" list');
	const predictions = results.filter(isRecord).flatMap((result, position) => {
		const index = toNumber(result.prompt_index) ?? position;
		const prompt = prompts[index] ?? String(index);
		const raw = Array.isArray(result.predictions) ? result.predictions : [];
		return raw.map((prediction) => sam3Detection(prediction, prompt, index)).filter(Boolean);
	});
	return normalizeDetections({ ...(answer as IDataObject), predictions }, modelId, 'polygon');
}

/** Counts for every prompt in order, 0 when none matched; keeps at most `max` objects, best first. */
export function perPrompt(result: DetectionResult, prompts: string[], max?: number) {
	const predictions = max === undefined ? result.predictions : result.predictions.slice(0, max);
	const counts: Record<string, number> = Object.fromEntries(prompts.map((prompt) => [prompt, 0]));
	for (const prediction of predictions)
		counts[prediction.class] = (counts[prediction.class] ?? 0) + 1;
	return {
		...result,
		predictions,
		count: predictions.length,
		class_counts: counts,
		classes: result.classes.filter((name) => counts[name] > 0),
	};
}

/** The OCR answer: Roboflow's `result` text, and the words with boxes when it sent them (§11.4). */
export function ocrResult(answer: unknown, withWords: boolean): IDataObject {
	if (!isRecord(answer) || typeof answer.result !== 'string')
		throw new UnexpectedResponseError('no "result" text');
	if (!withWords) return { text: answer.result };
	const boxes = (Array.isArray(answer.predictions) ? answer.predictions : []).filter(isRecord);
	// DocTR's current backend labels each box block, line or word and sends no text per box: its
	// words take the result's words in order when the counts agree.
	const layout = boxes.some((box) => box.class === 'block' || box.class === 'line');
	const wordBoxes = layout ? boxes.filter((box) => box.class === 'word') : boxes;
	const tokens = answer.result.split(/\s+/).filter(Boolean);
	const words = wordBoxes.map((box, index) => ({
		text: layout ? (tokens.length === wordBoxes.length ? tokens[index] : null) : box.class,
		confidence: toNumber(box.confidence),
		x: toNumber(box.x),
		y: toNumber(box.y),
		width: toNumber(box.width),
		height: toNumber(box.height),
	}));
	return { text: answer.result, words };
}

/** Florence-2's value for a prompt: `response` is keyed by the prompt up to its first `>` (§11.5). */
export function florenceValue(answer: unknown, prompt: string): unknown {
	const response = isRecord(answer) ? answer.response : undefined;
	if (!isRecord(response)) throw new UnexpectedResponseError('no "response" object');
	const key = prompt.includes('>') ? prompt.slice(0, prompt.indexOf('>') + 1) : prompt;
	if (key in response) return response[key];
	const values = Object.values(response);
	if (values.length === 1) return values[0];
	throw new UnexpectedResponseError(`no "${key}" in the response`);
}

/** Florence-2's corner boxes as detections, confidence 1 as Roboflow's own block sets (§11.5). */
export function florenceDetections(
	value: unknown,
	answer: unknown,
	modelId: string,
): DetectionResult {
	if (!isRecord(value) || !Array.isArray(value.bboxes) || !Array.isArray(value.labels))
		throw new UnexpectedResponseError('no "bboxes" and "labels" lists');
	const labels = value.labels;
	const predictions = value.bboxes.map((box, index) => {
		const [x1, y1, x2, y2] = (Array.isArray(box) ? box : []).map(Number);
		return {
			x: (x1 + x2) / 2,
			y: (y1 + y2) / 2,
			width: x2 - x1,
			height: y2 - y1,
			confidence: 1,
			class: String(labels[index] ?? ''),
		};
	});
	return normalizeDetections({ ...(isRecord(answer) ? answer : {}), predictions }, modelId, 'box');
}
