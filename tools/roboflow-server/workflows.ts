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
import { SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import type { Shape } from './detect.ts';
import { analyseImage, classShare, newDetectionId, postProcess, round4 } from './detect.ts';
import { boxOf } from './models.ts';
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

/** An input image after assembly, with the id Inference gives it (its input's name). */
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
	/** Every image input, by name. */
	images: Record<string, WorkflowImage>;
	params: Record<string, unknown>;
	disableSinks: boolean;
	deliver: (delivery: SinkDelivery) => void;
}

export interface WorkflowDefinition {
	version: string;
	/** The URL slug: `POST /{workspace}/workflows/{url}`. */
	url: string;
	name: string;
	specification: {
		version: '1.0';
		inputs: WorkflowInputSpec[];
		steps: Array<Record<string, unknown>>;
		outputs: Array<{ type: 'JsonField'; name: string; selector: string }>;
	};
	/** Parameters that feed a step property (checked at run time by the kind it declares). */
	feeds: Record<string, [step: string, property: string]>;
	/** The output object; may throw a step's HttpError. */
	run: (context: RunContext) => Record<string, unknown>;
}

const WEBHOOK_SINK = 'roboflow_core/webhook_sink@v1';
/** Workflows encode images as JPEG quality 95 (`WorkflowImageData.base64_image`). */
const JPEG_QUALITY = 95;

const image = (name: string): WorkflowInputSpec => ({ type: 'WorkflowImage', name });
const parameter = (
	name: string,
	kind?: string,
	...default_value: unknown[]
): WorkflowInputSpec => ({
	type: 'WorkflowParameter',
	name,
	...(kind ? { kind: [kind] } : {}),
	...(default_value.length ? { default_value: default_value[0] } : {}),
});
const outputs = (selectors: Record<string, string>) =>
	Object.entries(selectors).map(([name, selector]) => ({
		type: 'JsonField' as const,
		name,
		selector,
	}));
const step = (type: string, name: string, fields: Record<string, unknown>) => ({
	type: `roboflow_core/${type}`,
	name,
	...fields,
});
const model = (name: string, images: string, fields: Record<string, unknown> = {}) =>
	step('roboflow_object_detection_model@v2', name, { images, model_id: 'shapes/1', ...fields });
const count = step('property_definition@v1', 'count', {
	data: '$steps.model.predictions',
	operations: [{ type: 'SequenceLength' }],
});

/** The shapes detector as a Workflow model step, optionally keeping some classes only. */
function detect(pixels: RgbaImage, confidence: number, classes: unknown) {
	const analysis = analyseImage(pixels, SHAPE_PALETTE);
	const kept = postProcess(analysis.shapes, confidence, 0.3, 300);
	const wanted = Array.isArray(classes) ? classes : SHAPE_CLASSES;
	return { analysis, shapes: kept.filter((s) => wanted.includes(SHAPE_CLASSES[s.classIndex])) };
}

/** A detection as Workflows serialise it: the model route's, with `parent_id`. */
const detection = (shape: Shape, parentId: string) => ({ ...boxOf(shape), parent_id: parentId });

/** An image output: base64 JPEG, video metadata, and for a crop its lineage. */
function imageOutput(jpeg: Buffer, videoIdentifier: string, lineage: Record<string, unknown> = {}) {
	const metadata = { video_identifier: videoIdentifier, frame_number: 0, fps: 30 };
	return { type: 'base64', value: jpeg.toString('base64'), video_metadata: metadata, ...lineage };
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
	specification: {
		version: '1.0',
		inputs: [
			image('image'),
			parameter('confidence', 'float_zero_to_one', 0.4),
			parameter('classes', 'list_of_values', null),
		],
		steps: [
			model('model', '$inputs.image', {
				confidence: '$inputs.confidence',
				class_filter: '$inputs.classes',
			}),
			count,
			step('bounding_box_visualization@v1', 'visualization', {
				image: '$inputs.image',
				predictions: '$steps.model.predictions',
			}),
		],
		outputs: outputs({
			count_objects: '$steps.count.output',
			predictions: '$steps.model.predictions',
			output_image: '$steps.visualization.image',
		}),
	},
	feeds: { confidence: ['model', 'confidence'], classes: ['model', 'class_filter'] },
	run: ({ images, params }) => {
		const { pixels, parentId } = images.image;
		const { shapes } = detect(pixels, params.confidence as number, params.classes);
		const predictions = shapes.map((shape) => detection(shape, parentId));
		const annotated = drawDetections(pixels, predictions, { stroke: 2, quality: JPEG_QUALITY });
		// With nothing detected Inference sends null image dimensions.
		const size = predictions.length
			? { width: pixels.width, height: pixels.height }
			: { width: null, height: null };
		return {
			count_objects: predictions.length,
			predictions: { image: size, predictions },
			output_image: imageOutput(annotated, parentId),
		};
	},
};

const cropAndClassify: WorkflowDefinition = {
	version: '1',
	url: 'crop-and-classify',
	name: 'Crop and Classify',
	specification: {
		version: '1.0',
		inputs: [image('image')],
		steps: [
			model('model', '$inputs.image'),
			step('dynamic_crop@v1', 'crop', {
				images: '$inputs.image',
				predictions: '$steps.model.predictions',
			}),
			step('roboflow_classification_model@v2', 'classifier', {
				images: '$steps.crop.crops',
				model_id: 'shape-colours/1',
			}),
			count,
		],
		outputs: outputs({ crops: '$steps.classifier.*', crop_count: '$steps.count.output' }),
	},
	feeds: {},
	run: ({ images }) => {
		const { pixels, parentId } = images.image;
		const { analysis, shapes } = detect(pixels, 0.4, null);
		const crops = shapes.map((shape) => {
			const id = newDetectionId();
			const lineage = { parent_id: id, root_parent_id: parentId };
			// The colour most of the crop's pixels have, confidence 0.98 x its share.
			const shares = SHAPE_CLASSES.map((_, i) => classShare(analysis, i, shape));
			const best = shares.indexOf(Math.max(...shares));
			const jpeg = encodeJpeg(crop(pixels, shape), JPEG_QUALITY);
			return {
				crop: imageOutput(jpeg, id, lineage),
				class: SHAPE_CLASSES[best],
				confidence: round4(0.98 * shares[best]),
			};
		});
		return { crops, crop_count: crops.length };
	},
};

const alwaysFails: WorkflowDefinition = {
	version: '1',
	url: 'always-fails',
	name: 'Always Fails',
	specification: {
		version: '1.0',
		inputs: [image('image')],
		steps: [
			model('model', '$inputs.image'),
			step('expression@v1', 'divide', { data: { count: '$steps.model.predictions' } }),
		],
		outputs: outputs({ result: '$steps.divide.output' }),
	},
	feeds: {},
	run: () => {
		// A step failure as Inference answers it (500 `StepExecutionError`, §6.3): the fields the node reads.
		const message = 'division by zero';
		const block = { block_id: 'divide', property_name: null, property_details: message };
		throw new HttpError(500, { message, inner_error_message: message, blocks_errors: [block] });
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
function compareSpecification(v2: boolean): WorkflowDefinition['specification'] {
	const counter = (name: string, input: string) =>
		model(name, `$inputs.${input}`, {
			confidence: '$inputs.confidence',
			...(v2 ? { class_filter: '$inputs.classes' } : {}),
		});
	const compare = {
		front: '$steps.front_model.predictions',
		back: '$steps.back_model.predictions',
		...(v2 ? { tolerance: '$inputs.tolerance' } : {}),
	};
	const sink = step('webhook_sink@v1', 'notify', {
		url: 'https://hooks.example.com/compare',
		json_payload: { label: '$inputs.label' },
		disable_sink: '$inputs.quiet',
	});
	const counts = {
		front_count: '$steps.compare.front_count',
		back_count: '$steps.compare.back_count',
		difference: '$steps.compare.difference',
	};
	const more = {
		matches: '$steps.compare.matches',
		label: '$inputs.label',
		note: '$inputs.note',
		notification: '$steps.notify.*',
	};
	return {
		version: '1.0',
		inputs: [
			image('front'),
			image('back'),
			parameter('confidence', 'float_zero_to_one', v2 ? 0.4 : 0.5),
			...(v2
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
			counter('front_model', 'front'),
			counter('back_model', 'back'),
			step('expression@v1', 'compare', { data: compare }),
			...(v2 ? [sink] : []),
		],
		outputs: outputs(v2 ? { ...counts, ...more } : counts),
	};
}

/** Counts both images; version 2 also compares with the tolerance and fires its sink unless quiet. */
const compareRun =
	(v2: boolean): WorkflowDefinition['run'] =>
	({ images, params, disableSinks, deliver }) => {
		const [frontCount, backCount] = [images.front, images.back].map(
			(input) => detect(input.pixels, params.confidence as number, params.classes).shapes.length,
		);
		const counted = {
			front_count: frontCount,
			back_count: backCount,
			difference: frontCount - backCount,
		};
		if (!v2) return counted;
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
		const notification = {
			error_status: false,
			throttling_status: false,
			message: quiet ?? 'Notification sent in the background task',
		};
		const matches = Math.abs(frontCount - backCount) <= (params.tolerance as number);
		return {
			...counted,
			matches,
			label: params.label ?? null,
			note: params.note ?? null,
			notification,
		};
	};

function compareFrontAndBack(version: '1' | '2'): WorkflowDefinition {
	const v2 = version === '2';
	const feeds: WorkflowDefinition['feeds'] = {
		classes: ['front_model', 'class_filter'],
		tolerance: ['compare', 'data'],
		label: ['notify', 'json_payload'],
		quiet: ['notify', 'disable_sink'],
	};
	return {
		version,
		url: 'compare-front-and-back',
		name: 'Compare Front and Back',
		specification: compareSpecification(v2),
		feeds: {
			confidence: ['front_model', 'confidence'],
			...(v2 ? feeds : {}),
		},
		run: compareRun(v2),
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

/** `GET /{workspace}/workflows`: what the picker reads. */
export const workflowList = () => ({
	workflows: WORKFLOWS.map(({ url, name }) => ({ url, name })),
});

/** `GET /{workspace}/workflows/{url}`: `config` is a JSON string of `{specification}`. */
export const workflowDetail = ({ url, name, specification }: WorkflowDefinition) => ({
	workflow: { url, name, config: JSON.stringify({ specification }) },
});
