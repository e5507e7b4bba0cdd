/**
 * The model table: which model ids the server knows, what task each one is, and how it answers
 * (the response fields of docs/roboflow-api.md §4.2-§4.6, plus the annotated image of §4.7).
 */
import { SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import type { MultiLabelAnswer, SingleLabelAnswer } from './classify.ts';
import {
	classifyColors,
	classifyTones,
	colourStats,
	COLORS_CLASSES,
	statsFromHash,
	TONES_CLASSES,
} from './classify.ts';
import type { Analysis, Keypoint, Shape } from './detect.ts';
import {
	analyseImage,
	KEYPOINT_NAMES,
	keypointsOf,
	newDetectionId,
	postProcess,
	rectangleRle,
} from './detect.ts';
import { drawDetections, drawMultiLabel, drawSingleLabel } from './draw.ts';
import { HttpError, MESSAGES } from './errors.ts';
import type { RgbaImage } from './image.ts';
import type { InferenceParams } from './params.ts';

/** Roboflow's task types (`classification` covers single- and multi-label). */
export type ModelTask =
	| 'classification'
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection';

export interface ModelKind {
	task: ModelTask;
	multiLabel: boolean;
	/** In `class_id` order. */
	classes: readonly string[];
	/** Keypoint names in keypoint `class_id` order (keypoint models). */
	keypoints?: readonly string[];
	description: string;
}

export const MODEL_KINDS = {
	colors: {
		task: 'classification',
		multiLabel: false,
		classes: COLORS_CLASSES,
		description: 'single-label: red / green / blue from a softmax of the mean colour',
	},
	tones: {
		task: 'classification',
		multiLabel: true,
		classes: TONES_CLASSES,
		description: 'multi-label: bright (luminance), dark (1 - luminance), colourful (mean chroma)',
	},
	shapes: {
		task: 'object-detection',
		multiLabel: false,
		classes: SHAPE_CLASSES,
		description: 'object detection: one box per rectangle of a SHAPE_CLASSES colour',
	},
	'shapes-seg': {
		task: 'instance-segmentation',
		multiLabel: false,
		classes: SHAPE_CLASSES,
		description:
			'instance segmentation: the boxes of `shapes` plus the rectangle as a polygon (or COCO RLE)',
	},
	'shapes-pose': {
		task: 'keypoint-detection',
		multiLabel: false,
		classes: SHAPE_CLASSES,
		keypoints: KEYPOINT_NAMES,
		description: 'keypoints: the boxes of `shapes` plus corners and centre as keypoints',
	},
} as const satisfies Record<string, ModelKind>;

export type ModelKindName = keyof typeof MODEL_KINDS;

export const isModelKind = (name: string): name is ModelKindName =>
	Object.hasOwn(MODEL_KINDS, name);

/** The models every server knows (model id -> kind); `options.models` adds or overrides. */
export const DEFAULT_MODELS: Readonly<Record<string, ModelKindName>> = {
	'colors/1': 'colors',
	'tones/1': 'tones',
	'shapes/1': 'shapes',
	'shapes-seg/1': 'shapes-seg',
	'shapes-pose/1': 'shapes-pose',
};

export interface ModelInfo extends ModelKind {
	id: string;
	kind: ModelKindName;
}

/** The default models with their task, classes and keypoint names. */
export const MODELS: readonly ModelInfo[] = Object.entries(DEFAULT_MODELS).map(([id, kind]) => ({
	id,
	kind,
	...MODEL_KINDS[kind],
}));

/** What a model needs: decoded pixels, or (header-only classification) just a content hash. */
export interface ModelInput {
	image?: RgbaImage;
	hash: string;
}

export interface ModelAnswer {
	/** Response fields after `inference_id`, `time`, `image`. */
	fields: Record<string, unknown>;
	/** The annotated JPEG; throws what Inference would fail with (e.g. a single-label answer without classes). */
	draw: () => Buffer;
}

/** Whether a model can answer from `ModelInput.hash` alone (header-only mode with JSON output). */
export const answersFromHash = (kind: ModelKindName): boolean =>
	MODEL_KINDS[kind].task === 'classification';

export function runModel(
	kindName: ModelKindName,
	input: ModelInput,
	params: InferenceParams,
): ModelAnswer {
	const kind: ModelKind = MODEL_KINDS[kindName];
	if (kind.task === 'classification') return classification(kind, input, params);
	if (!input.image) throw new Error('detection models need decoded pixels');
	return detection(kind, input.image, params);
}

function classification(kind: ModelKind, input: ModelInput, params: InferenceParams): ModelAnswer {
	// Inference maps `best` / `default` to 0.5 for classification (docs/roboflow-api.md §3.2).
	const confidence = typeof params.confidence === 'number' ? params.confidence : 0.5;
	const stats = input.image ? colourStats(input.image) : statsFromHash(input.hash);
	const needImage = () => {
		if (!input.image) throw new Error('no pixels to draw on');
		return input.image;
	};
	if (kind.multiLabel) {
		const answer: MultiLabelAnswer = classifyTones(stats, confidence);
		return {
			fields: { ...answer },
			draw: () => drawMultiLabel(needImage(), answer.predictions, params.stroke),
		};
	}
	const answer: SingleLabelAnswer = classifyColors(stats, confidence);
	return {
		fields: { ...answer },
		draw: () => drawSingleLabel(needImage(), answer.predictions, params.stroke),
	};
}

function detection(kind: ModelKind, image: RgbaImage, params: InferenceParams): ModelAnswer {
	if (kind.task === 'keypoint-detection' && params.confidence === 'best') {
		// A pydantic validation error raised inside the route: Inference answers 500 (docs/roboflow-api.md §3.2).
		throw new HttpError(500, { message: MESSAGES.internal });
	}
	if (kind.task === 'instance-segmentation') {
		const validMode = ['accurate', 'fast', 'tradeoff'].includes(params.maskDecodeMode);
		if (!validMode || !(params.tradeoffFactor >= 0 && params.tradeoffFactor <= 1)) {
			throw new HttpError(400, { message: MESSAGES.invalidMaskDecode });
		}
	}
	const confidence =
		typeof params.confidence === 'number'
			? params.confidence
			: params.confidence === 'best'
				? 0.5
				: 0.4;
	const analysis = analyseImage(image, SHAPE_PALETTE);
	const kept = postProcess(analysis.shapes, confidence, params.overlap, params.maxDetections);
	const predictions = kept.map((shape) => prediction(kind, analysis, shape, params));
	return {
		fields: { predictions },
		draw: () =>
			drawDetections(image, predictions, { stroke: params.stroke, labels: params.labels }),
	};
}

/** A detection-style prediction (§4.4-§4.6). */
export interface DetectionPrediction {
	x: number;
	y: number;
	width: number;
	height: number;
	confidence: number;
	class: string;
	class_id: number;
	detection_id: string;
	points?: Array<{ x: number; y: number }>;
	rle?: { size: [number, number]; counts: string };
	mask_format?: 'polygon' | 'rle';
	keypoints?: Keypoint[];
}

function prediction(
	kind: ModelKind,
	analysis: Analysis,
	shape: Shape,
	params: InferenceParams,
): DetectionPrediction {
	const width = shape.x1 - shape.x0;
	const height = shape.y1 - shape.y0;
	const base: DetectionPrediction = {
		x: shape.x0 + width / 2,
		y: shape.y0 + height / 2,
		width,
		height,
		confidence: shape.confidence,
		class: kind.classes[shape.classIndex],
		class_id: shape.classIndex,
		detection_id: newDetectionId(),
	};
	if (kind.task === 'instance-segmentation') {
		if (params.responseMaskFormat === 'rle') {
			return {
				...base,
				rle: rectangleRle(shape, analysis.width, analysis.height),
				mask_format: 'rle',
			};
		}
		const points = [
			{ x: shape.x0, y: shape.y0 },
			{ x: shape.x1, y: shape.y0 },
			{ x: shape.x1, y: shape.y1 },
			{ x: shape.x0, y: shape.y1 },
		];
		return { ...base, points, mask_format: 'polygon' };
	}
	if (kind.task === 'keypoint-detection') {
		return { ...base, keypoints: keypointsOf(analysis, shape, params.keypointConfidence) };
	}
	return base;
}
