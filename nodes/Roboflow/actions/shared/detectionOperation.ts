import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { commaList } from '../../input/commaList';
import { fractionParameter, wholeNumberParameter } from '../../input/fraction';
import type { DetectionShape } from '../../response/detection';
import { normalizeDetections, simplifyDetections } from '../../response/detection';
import type { ModelTask } from '../../transport/endpoint';
import type { Job, OperationRun, RoboflowOperation, RunContext } from '../../batch/operation';
import { forOperations, OPTION, optionsCollection, RUN_OPTIONS } from './descriptions';
import { prepareModelRoute, takeAnnotatedImage } from './modelRoute';

interface DetectionOptions {
	confidence?: number;
	overlap?: number;
	classes?: string;
	maxDetections?: number;
	simplify?: boolean;
}

/** Comma-separated class names as a set, or undefined when empty (keep every class). */
export function parseClassList(value: unknown): Set<string> | undefined {
	const names = commaList(value);
	return names.length ? new Set(names) : undefined;
}

/**
 * The operations whose models answer with boxes (object detection, instance segmentation,
 * keypoints) differ only in their task, the shape each prediction must have and their words;
 * the request and the output fields are the same.
 */
export function detectionOperation(spec: {
	option: INodePropertyOptions & { value: string };
	toolDescription: string;
	task: ModelTask;
	shape: DetectionShape;
	/** "an object detection result" */
	resultName: string;
	/** "an object detection model" */
	modelKind: string;
}): RoboflowOperation {
	return {
		option: spec.option,
		toolDescription: spec.toolDescription,
		modelTask: spec.task,
		properties: forOperations(
			[spec.option.value],
			[
				optionsCollection([
					OPTION.confidence,
					OPTION.overlap,
					OPTION.classes,
					OPTION.maxDetections,
					OPTION.annotatedImage,
					OPTION.annotatedBinaryProperty,
					OPTION.simplify,
					...RUN_OPTIONS,
				]),
			],
		),
		unexpectedAnswer: {
			message: `Roboflow's answer is not ${spec.resultName}`,
			hint: `Check that the Model ID names ${spec.modelKind} (each model type has its own operation) and that the API URL points at Roboflow.`,
		},
		async start(this: IExecuteFunctions, run: RunContext): Promise<OperationRun> {
			return {
				async prepare(this: IExecuteFunctions, job: Job) {
					const options = job.options as DetectionOptions;
					const query: IDataObject = {};
					if (options.confidence !== undefined) {
						query.confidence = fractionParameter(options.confidence, 'Confidence threshold');
					}
					if (options.overlap !== undefined)
						query.overlap = fractionParameter(options.overlap, 'Overlap threshold');
					if (options.maxDetections !== undefined) {
						query.max_detections = wholeNumberParameter(
							options.maxDetections,
							'Max Detections',
							1,
							10_000,
						);
					}
					const keep = parseClassList(options.classes);
					const routed = await prepareModelRoute.call(this, job, run, {
						task: spec.task,
						query,
						expected: spec.resultName,
					});
					return {
						request: routed.request,
						read: async (answer) => {
							const binary = await takeAnnotatedImage.call(this, answer, routed);
							const result = normalizeDetections(answer, routed.model.id, spec.shape, keep);
							return {
								json: options.simplify ? simplifyDetections(result) : result,
								binary,
							};
						},
					};
				},
			};
		},
	};
}
