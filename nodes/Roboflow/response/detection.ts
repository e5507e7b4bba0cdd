import type { IDataObject } from 'n8n-workflow';

import type { AnswerMetadata } from './common';
import { isRecord, readMetadata, toNumber, UnexpectedResponseError } from './common';

/** One prediction as Roboflow sends it (box centre and size in pixels), kept whole. */
export interface Detection extends IDataObject {
	x: number;
	y: number;
	width: number;
	height: number;
	class: string;
	confidence: number;
}

/** The node's output fields for object detection, instance segmentation and keypoint models. */
export interface DetectionResult extends IDataObject, AnswerMetadata {
	predictions: Detection[];
	count: number;
	class_counts: Record<string, number>;
	classes: string[];
	top: string;
	confidence: number;
}

/** What a task's predictions must carry beyond a box, to tell its answer from another task's. */
export type DetectionShape = 'box' | 'polygon' | 'keypoints';

function toDetection(raw: unknown, shape: DetectionShape): Detection {
	const entry = isRecord(raw) ? raw : {};
	const box = ['x', 'y', 'width', 'height', 'confidence'].every(
		(key) => toNumber(entry[key]) !== null,
	);
	if (!box || typeof entry.class !== 'string') {
		throw new UnexpectedResponseError(
			`a prediction lacks a class or a numeric box and confidence: ${JSON.stringify(raw).slice(0, 200)}`,
		);
	}
	const prediction = { ...entry } as Detection;
	if (shape === 'polygon' && !Array.isArray(entry.points) && !isRecord(entry.rle)) {
		throw new UnexpectedResponseError('a prediction has no "points" polygon (or "rle" mask)');
	}
	if (shape === 'keypoints') {
		if (!Array.isArray(entry.keypoints))
			throw new UnexpectedResponseError('a prediction has no "keypoints"');
		// Inference names a keypoint `class`; older hosted docs say `class_name`: give both readers `class`.
		prediction.keypoints = entry.keypoints.map((point: unknown) =>
			isRecord(point) && typeof point.class !== 'string' && typeof point.class_name === 'string'
				? { ...point, class: point.class_name }
				: point,
		) as IDataObject[];
	}
	return prediction;
}

/** A detection-style answer as output; `keepClasses` filters here, as Roboflow's servers ignore it. */
export function normalizeDetections(
	raw: unknown,
	modelId: string,
	shape: DetectionShape,
	keepClasses?: ReadonlySet<string>,
): DetectionResult {
	if (!isRecord(raw)) throw new UnexpectedResponseError('the answer is not a JSON object');
	if (!Array.isArray(raw.predictions))
		throw new UnexpectedResponseError('the answer has no "predictions" list');
	const predictions = raw.predictions
		.map((p) => toDetection(p, shape))
		.filter((p) => !keepClasses || keepClasses.has(p.class))
		// Roboflow's order is usually but not promisedly by confidence (docs/roboflow-api.md §4.4).
		.sort((a, b) => b.confidence - a.confidence);
	const classCounts: Record<string, number> = {};
	// A Set keeps first-seen order even for class names such as "1", which object keys would not.
	const classes = new Set<string>();
	for (const prediction of predictions) {
		classCounts[prediction.class] = (classCounts[prediction.class] ?? 0) + 1;
		classes.add(prediction.class);
	}
	return {
		predictions,
		count: predictions.length,
		class_counts: classCounts,
		// Best first: each class where its most confident prediction stands.
		classes: [...classes],
		top: predictions[0]?.class ?? '',
		confidence: predictions[0]?.confidence ?? 0,
		...readMetadata(raw, modelId),
	};
}

/** How many objects Simplify Output keeps, the most confident first; `count` still counts all. */
const SIMPLIFIED_OBJECTS = 20;

/** Simplify Output: counts, top class and a few boxes, so a model's context is not flooded. */
export function simplifyDetections(result: DetectionResult): IDataObject {
	return {
		count: result.count,
		class_counts: result.class_counts,
		classes: result.classes,
		top: result.top,
		confidence: result.confidence,
		predictions: result.predictions
			.slice(0, SIMPLIFIED_OBJECTS)
			.map(({ x, y, width, height, confidence, class: name }) => ({
				class: name,
				confidence,
				x,
				y,
				width,
				height,
			})),
	};
}
