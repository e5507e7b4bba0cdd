/**
 * The workspace's saved Workflows (docs/roboflow-api.md §6): their specifications (what the
 * management API serves and describe_interface reads) and how each runs, on the shapes
 * detector (detect.ts) and the annotator (draw.ts):
 * - `detect-count-and-visualize`: `image`, `confidence` (default 0.4), `classes` (default null:
 *   all) -> `count_objects`, `predictions`, `output_image` (annotated);
 * - `crop-and-classify`: `image` -> `crops` ([{crop, class, confidence}], a crop per box,
 *   classified by the colour most of its pixels have) and `crop_count`;
 * - `always-fails`: its `divide` step fails once its image is assembled (500);
 * - `compare-front-and-back` (versions 1 and 2, the latest): see `compareFrontAndBack`.
 */
import crypto from 'node:crypto';

import { SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import type { Shape } from './detect.ts';
import { analyseImage, classShare, newDetectionId, postProcess, round4 } from './detect.ts';
import { drawDetections } from './draw.ts';
import { HttpError } from './errors.ts';
import type { RgbaImage } from './image.ts';
import { encodeJpeg } from './image.ts';

export interface WorkflowInputSpec {
	type: 'WorkflowImage' | 'WorkflowParameter';
	name: string;
	kind?: string[];
	default_value?: unknown;
}

export interface WorkflowSpecification {
	version: string;
	inputs: WorkflowInputSpec[];
	steps: Array<Record<string, unknown>>;
	outputs: Array<{ type: 'JsonField'; name: string; selector: string }>;
}

/** What a step property fed by a parameter takes (checked at run time, as Inference does). */
export type Accepts = 'fraction' | 'stringList' | 'integer' | 'string' | 'boolean';

/** An input image after assembly, with the id Inference gives it (`image`, `image.[1]`). */
export interface WorkflowImage {
	pixels: RgbaImage;
	parentId: string;
}

/** A sink step's delivery (a webhook it would have sent). */
export interface SinkDelivery {
	block: string;
	blockType: string;
	payload: Record<string, unknown>;
}

export interface RunContext {
	/** Every image input's batch, by name. */
	images: Record<string, WorkflowImage[]>;
	params: Record<string, unknown>;
	disableSinks: boolean;
	deliver: (delivery: SinkDelivery) => void;
}

export interface WorkflowDefinition {
	version: string;
	/** The URL slug: `POST /{workspace}/workflows/{url}`. */
	url: string;
	name: string;
	createdAt: string;
	specification: WorkflowSpecification;
	/** Parameters that feed step properties: `[step, property, input, accepts]`. */
	bindings: ReadonlyArray<
		readonly [step: string, property: string, input: string, accepts: Accepts]
	>;
	/** Output kinds for describe_interface (absent: `*`). */
	outputKinds?: Record<string, string[]>;
	/** One output object per image of the batch; may throw a step's HttpError. */
	run: (context: RunContext) => Array<Record<string, unknown>>;
}

const DETECTION_STEP = 'roboflow_core/roboflow_object_detection_model@v2';
const WEBHOOK_SINK = 'roboflow_core/webhook_sink@v1';
/** Workflows encode images as JPEG quality 95 (`WorkflowImageData.base64_image`). */
const JPEG_QUALITY = 95;

const image = (name: string): WorkflowInputSpec => ({ type: 'WorkflowImage', name });
const parameter = (name: string, kind?: string, default_value?: unknown): WorkflowInputSpec => ({
	type: 'WorkflowParameter',
	name,
	...(kind ? { kind: [kind] } : {}),
	...(default_value !== undefined ? { default_value } : {}),
});
const output = (name: string, selector: string) => ({ type: 'JsonField' as const, name, selector });
const modelStep = (name: string, images: string, extra: Record<string, unknown> = {}) => ({
	type: DETECTION_STEP,
	name,
	images,
	model_id: 'shapes/1',
	...extra,
});
const countStep = {
	type: 'roboflow_core/property_definition@v1',
	name: 'count',
	data: '$steps.model.predictions',
	operations: [{ type: 'SequenceLength' }],
};

/** The shapes detector as a Workflow model step, optionally keeping some classes only. */
function detect(pixels: RgbaImage, confidence: number, classes: unknown) {
	const analysis = analyseImage(pixels, SHAPE_PALETTE);
	const kept = postProcess(analysis.shapes, confidence, 0.3, 300);
	const wanted = Array.isArray(classes) ? classes : undefined;
	return {
		analysis,
		shapes: kept.filter((s) => !wanted || wanted.includes(SHAPE_CLASSES[s.classIndex])),
	};
}

/** A detection as Workflows serialise it: this key order, `parent_id` present. */
function detection(shape: Shape, parentId: string) {
	const [width, height] = [shape.x1 - shape.x0, shape.y1 - shape.y0];
	return {
		width,
		height,
		x: shape.x0 + width / 2,
		y: shape.y0 + height / 2,
		confidence: shape.confidence,
		class_id: shape.classIndex,
		class: SHAPE_CLASSES[shape.classIndex] as string,
		detection_id: newDetectionId(),
		parent_id: parentId,
	};
}

/** An image output: base64 JPEG, video metadata, and for a crop its lineage. */
function imageOutput(jpeg: Buffer, videoIdentifier: string, lineage: Record<string, unknown> = {}) {
	const frameTimestamp = `${new Date().toISOString().slice(0, -1)}000`;
	return {
		type: 'base64',
		value: jpeg.toString('base64'),
		video_metadata: {
			video_identifier: videoIdentifier,
			frame_number: 0,
			frame_timestamp: frameTimestamp,
			fps: 30,
			measured_fps: null,
			comes_from_video_file: null,
		},
		...lineage,
	};
}

function crop(pixels: RgbaImage, { x0, y0, x1, y1 }: Shape): RgbaImage {
	const data = new Uint8Array((x1 - x0) * (y1 - y0) * 4);
	for (let y = y0; y < y1; y++)
		data.set(
			pixels.data.subarray((y * pixels.width + x0) * 4, (y * pixels.width + x1) * 4),
			(y - y0) * (x1 - x0) * 4,
		);
	return { width: x1 - x0, height: y1 - y0, data };
}

const detectCountAndVisualize: WorkflowDefinition = {
	version: '1',
	url: 'detect-count-and-visualize',
	name: 'Detect, Count and Visualize',
	createdAt: '2026-03-02T09:15:00.000Z',
	specification: {
		version: '1.0',
		inputs: [
			image('image'),
			parameter('confidence', 'float_zero_to_one', 0.4),
			parameter('classes', 'list_of_values', null),
		],
		steps: [
			modelStep('model', '$inputs.image', {
				confidence: '$inputs.confidence',
				class_filter: '$inputs.classes',
			}),
			countStep,
			{
				type: 'roboflow_core/bounding_box_visualization@v1',
				name: 'visualization',
				image: '$inputs.image',
				predictions: '$steps.model.predictions',
			},
		],
		outputs: [
			output('count_objects', '$steps.count.output'),
			output('predictions', '$steps.model.predictions'),
			output('output_image', '$steps.visualization.image'),
		],
	},
	bindings: [
		['model', 'confidence', 'confidence', 'fraction'],
		['model', 'class_filter', 'classes', 'stringList'],
	],
	run: ({ images, params }) =>
		images.image.map((input) => {
			const predictions = detect(
				input.pixels,
				params.confidence as number,
				params.classes,
			).shapes.map((s) => detection(s, input.parentId));
			const annotated = drawDetections(input.pixels, predictions, {
				stroke: 2,
				quality: JPEG_QUALITY,
			});
			// With nothing detected Inference sends null image dimensions.
			const size = predictions.length ? input.pixels : { width: null, height: null };
			return {
				count_objects: predictions.length,
				predictions: { image: { width: size.width, height: size.height }, predictions },
				output_image: imageOutput(annotated, input.parentId),
			};
		}),
};

const cropAndClassify: WorkflowDefinition = {
	version: '1',
	url: 'crop-and-classify',
	name: 'Crop and Classify',
	createdAt: '2026-03-09T14:40:00.000Z',
	specification: {
		version: '1.0',
		inputs: [image('image')],
		steps: [
			modelStep('model', '$inputs.image'),
			{
				type: 'roboflow_core/dynamic_crop@v1',
				name: 'crop',
				images: '$inputs.image',
				predictions: '$steps.model.predictions',
			},
			{
				type: 'roboflow_core/roboflow_classification_model@v2',
				name: 'classifier',
				images: '$steps.crop.crops',
				model_id: 'shape-colours/1',
			},
			countStep,
		],
		outputs: [output('crops', '$steps.classifier.*'), output('crop_count', '$steps.count.output')],
	},
	bindings: [],
	run: ({ images }) =>
		images.image.map(({ pixels, parentId }) => {
			const { analysis, shapes } = detect(pixels, 0.4, null);
			const crops = shapes.map((shape) => {
				const id = newDetectionId();
				const origin = {
					offset_x: shape.x0,
					offset_y: shape.y0,
					width: pixels.width,
					height: pixels.height,
				};
				const lineage = {
					parent_id: id,
					parent_origin: origin,
					root_parent_id: parentId,
					root_parent_origin: { ...origin },
				};
				// The colour most of the crop's pixels have, confidence 0.98 x its share.
				const shares = SHAPE_CLASSES.map((_, i) => classShare(analysis, i, shape));
				const best = shares.indexOf(Math.max(...shares));
				return {
					crop: imageOutput(encodeJpeg(crop(pixels, shape), JPEG_QUALITY), id, lineage),
					class: SHAPE_CLASSES[best],
					confidence: round4(0.98 * shares[best]),
				};
			});
			return { crops, crop_count: crops.length };
		}),
};

/** A step failure as Inference answers it (500 `StepExecutionError`, §6.3), the fields the node reads. */
const stepFailure = (block: string, blockType: string, type: string, message: string) =>
	new HttpError(500, {
		message,
		error_type: 'StepExecutionError',
		inner_error_type: type,
		inner_error_message: message,
		blocks_errors: [
			{ block_id: block, block_type: blockType, property_name: null, property_details: message },
		],
	});

const alwaysFails: WorkflowDefinition = {
	version: '1',
	url: 'always-fails',
	name: 'Always Fails',
	createdAt: '2026-03-16T08:05:00.000Z',
	specification: {
		version: '1.0',
		inputs: [image('image')],
		steps: [
			modelStep('model', '$inputs.image'),
			{
				type: 'roboflow_core/expression@v1',
				name: 'divide',
				data: { count: '$steps.model.predictions' },
			},
		],
		outputs: [output('result', '$steps.divide.output')],
	},
	bindings: [],
	run: () => {
		throw stepFailure(
			'divide',
			'roboflow_core/expression@v1',
			'ZeroDivisionError',
			'division by zero',
		);
	},
};

/** Inference's messages of a sink that did not deliver (`core_steps/sinks/noop.py`). */
const SINK_DISABLED = {
	policy: 'Sink was disabled by workflow execution policy',
	parameter: 'Sink was disabled by parameter `disable_sink`',
};

/**
 * Two image inputs, `front` and `back`, counted by shapes/1 (`confidence`). Version 2 adds
 * `tolerance` (integer, 0), `classes` (null), `label` (string, no default), `quiet` (boolean,
 * false: the webhook sink's `disable_sink`) and `note` (no kind, null); outputs `matches`
 * (|difference| <= tolerance), `label`, `note` and the sink's `notification`.
 */
function compareFrontAndBack(version: '1' | '2'): WorkflowDefinition {
	const latest = version === '2';
	const model = (name: string, input: string) =>
		modelStep(name, `$inputs.${input}`, {
			confidence: '$inputs.confidence',
			...(latest ? { class_filter: '$inputs.classes' } : {}),
		});
	const sink = {
		type: WEBHOOK_SINK,
		name: 'notify',
		url: 'https://hooks.example.com/roboflow/compare',
		json_payload: { label: '$inputs.label', front_count: '$steps.compare.front_count' },
		disable_sink: '$inputs.quiet',
	};
	const counts = [
		output('front_count', '$steps.compare.front_count'),
		output('back_count', '$steps.compare.back_count'),
		output('difference', '$steps.compare.difference'),
	];
	return {
		version,
		url: 'compare-front-and-back',
		name: 'Compare Front and Back',
		createdAt: '2026-04-06T11:20:00.000Z',
		specification: {
			version: '1.0',
			inputs: [
				image('front'),
				image('back'),
				parameter('confidence', 'float_zero_to_one', latest ? 0.4 : 0.5),
				...(latest
					? [
							parameter('tolerance', 'integer', 0),
							parameter('classes', 'list_of_values', null),
							parameter('label', 'string'),
							parameter('quiet', 'boolean', false),
							parameter('note', undefined, null),
						]
					: []),
			],
			steps: [
				model('front_model', 'front'),
				model('back_model', 'back'),
				{
					type: 'roboflow_core/expression@v1',
					name: 'compare',
					data: {
						front: '$steps.front_model.predictions',
						back: '$steps.back_model.predictions',
						...(latest ? { tolerance: '$inputs.tolerance' } : {}),
					},
				},
				...(latest ? [sink] : []),
			],
			outputs: latest
				? [
						...counts,
						output('matches', '$steps.compare.matches'),
						output('label', '$inputs.label'),
						output('note', '$inputs.note'),
						output('notification', '$steps.notify.*'),
					]
				: counts,
		},
		bindings: [
			['front_model', 'confidence', 'confidence', 'fraction'],
			...(latest
				? ([
						['front_model', 'class_filter', 'classes', 'stringList'],
						['compare', 'data', 'tolerance', 'integer'],
						['notify', 'json_payload', 'label', 'string'],
						['notify', 'disable_sink', 'quiet', 'boolean'],
					] as const)
				: []),
		],
		outputKinds: {
			front_count: ['integer'],
			back_count: ['integer'],
			difference: ['integer'],
			matches: ['boolean'],
			label: ['string'],
			notification: ['boolean', 'string'],
		},
		run: ({ images, params, disableSinks, deliver }) =>
			images.front.map((front, i) => {
				const count = (input: WorkflowImage) =>
					detect(input.pixels, params.confidence as number, params.classes).shapes.length;
				const [frontCount, backCount] = [count(front), count(images.back[i])];
				const counted = {
					front_count: frontCount,
					back_count: backCount,
					difference: frontCount - backCount,
				};
				if (!latest) return counted;
				const quiet = disableSinks
					? SINK_DISABLED.policy
					: params.quiet === true
						? SINK_DISABLED.parameter
						: undefined;
				if (!quiet)
					deliver({
						block: 'notify',
						blockType: WEBHOOK_SINK,
						payload: { label: params.label, front_count: frontCount, back_count: backCount },
					});
				return {
					...counted,
					matches: Math.abs(frontCount - backCount) <= (params.tolerance as number),
					label: params.label ?? null,
					note: params.note ?? null,
					notification: {
						error_status: false,
						throttling_status: false,
						message: quiet ?? 'Notification sent in the background task',
					},
				};
			}),
	};
}

/** The latest version of each Workflow, in the order the management API lists them. */
export const WORKFLOWS: readonly WorkflowDefinition[] = [
	detectCountAndVisualize,
	cropAndClassify,
	alwaysFails,
	compareFrontAndBack('2'),
];
const OLDER_VERSIONS = [compareFrontAndBack('1')];

/** A Workflow's latest version, or the saved version `version` names. */
export const findWorkflow = (
	url: string,
	version?: string | null,
): WorkflowDefinition | undefined =>
	version === undefined || version === null
		? WORKFLOWS.find((w) => w.url === url)
		: [...WORKFLOWS, ...OLDER_VERSIONS].find((w) => w.url === url && w.version === version);

const workflowId = (url: string) =>
	`wf_${crypto.createHash('sha1').update(url).digest('hex').slice(0, 16)}`;

/** `GET /{workspace}/workflows`. */
export const workflowList = () => ({
	workflows: WORKFLOWS.map(({ url, name, createdAt }) => ({
		id: workflowId(url),
		name,
		url,
		createdAt,
	})),
	status: 'ok',
});

/** `GET /{workspace}/workflows/{url}`: `config` is a JSON string of `{specification}`. */
export const workflowDetail = (workflow: WorkflowDefinition, workspace: string) => ({
	workflow: {
		id: workflowId(workflow.url),
		owner: workspace,
		name: workflow.name,
		url: workflow.url,
		config: JSON.stringify({ specification: workflow.specification }),
	},
	status: 'ok',
});
