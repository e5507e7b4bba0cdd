/**
 * Saved Workflows (docs/roboflow-api.md §6) as Roboflow's Inference server runs them: the request body
 * (validated like FastAPI/pydantic: 422 `{detail}`), runtime input assembly (400
 * `RuntimeInputError`, texts of roboflow/inference 1.5.0
 * `execution_engine/v1/executor/runtime_input_assembler.py`, `runtime_input_validator.py` and
 * `core_steps/common/deserializers.py`), step failures (500 `StepExecutionError` with
 * `blocks_errors`, `interfaces/http/error_handlers.py`) and the outputs' serialisation
 * (`core_steps/common/serializers.py`).
 *
 * The fixed Workflows (`WORKFLOWS`) run the pixel detector of detect.ts (the `shapes/1` model)
 * and the annotator of draw.ts; see each definition below. Each has saved versions (the run
 * route's `workflow_version_id`, the management API's `workflow_version`), its specification
 * (docs/roboflow-api.md §6.4a) and the interface `describe_interface` reports (§6.4b); sink steps fire
 * unless the request sets `disable_sinks` (inference `core_steps/sinks/webhook/v1.py:389-470`).
 */
import crypto from 'node:crypto';

import { SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import { round4 } from './classify.ts';
import type { Analysis, Shape } from './detect.ts';
import { analyseImage, classShare, newDetectionId, postProcess } from './detect.ts';
import { drawDetections } from './draw.ts';
import type { ValidationIssue } from './errors.ts';
import { HttpError, validationError } from './errors.ts';
import type { RgbaImage } from './image.ts';
import { decodeImage, encodeJpeg } from './image.ts';
import { decodeBase64Body } from './input.ts';
import { parseFloatLike } from './params.ts';
import type { UrlRules } from './url-input.ts';
import { fetchUrl, urlRefusal } from './url-input.ts';

// ---------------------------------------------------------------------------------------------
// Definitions

/** A declared input of a Workflow specification (docs/roboflow-api.md §6.4a). */
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

/** What a step property bound to a parameter accepts (its manifest field, validated at run time). */
type Accepts = 'floatZeroToOne' | 'optionalStringList' | 'integer' | 'string' | 'boolean';

interface ParameterBinding {
	step: string;
	property: string;
	input: string;
	accepts: Accepts;
}

/** An input image after assembly: pixels and the id Inference gives it (`image`, or `image.[i]` in a batch). */
export interface WorkflowImage {
	pixels: RgbaImage;
	parentId: string;
}

/** A sink step's delivery (a webhook, an email, a dataset upload), as the server records it. */
export interface SinkDelivery {
	/** The sink step's name in the specification. */
	block: string;
	blockType: string;
	/** What it would have sent. */
	payload: Record<string, unknown>;
}

/** What a run may use besides the first image input: every image input, and the sinks. */
export interface WorkflowRunContext {
	/** Every image input's batch, by input name. */
	imagesByInput: Record<string, WorkflowImage[]>;
	/** The request's `disable_sinks`: sinks answer without delivering. */
	disableSinks: boolean;
	/** Records one delivery of a sink that fired. */
	deliver: (delivery: SinkDelivery) => void;
}

export interface WorkflowDefinition {
	/** The saved version this definition is (Roboflow's version id format is unverified). */
	version: string;
	/** The URL slug: `POST /{workspace}/workflows/{url}`, the management API's `url`. */
	url: string;
	/** The management API's opaque id. */
	id: string;
	name: string;
	/** ISO date, as the management API's list gives it. */
	createdAt: string;
	description: string;
	specification: WorkflowSpecification;
	/** Step properties fed by parameters: checked like Inference's `validate_runtime_input`. */
	bindings: ParameterBinding[];
	/** Kinds of the outputs for `describe_interface` (by output name; absent: `*`). */
	outputKinds?: Record<string, string[]>;
	/** One output object per image, keys in the specification's output order; may throw `HttpError` (a step failing). */
	run: (
		images: WorkflowImage[],
		params: Record<string, unknown>,
		context: WorkflowRunContext,
	) => Array<Record<string, unknown>>;
}

const DETECTION_STEP = 'roboflow_core/roboflow_object_detection_model@v2';
const DETECTION_CONFIDENCE = 0.4;
const NMS_OVERLAP = 0.3;

/** The shapes detector as a Workflow model step: kept rectangles, optionally of some classes only. */
function detect(
	image: RgbaImage,
	confidence: number,
	classes: readonly string[] | null,
): { analysis: Analysis; shapes: Shape[] } {
	const analysis = analyseImage(image, SHAPE_PALETTE);
	const shapes = postProcess(analysis.shapes, confidence, NMS_OVERLAP, 300);
	return {
		analysis,
		shapes: classes
			? shapes.filter((shape) => classes.includes(SHAPE_CLASSES[shape.classIndex]))
			: shapes,
	};
}

/** A detection as Workflows serialise it (`serialise_sv_detections`: this key order, `parent_id` present). */
function detection(shape: Shape, parentId: string, detectionId = newDetectionId()) {
	const width = shape.x1 - shape.x0;
	const height = shape.y1 - shape.y0;
	return {
		width,
		height,
		x: shape.x0 + width / 2,
		y: shape.y0 + height / 2,
		confidence: shape.confidence,
		class_id: shape.classIndex,
		class: SHAPE_CLASSES[shape.classIndex] as string,
		detection_id: detectionId,
		parent_id: parentId,
	};
}

/** Detections output: `image` is `{width: null, height: null}` when nothing was detected, as Inference sends. */
function detectionsOutput(image: WorkflowImage, predictions: ReturnType<typeof detection>[]) {
	return {
		image: predictions.length
			? { width: image.pixels.width, height: image.pixels.height }
			: { width: null, height: null },
		predictions,
	};
}

/** Python's `datetime.now().isoformat()` as orjson writes it (naive, microseconds); UTC here. */
const frameTimestamp = () => `${new Date().toISOString().slice(0, -1)}000`;

interface CropOrigin {
	parent_id: string;
	parent_origin: { offset_x: number; offset_y: number; width: number; height: number };
	root_parent_id: string;
	root_parent_origin: { offset_x: number; offset_y: number; width: number; height: number };
}

/** An image output (`serialise_image`): base64 JPEG, default video metadata, crop lineage for crops. */
function imageOutput(jpeg: Buffer, videoIdentifier: string, crop?: CropOrigin) {
	return {
		type: 'base64' as const,
		value: jpeg.toString('base64'),
		video_metadata: {
			video_identifier: videoIdentifier,
			frame_number: 0,
			frame_timestamp: frameTimestamp(),
			fps: 30,
			measured_fps: null,
			comes_from_video_file: null,
		},
		...crop,
	};
}

/** Workflows encode images as JPEG quality 95 (`WorkflowImageData.base64_image`). */
const WORKFLOW_JPEG_QUALITY = 95;

function cropPixels(image: RgbaImage, shape: Shape): RgbaImage {
	const width = shape.x1 - shape.x0;
	const height = shape.y1 - shape.y0;
	const data = new Uint8Array(width * height * 4);
	for (let y = 0; y < height; y++) {
		const from = ((shape.y0 + y) * image.width + shape.x0) * 4;
		data.set(image.data.subarray(from, from + width * 4), y * width * 4);
	}
	return { width, height, data };
}

/**
 * The crop classifier: the `SHAPE_CLASSES` colour most of the crop's pixels have (the
 * detector's pixel labels, so a half-transparent rectangle keeps its colour), confidence 0.98 x
 * that colour's share of the crop (0.98 for a clean rectangle).
 */
export function classifyCrop(
	analysis: Analysis,
	box: Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>,
): { class: string; confidence: number } {
	const shares = SHAPE_CLASSES.map((_, i) =>
		classShare(analysis, i, box.x0, box.y0, box.x1, box.y1),
	);
	const best = shares.indexOf(Math.max(...shares));
	return { class: SHAPE_CLASSES[best], confidence: round4(0.98 * shares[best]) };
}

const workflowId = (url: string) =>
	`wf_${crypto.createHash('sha1').update(url).digest('hex').slice(0, 16)}`;

const WEBHOOK_SINK = 'roboflow_core/webhook_sink@v1';

/** Inference's messages of a sink that did not deliver (`core_steps/sinks/noop.py:4-8`). */
const SINK_DISABLED = {
	byPolicy: 'Sink was disabled by workflow execution policy',
	byParameter: 'Sink was disabled by parameter `disable_sink`',
} as const;

/** The fixed Workflows of the local workspace. */
export const WORKFLOWS: readonly WorkflowDefinition[] = [
	{
		version: '1',
		url: 'detect-count-and-visualize',
		id: workflowId('detect-count-and-visualize'),
		name: 'Detect, Count and Visualize',
		createdAt: '2026-03-02T09:15:00.000Z',
		description:
			'shapes/1 on `image` (threshold `confidence`, default 0.4; `classes` keeps only those classes, null = all): ' +
			'`count_objects` (number of boxes), `predictions` (detections), `output_image` (annotated JPEG).',
		specification: {
			version: '1.0',
			inputs: [
				{ type: 'WorkflowImage', name: 'image' },
				{
					type: 'WorkflowParameter',
					name: 'confidence',
					kind: ['float_zero_to_one'],
					default_value: 0.4,
				},
				{
					type: 'WorkflowParameter',
					name: 'classes',
					kind: ['list_of_values'],
					default_value: null,
				},
			],
			steps: [
				{
					type: DETECTION_STEP,
					name: 'model',
					images: '$inputs.image',
					model_id: 'shapes/1',
					confidence: '$inputs.confidence',
					class_filter: '$inputs.classes',
				},
				{
					type: 'roboflow_core/property_definition@v1',
					name: 'count',
					data: '$steps.model.predictions',
					operations: [{ type: 'SequenceLength' }],
				},
				{
					type: 'roboflow_core/bounding_box_visualization@v1',
					name: 'visualization',
					image: '$inputs.image',
					predictions: '$steps.model.predictions',
				},
			],
			outputs: [
				{ type: 'JsonField', name: 'count_objects', selector: '$steps.count.output' },
				{ type: 'JsonField', name: 'predictions', selector: '$steps.model.predictions' },
				{ type: 'JsonField', name: 'output_image', selector: '$steps.visualization.image' },
			],
		},
		bindings: [
			{ step: 'model', property: 'confidence', input: 'confidence', accepts: 'floatZeroToOne' },
			{ step: 'model', property: 'class_filter', input: 'classes', accepts: 'optionalStringList' },
		],
		run: (images, params) =>
			images.map((image) => {
				const { shapes } = detect(
					image.pixels,
					params.confidence as number,
					params.classes as string[] | null,
				);
				const predictions = shapes.map((shape) => detection(shape, image.parentId));
				const annotated = drawDetections(image.pixels, predictions, {
					stroke: 2,
					quality: WORKFLOW_JPEG_QUALITY,
				});
				return {
					count_objects: predictions.length,
					predictions: detectionsOutput(image, predictions),
					output_image: imageOutput(annotated, image.parentId),
				};
			}),
	},
	{
		version: '1',
		url: 'crop-and-classify',
		id: workflowId('crop-and-classify'),
		name: 'Crop and Classify',
		createdAt: '2026-03-09T14:40:00.000Z',
		description:
			'shapes/1 on `image` (threshold 0.4), each box cropped and classified by colour: `crops` = ' +
			'[{crop: <crop image with parent_id, parent_origin, root_parent_id, root_parent_origin>, class, confidence}], `crop_count`.',
		specification: {
			version: '1.0',
			inputs: [{ type: 'WorkflowImage', name: 'image' }],
			steps: [
				{ type: DETECTION_STEP, name: 'model', images: '$inputs.image', model_id: 'shapes/1' },
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
				{
					type: 'PairCropsWithClasses',
					name: 'pairs',
					crops: '$steps.crop.crops',
					predictions: '$steps.classifier.predictions',
				},
				{
					type: 'roboflow_core/property_definition@v1',
					name: 'count',
					data: '$steps.model.predictions',
					operations: [{ type: 'SequenceLength' }],
				},
			],
			outputs: [
				{ type: 'JsonField', name: 'crops', selector: '$steps.pairs.output' },
				{ type: 'JsonField', name: 'crop_count', selector: '$steps.count.output' },
			],
		},
		bindings: [],
		run: (images) =>
			images.map((image) => {
				const { width, height } = image.pixels;
				const { analysis, shapes } = detect(image.pixels, DETECTION_CONFIDENCE, null);
				const crops = shapes.map((shape) => {
					const detectionId = newDetectionId();
					const pixels = cropPixels(image.pixels, shape);
					const origin = { offset_x: shape.x0, offset_y: shape.y0, width, height };
					return {
						crop: imageOutput(encodeJpeg(pixels, WORKFLOW_JPEG_QUALITY), detectionId, {
							parent_id: detectionId,
							parent_origin: origin,
							root_parent_id: image.parentId,
							root_parent_origin: { ...origin },
						}),
						...classifyCrop(analysis, shape),
					};
				});
				return { crops, crop_count: crops.length };
			}),
	},
	{
		version: '1',
		url: 'always-fails',
		id: workflowId('always-fails'),
		name: 'Always Fails',
		createdAt: '2026-03-16T08:05:00.000Z',
		description:
			'Takes `image`; once its image is assembled, its `divide` step fails: 500 StepExecutionError (ZeroDivisionError).',
		specification: {
			version: '1.0',
			inputs: [{ type: 'WorkflowImage', name: 'image' }],
			steps: [
				{ type: DETECTION_STEP, name: 'model', images: '$inputs.image', model_id: 'shapes/1' },
				{
					type: 'roboflow_core/expression@v1',
					name: 'divide',
					data: { count: '$steps.model.predictions' },
					switch: {
						type: 'CasesDefinition',
						cases: [],
						default: { type: 'StaticCaseResult', value: '1 / 0' },
					},
				},
			],
			outputs: [{ type: 'JsonField', name: 'result', selector: '$steps.divide.output' }],
		},
		bindings: [],
		run: () => {
			throw stepExecutionError({
				blockId: 'divide',
				blockType: 'roboflow_core/expression@v1',
				innerType: 'ZeroDivisionError',
				innerMessage: 'division by zero',
			});
		},
	},
	compareFrontAndBack('2'),
];

/** Earlier saved versions, run and described when a request pins them. */
const OLDER_VERSIONS: readonly WorkflowDefinition[] = [compareFrontAndBack('1')];

export const WORKFLOW_IDS: readonly string[] = WORKFLOWS.map((workflow) => workflow.url);

/** A Workflow's latest version, or the version `version` names (undefined: no such Workflow or version). */
export const findWorkflow = (
	url: string,
	version?: string | null,
): WorkflowDefinition | undefined =>
	[...WORKFLOWS, ...OLDER_VERSIONS].find(
		(workflow) =>
			workflow.url === url &&
			(version === undefined || version === null
				? WORKFLOWS.includes(workflow)
				: workflow.version === version),
	);

/** The versions saved for a Workflow, newest first. */
export const workflowVersions = (url: string): string[] =>
	[...WORKFLOWS, ...OLDER_VERSIONS]
		.filter((workflow) => workflow.url === url)
		.map((workflow) => workflow.version);

/**
 * `compare-front-and-back`, two image inputs (a front and a back picture, or a photo and its
 * reference). Version 2 (latest): both pictures through shapes/1 (`confidence`, default 0.4;
 * `classes`, default null = all), `tolerance` (integer, default 0), `label` (string, no
 * default), `quiet` (boolean, default false: the webhook sink's `disable_sink`), `note` (no
 * kind: any value, default null); outputs `front_count`, `back_count`, `difference` (front -
 * back), `matches` (|difference| <= tolerance), `label`, `note`, `notification` (the webhook
 * sink's `{error_status, throttling_status, message}`). Version 1: only the two images and
 * `confidence` (default 0.5); outputs `front_count`, `back_count`, `difference`; no sink.
 */
function compareFrontAndBack(version: '1' | '2'): WorkflowDefinition {
	const latest = version === '2';
	const countStep = (name: string, image: string) => ({
		type: DETECTION_STEP,
		name,
		images: `$inputs.${image}`,
		model_id: 'shapes/1',
		confidence: '$inputs.confidence',
		...(latest ? { class_filter: '$inputs.classes' } : {}),
	});
	const inputs: WorkflowInputSpec[] = [
		{ type: 'WorkflowImage', name: 'front' },
		{ type: 'WorkflowImage', name: 'back' },
		{
			type: 'WorkflowParameter',
			name: 'confidence',
			kind: ['float_zero_to_one'],
			default_value: latest ? 0.4 : 0.5,
		},
	];
	if (latest)
		inputs.push(
			{ type: 'WorkflowParameter', name: 'tolerance', kind: ['integer'], default_value: 0 },
			{ type: 'WorkflowParameter', name: 'classes', kind: ['list_of_values'], default_value: null },
			{ type: 'WorkflowParameter', name: 'label', kind: ['string'] },
			{ type: 'WorkflowParameter', name: 'quiet', kind: ['boolean'], default_value: false },
			{ type: 'WorkflowParameter', name: 'note', default_value: null },
		);
	const outputs: WorkflowSpecification['outputs'] = [
		{ type: 'JsonField', name: 'front_count', selector: '$steps.compare.front_count' },
		{ type: 'JsonField', name: 'back_count', selector: '$steps.compare.back_count' },
		{ type: 'JsonField', name: 'difference', selector: '$steps.compare.difference' },
	];
	if (latest)
		outputs.push(
			{ type: 'JsonField', name: 'matches', selector: '$steps.compare.matches' },
			{ type: 'JsonField', name: 'label', selector: '$inputs.label' },
			{ type: 'JsonField', name: 'note', selector: '$inputs.note' },
			{ type: 'JsonField', name: 'notification', selector: '$steps.notify.*' },
		);
	return {
		version,
		url: 'compare-front-and-back',
		id: workflowId('compare-front-and-back'),
		name: 'Compare Front and Back',
		createdAt: '2026-04-06T11:20:00.000Z',
		description:
			'Two image inputs, `front` and `back`, counted by shapes/1; see compareFrontAndBack in workflows.ts.',
		specification: {
			version: '1.0',
			inputs,
			steps: [
				countStep('front_model', 'front'),
				countStep('back_model', 'back'),
				{
					type: 'roboflow_core/expression@v1',
					name: 'compare',
					data: {
						front: '$steps.front_model.predictions',
						back: '$steps.back_model.predictions',
						...(latest ? { tolerance: '$inputs.tolerance' } : {}),
					},
				},
				...(latest
					? [
							{
								type: WEBHOOK_SINK,
								name: 'notify',
								url: 'https://hooks.example.com/roboflow/compare',
								method: 'POST',
								json_payload: {
									label: '$inputs.label',
									front_count: '$steps.compare.front_count',
									back_count: '$steps.compare.back_count',
								},
								disable_sink: '$inputs.quiet',
								fire_and_forget: true,
								cooldown_seconds: 0,
							},
						]
					: []),
			],
			outputs,
		},
		bindings: [
			{
				step: 'front_model',
				property: 'confidence',
				input: 'confidence',
				accepts: 'floatZeroToOne',
			},
			...(latest
				? ([
						{
							step: 'front_model',
							property: 'class_filter',
							input: 'classes',
							accepts: 'optionalStringList',
						},
						{ step: 'compare', property: 'data', input: 'tolerance', accepts: 'integer' },
						{ step: 'notify', property: 'json_payload', input: 'label', accepts: 'string' },
						{ step: 'notify', property: 'disable_sink', input: 'quiet', accepts: 'boolean' },
					] satisfies ParameterBinding[])
				: []),
		],
		outputKinds: {
			front_count: ['integer'],
			back_count: ['integer'],
			difference: ['integer'],
			...(latest
				? {
						matches: ['boolean'],
						label: ['string'],
						note: ['*'],
						notification: ['boolean', 'string'],
					}
				: {}),
		},
		run: (images, params, context) => {
			const back = context.imagesByInput.back ?? [];
			return images.map((front, i) => {
				const count = (image: WorkflowImage) =>
					detect(
						image.pixels,
						params.confidence as number,
						(params.classes as string[] | null | undefined) ?? null,
					).shapes.length;
				const frontCount = count(front);
				const backCount = count(back[i] ?? front);
				const difference = frontCount - backCount;
				if (!latest) return { front_count: frontCount, back_count: backCount, difference };
				let message = 'Notification sent in the background task';
				if (context.disableSinks) message = SINK_DISABLED.byPolicy;
				else if (params.quiet === true) message = SINK_DISABLED.byParameter;
				else
					context.deliver({
						block: 'notify',
						blockType: WEBHOOK_SINK,
						payload: { label: params.label, front_count: frontCount, back_count: backCount },
					});
				return {
					front_count: frontCount,
					back_count: backCount,
					difference,
					matches: Math.abs(difference) <= (params.tolerance as number),
					label: params.label ?? null,
					note: params.note ?? null,
					notification: { error_status: false, throttling_status: false, message },
				};
			});
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Errors

const RUNTIME_INPUT_CONTEXT = 'workflow_execution | runtime_input_validation';

/** 400 `RuntimeInputError`, as the route's `JSONResponse` sends it (nulls kept, `str(None)` = "None"). */
function runtimeInputError(message: string, inner?: { type: string; message: string }): HttpError {
	return new HttpError(400, {
		message,
		error_type: 'RuntimeInputError',
		context: RUNTIME_INPUT_CONTEXT,
		inner_error_type: inner?.type ?? null,
		inner_error_message: inner?.message ?? 'None',
	});
}

/** 500 `StepExecutionError` (`_build_execution_error_response`, `model_dump()`: nulls kept). */
function stepExecutionError(failure: {
	blockId: string;
	blockType: string;
	innerType: string;
	innerMessage: string;
}): HttpError {
	const traceback =
		'Traceback (most recent call last):\n' +
		'  File "/app/inference/core/workflows/execution_engine/v1/executor/core.py", line 428, in safe_execute_step\n' +
		'    run_step(\n' +
		`${failure.innerType}: ${failure.innerMessage}\n`;
	return new HttpError(500, {
		message: failure.innerMessage,
		error_type: 'StepExecutionError',
		context: 'workflow_execution | step_execution',
		inner_error_type: failure.innerType,
		inner_error_message: failure.innerMessage,
		blocks_errors: [
			{
				block_id: failure.blockId,
				block_type: failure.blockType,
				block_details: null,
				property_name: null,
				property_details: failure.innerMessage,
				block_traceback: {
					traceback,
					error_line: null,
					code_snippet: null,
					stdout: null,
					stderr: null,
				},
			},
		],
		python_blocks_output_streams: null,
		python_blocks_debug_traces: null,
	});
}

// ---------------------------------------------------------------------------------------------
// Python renderings, for messages that quote values

/** Python's `type(value)` name of a JSON value. */
export function pyType(value: unknown): string {
	if (value === null || value === undefined) return 'NoneType';
	if (typeof value === 'string') return 'str';
	if (typeof value === 'boolean') return 'bool';
	if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
	if (Array.isArray(value)) return 'list';
	return 'dict';
}

/** Python's `repr` of a JSON value. */
export function pyRepr(value: unknown): string {
	if (value === null || value === undefined) return 'None';
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (typeof value === 'number') {
		if (Number.isInteger(value)) return String(value);
		const text = String(value);
		return text.replace(/e([+-])(\d)$/, 'e$10$2');
	}
	if (typeof value === 'string') {
		const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
		const body = value
			.replace(/\\/g, '\\\\')
			.replace(/\n/g, '\\n')
			.replace(new RegExp(quote, 'g'), `\\${quote}`);
		return `${quote}${body}${quote}`;
	}
	if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
	return `{${Object.entries(value as Record<string, unknown>)
		.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
		.join(', ')}}`;
}

/** pydantic-core shortens long `input_value` reprs in the middle. */
const shortRepr = (value: unknown) => {
	const text = pyRepr(value);
	return text.length > 50 ? `${text.slice(0, 25)}...${text.slice(-24)}` : text;
};

interface PydanticLine {
	loc: string;
	type: string;
	msg: string;
	input: unknown;
}

const PYDANTIC_DOCS = 'https://errors.pydantic.dev/2.11/v';

/** `str(ValidationError)` of pydantic 2 (close; the docs version in the URL is a guess). */
function pydanticText(title: string, lines: PydanticLine[]): string {
	const head = `${lines.length} validation error${lines.length === 1 ? '' : 's'} for ${title}`;
	return [
		head,
		...lines.map(
			(line) =>
				`${line.loc}\n  ${line.msg} [type=${line.type}, input_value=${shortRepr(line.input)}, input_type=${pyType(line.input)}]\n    For further information visit ${PYDANTIC_DOCS}/${line.type}`,
		),
	].join('\n');
}

/** Inference's selector pattern: a string matching it is a (valid) reference, not a value. */
const SELECTOR_PATTERN =
	'(^\\$steps\\.[A-Za-z_\\-0-9]+\\.[A-Za-z_*0-9\\-]+$)|(^\\$inputs.[A-Za-z_0-9\\-]+$)';
const SELECTOR = new RegExp(SELECTOR_PATTERN);

const strBranch = (property: string, input: unknown): PydanticLine =>
	typeof input === 'string'
		? {
				loc: `${property}.constrained-str`,
				type: 'string_pattern_mismatch',
				msg: `String should match pattern '${SELECTOR_PATTERN}'`,
				input,
			}
		: {
				loc: `${property}.constrained-str`,
				type: 'string_type',
				msg: 'Input should be a valid string',
				input,
			};

/**
 * A parameter value checked against the step property it feeds (pydantic lax mode: numeric
 * strings and booleans are numbers). Returns the coerced value, or the pydantic error lines.
 */
function checkBinding(
	accepts: Accepts,
	property: string,
	value: unknown,
): { value: unknown } | { lines: PydanticLine[] } {
	if (typeof value === 'string' && SELECTOR.test(value)) {
		// A reference is valid for the manifest; as a runtime value it means nothing here.
		return { value: accepts === 'floatZeroToOne' ? DETECTION_CONFIDENCE : null };
	}
	if (accepts === 'floatZeroToOne') {
		const label = `${property}.constrained-float`;
		let number: number | undefined;
		if (typeof value === 'number') number = value;
		else if (typeof value === 'boolean') number = value ? 1 : 0;
		else if (typeof value === 'string') {
			number = parseFloatLike(value);
			if (number === undefined)
				return {
					lines: [
						{
							loc: label,
							type: 'float_parsing',
							msg: 'Input should be a valid number, unable to parse string as a number',
							input: value,
						},
						strBranch(property, value),
					],
				};
		}
		if (number === undefined)
			return {
				lines: [
					{ loc: label, type: 'float_type', msg: 'Input should be a valid number', input: value },
					strBranch(property, value),
				],
			};
		const range: PydanticLine | undefined = !(number >= 0)
			? {
					loc: label,
					type: 'greater_than_equal',
					msg: 'Input should be greater than or equal to 0',
					input: value,
				}
			: number > 1
				? {
						loc: label,
						type: 'less_than_equal',
						msg: 'Input should be less than or equal to 1',
						input: value,
					}
				: undefined;
		return range ? { lines: [range, strBranch(property, value)] } : { value: number };
	}
	if (accepts === 'integer') return checkInteger(property, value);
	if (accepts === 'boolean') return checkBoolean(property, value);
	if (accepts === 'string') {
		// A JSON payload field: any string, or nothing.
		if (value === null || value === undefined || typeof value === 'string')
			return { value: value ?? null };
		return {
			lines: [
				{
					loc: `${property}.str`,
					type: 'string_type',
					msg: 'Input should be a valid string',
					input: value,
				},
				strBranch(property, value),
			],
		};
	}
	// Union[Optional[List[str]], Selector]
	if (value === null || value === undefined) return { value: null };
	const label = `${property}.list[str]`;
	if (!Array.isArray(value))
		return {
			lines: [
				{ loc: label, type: 'list_type', msg: 'Input should be a valid list', input: value },
				strBranch(property, value),
			],
		};
	const bad = value.flatMap((item, i): PydanticLine[] =>
		typeof item === 'string'
			? []
			: [
					{
						loc: `${label}.${i}`,
						type: 'string_type',
						msg: 'Input should be a valid string',
						input: item,
					},
				],
	);
	return bad.length ? { lines: [...bad, strBranch(property, value)] } : { value: [...value] };
}

/** `Union[int, Selector]` in pydantic's lax mode: whole floats, integer strings and booleans are integers. */
function checkInteger(
	property: string,
	value: unknown,
): { value: unknown } | { lines: PydanticLine[] } {
	const label = `${property}.int`;
	const fail = (type: string, msg: string) => ({
		lines: [{ loc: label, type, msg, input: value }, strBranch(property, value)],
	});
	if (typeof value === 'boolean') return { value: value ? 1 : 0 };
	if (typeof value === 'number')
		return Number.isInteger(value)
			? { value }
			: fail(
					'int_from_float',
					'Input should be a valid integer, got a number with a fractional part',
				);
	if (typeof value === 'string') {
		const text = value.trim();
		return /^[+-]?\d+$/.test(text)
			? { value: Number(text) }
			: fail(
					'int_parsing',
					'Input should be a valid integer, unable to parse string as an integer',
				);
	}
	return fail('int_type', 'Input should be a valid integer');
}

/** `Union[bool, Selector]` in pydantic's lax mode: 0/1 and words such as "yes"/"off" are booleans. */
function checkBoolean(
	property: string,
	value: unknown,
): { value: unknown } | { lines: PydanticLine[] } {
	if (typeof value === 'boolean') return { value };
	if (value === 0 || value === 1) return { value: value === 1 };
	if (typeof value === 'string' && TRUE_WORDS.has(value.toLowerCase())) return { value: true };
	if (typeof value === 'string' && FALSE_WORDS.has(value.toLowerCase())) return { value: false };
	const parsing = typeof value === 'string' || typeof value === 'number';
	return {
		lines: [
			{
				loc: `${property}.bool`,
				type: parsing ? 'bool_parsing' : 'bool_type',
				msg: parsing
					? 'Input should be a valid boolean, unable to interpret input'
					: 'Input should be a valid boolean',
				input: value,
			},
			strBranch(property, value),
		],
	};
}

// ---------------------------------------------------------------------------------------------
// Request body

export interface WorkflowRequest {
	api_key: string | null;
	inputs: Record<string, unknown>;
	excluded_fields: string[] | null;
	use_cache: boolean;
	workflow_version_id: string | null;
	disable_sinks: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/**
 * The JSON body of `POST /{workspace}/workflows/{id}` as FastAPI reads it: JSON when the
 * Content-Type is absent or `application/json` (or `+json`), else the raw bytes (which fail
 * validation); validated as Inference's `PredefinedWorkflowInferenceRequest`. Throws 422
 * `{detail: [...]}` listing every problem.
 */
export function parseWorkflowRequest(
	contentType: string | undefined,
	body: Buffer,
	/** `describe`: `PredefinedWorkflowDescribeInterfaceRequest` (`entities/requests/workflows.py:91-101`), no `inputs`. */
	route: 'run' | 'describe' = 'run',
): WorkflowRequest {
	if (body.length === 0)
		throw validationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
	const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
	const isJson =
		contentType === undefined ||
		mediaType === 'application/json' ||
		(mediaType.startsWith('application/') && mediaType.endsWith('+json'));
	if (!isJson)
		throw validationError([
			{
				type: 'model_attributes_type',
				loc: ['body'],
				msg: 'Input should be a valid dictionary or object to extract fields from',
				input: body.toString('utf8'),
			},
		]);
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch (error) {
		const position = Number(/position (\d+)/.exec(String(error))?.[1] ?? 0);
		throw validationError([
			{
				type: 'json_invalid',
				loc: ['body', position],
				msg: 'JSON decode error',
				input: {},
				ctx: { error: 'Expecting value' },
			},
		]);
	}
	if (!isObject(parsed))
		throw validationError([
			{
				type: 'model_attributes_type',
				loc: ['body'],
				msg: 'Input should be a valid dictionary or object to extract fields from',
				input: parsed,
			},
		]);

	const issues: ValidationIssue[] = [];
	const optionalString = (name: string): string | null => {
		const value = parsed[name];
		if (value === undefined || value === null) return null;
		if (typeof value === 'string') return value;
		issues.push({
			type: 'string_type',
			loc: ['body', name],
			msg: 'Input should be a valid string',
			input: value,
		});
		return null;
	};
	const bool = (name: string, fallback: boolean): boolean => {
		const value = parsed[name];
		if (value === undefined) return fallback;
		if (typeof value === 'boolean') return value;
		if (value === 0 || value === 1) return value === 1;
		if (typeof value === 'string' && TRUE_WORDS.has(value.toLowerCase())) return true;
		if (typeof value === 'string' && FALSE_WORDS.has(value.toLowerCase())) return false;
		issues.push(
			typeof value === 'string' || typeof value === 'number'
				? {
						type: 'bool_parsing',
						loc: ['body', name],
						msg: 'Input should be a valid boolean, unable to interpret input',
						input: value,
					}
				: {
						type: 'bool_type',
						loc: ['body', name],
						msg: 'Input should be a valid boolean',
						input: value,
					},
		);
		return fallback;
	};

	const apiKey = optionalString('api_key');
	let inputs: Record<string, unknown> = {};
	if (route === 'describe') inputs = {};
	else if (!('inputs' in parsed))
		issues.push({ type: 'missing', loc: ['body', 'inputs'], msg: 'Field required', input: parsed });
	else if (!isObject(parsed.inputs))
		issues.push({
			type: 'dict_type',
			loc: ['body', 'inputs'],
			msg: 'Input should be a valid dictionary',
			input: parsed.inputs,
		});
	else inputs = parsed.inputs;
	let excluded: string[] | null = null;
	const rawExcluded = parsed.excluded_fields;
	if (rawExcluded !== undefined && rawExcluded !== null) {
		if (!Array.isArray(rawExcluded))
			issues.push({
				type: 'list_type',
				loc: ['body', 'excluded_fields'],
				msg: 'Input should be a valid list',
				input: rawExcluded,
			});
		else {
			rawExcluded.forEach((item, i) => {
				if (typeof item !== 'string')
					issues.push({
						type: 'string_type',
						loc: ['body', 'excluded_fields', i],
						msg: 'Input should be a valid string',
						input: item,
					});
			});
			excluded = rawExcluded.filter((item): item is string => typeof item === 'string');
		}
	}
	bool('enable_profiling', false);
	bool('debug', false);
	optionalString('workflow_id');
	const disableSinks = bool('disable_sinks', false);
	const useCache = bool('use_cache', true);
	const versionId = optionalString('workflow_version_id');
	if (issues.length) throw validationError(issues);
	return {
		api_key: apiKey,
		inputs,
		excluded_fields: excluded,
		use_cache: useCache,
		workflow_version_id: versionId,
		disable_sinks: disableSinks,
	};
}

// ---------------------------------------------------------------------------------------------
// Runtime input assembly

/** Loads one image value (`deserialize_image_kind`); throws the inner message of its RuntimeInputError. */
async function loadWorkflowImage(
	value: unknown,
	identifier: string,
	urlRules: UrlRules,
): Promise<RgbaImage> {
	const invalid = (details: string) =>
		new Error(
			`Detected runtime parameter \`${identifier}\` defined as \`WorkflowImage\` that is invalid. Failed on input validation. Details: ${details}`,
		);
	let raw = value;
	if (isObject(value)) {
		if (!('value' in value)) throw invalid("'value'");
		raw = value.value;
	}
	if (typeof raw !== 'string')
		throw new Error(
			`Detected runtime parameter \`${identifier}\` defined as \`WorkflowImage\` with type <class '${pyType(raw)}'> that is invalid. ` +
				'Workflows accept only np.arrays, `WorkflowImageData` and dicts with keys `type` and `value` compatible with `inference` (or list of them).',
		);
	let bytes: Buffer;
	if (raw.startsWith('http://') || raw.startsWith('https://')) {
		const refusal = urlRefusal(raw, urlRules);
		if (refusal) throw invalid(refusal);
		try {
			bytes = await fetchUrl(raw, urlRules.maxRedirects);
		} catch (error) {
			throw invalid(
				`Could not load image from url: ${raw}. Details: ${error instanceof Error ? error.message : String(error)}`,
			);
		}
		try {
			return decodeImage(bytes);
		} catch {
			throw invalid('Could not decode bytes as image.');
		}
	}
	const decoded = decodeBase64Body(Buffer.from(raw, 'utf8'));
	try {
		if ('cause' in decoded) throw new Error(decoded.cause);
		return decodeImage(decoded.bytes);
	} catch {
		throw invalid('Input image format could not be inferred from string.');
	}
}

const notProvided = (input: WorkflowInputSpec) =>
	runtimeInputError(
		`Detected runtime parameter \`${input.name}\` defined as \`${input.type}\` (of kind \`${pyRepr(input.kind ?? ['image'])}\`), but value is not provided.`,
	);

export interface AssembledInputs {
	/** The first image input's batch: one entry per batch element. */
	images: WorkflowImage[];
	/** Every image input's batch, by input name. */
	imagesByInput: Record<string, WorkflowImage[]>;
	params: Record<string, unknown>;
}

/**
 * Inference's runtime input assembly, then the step-manifest check of parameters:
 * - batch size = length of the first image list longer than 1, else 1; a single image (or a
 *   list of one) is repeated, another length answers 400;
 * - a missing image (absent or null) answers 400 "... but value is not provided.";
 * - an image that does not load answers 400 "Failed to assemble `image`. ...";
 * - a parameter takes its value, or its `default_value` when absent (null stays null);
 * - a parameter the step cannot take answers 400 "Provided input is incompatible with manifest
 *   ..." with the pydantic error as `inner_error_message`.
 */
export async function assembleWorkflowInputs(
	definition: WorkflowDefinition,
	inputs: Record<string, unknown>,
	urlRules: UrlRules,
): Promise<AssembledInputs> {
	const declared = definition.specification.inputs;
	let batchSize = 1;
	for (const input of declared) {
		const value = inputs[input.name];
		if (input.type === 'WorkflowImage' && Array.isArray(value) && value.length > 1) {
			batchSize = value.length;
			break;
		}
	}
	const images = new Map<string, WorkflowImage[]>();
	const params: Record<string, unknown> = {};
	for (const input of declared) {
		if (input.type !== 'WorkflowImage') {
			params[input.name] = Object.hasOwn(inputs, input.name)
				? inputs[input.name]
				: input.default_value;
			continue;
		}
		const value = inputs[input.name];
		if (value === undefined || value === null) throw notProvided(input);
		const load = async (element: unknown, identifier: string): Promise<WorkflowImage> => {
			if (element === null || element === undefined) throw notProvided(input);
			try {
				return {
					pixels: await loadWorkflowImage(element, identifier, urlRules),
					parentId: identifier,
				};
			} catch (error) {
				throw runtimeInputError(
					`Failed to assemble \`${identifier}\`. Could not successfully use any deserializer for declared kinds. Details: \nKind: \`image\` - Error: ${error instanceof Error ? error.message : String(error)}`,
				);
			}
		};
		let batch: WorkflowImage[];
		if (!Array.isArray(value)) {
			const one = await load(value, input.name);
			batch = Array.from({ length: batchSize }, () => one);
		} else {
			batch = [];
			for (const [i, element] of value.entries())
				batch.push(await load(element, `${input.name}.[${i}]`));
			if (batch.length === 1 && batchSize !== 1)
				batch = Array.from({ length: batchSize }, () => batch[0]);
		}
		if (batch.length !== batchSize)
			throw runtimeInputError(
				'Expected all batch-oriented workflow inputs be the same length, or of length 1 - ' +
					`but parameter: ${input.name} provided with batch size ${batch.length}, where expected ` +
					`batch size based on remaining parameters is: ${batchSize}.`,
			);
		images.set(input.name, batch);
	}
	for (const binding of definition.bindings) {
		const checked = checkBinding(binding.accepts, binding.property, params[binding.input]);
		if ('lines' in checked)
			throw runtimeInputError(
				`Provided input is incompatible with manifest of step ${binding.step} regarding property ` +
					`${binding.property} provided in input parameter named ${binding.input}. Details available in inner error object.`,
				{ type: 'ValidationError', message: pydanticText('BlockManifest', checked.lines) },
			);
		params[binding.input] = checked.value;
	}
	return {
		images: images.values().next().value ?? [],
		imagesByInput: Object.fromEntries(images),
		params,
	};
}

/** Runs the Workflow and drops `excluded_fields` from every output object. */
export function runWorkflow(
	definition: WorkflowDefinition,
	assembled: AssembledInputs,
	excludedFields: readonly string[] | null,
	sinks: Pick<WorkflowRunContext, 'disableSinks' | 'deliver'> = {
		disableSinks: false,
		deliver: () => {},
	},
): Array<Record<string, unknown>> {
	const outputs = definition.run(assembled.images, assembled.params, {
		imagesByInput: assembled.imagesByInput,
		...sinks,
	});
	if (!excludedFields?.length) return outputs;
	return outputs.map((output) =>
		Object.fromEntries(Object.entries(output).filter(([name]) => !excludedFields.includes(name))),
	);
}

// ---------------------------------------------------------------------------------------------
// Management API views

/** An entry of `GET /{workspace}/workflows`. */
export const workflowListEntry = (workflow: WorkflowDefinition) => ({
	id: workflow.id,
	name: workflow.name,
	url: workflow.url,
	createdAt: workflow.createdAt,
});

/** describe_interface's 400 without a key: the handler's fixed text (`error_handlers.py:245-253`). */
export const DESCRIBE_KEY_MISSING =
	'Required Roboflow API key is missing. Visit https://docs.roboflow.com/api-reference/authentication#retrieve-an-api-key to learn how to retrieve one.';

/** Names of the inputs the steps refer to (`$inputs.<name>`), in the order the steps first do. */
function inputsInStepOrder(specification: WorkflowSpecification): string[] {
	const names: string[] = [];
	const visit = (value: unknown): void => {
		if (typeof value === 'string') {
			const match = /^\$inputs\.([A-Za-z_0-9-]+)$/.exec(value);
			if (match && !names.includes(match[1])) names.push(match[1]);
		} else if (Array.isArray(value)) value.forEach(visit);
		else if (isObject(value)) Object.values(value).forEach(visit);
	};
	visit(specification.steps);
	return names;
}

/** Python typing hints of the kinds (each kind's `serialised_data_type`, `entities/types.py`). */
const TYPING_HINTS: Record<string, string> = {
	'*': 'Any',
	image: 'dict',
	float_zero_to_one: 'float',
	float: 'float',
	integer: 'int',
	boolean: 'bool',
	string: 'str',
	list_of_values: 'List[Any]',
	dictionary: 'dict',
	object_detection_prediction: 'dict',
};

/**
 * `POST /{workspace}/workflows/{id}/describe_interface` (docs/roboflow-api.md §6.4b;
 * `handle_describe_workflows_interface`, `introspection/inputs_discovery.py:79-348`): inputs
 * the steps use come first, in the order the steps use them, then the others; each with its
 * kinds (declared here exactly as the steps use them; none declared: `*`, images `image`).
 */
export function describeInterface(workflow: WorkflowDefinition) {
	const { specification } = workflow;
	const used = inputsInStepOrder(specification);
	const ordered = [
		...used.flatMap((name) => specification.inputs.filter((input) => input.name === name)),
		...specification.inputs.filter((input) => !used.includes(input.name)),
	];
	const inputs = Object.fromEntries(
		ordered.map((input) => [
			input.name,
			input.kind ?? (input.type === 'WorkflowImage' ? ['image'] : ['*']),
		]),
	);
	const outputs = Object.fromEntries(
		specification.outputs.map((output) => [
			output.name,
			workflow.outputKinds?.[output.name] ?? ['*'],
		]),
	);
	const kinds = new Set([...Object.values(inputs), ...Object.values(outputs)].flat());
	return {
		inputs,
		outputs,
		typing_hints: Object.fromEntries(
			[...kinds].map((kind) => [kind, TYPING_HINTS[kind] ?? 'dict']),
		),
		kinds_schemas: {},
	};
}

/** `GET /{workspace}/workflows/{url}`: `config` is a JSON string of `{specification}`. */
export const workflowDetail = (workflow: WorkflowDefinition, workspace: string) => ({
	workflow: {
		id: workflow.id,
		owner: workspace,
		name: workflow.name,
		url: workflow.url,
		config: JSON.stringify({ specification: workflow.specification }),
	},
	status: 'ok',
});
