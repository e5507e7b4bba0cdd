import type { IDataObject, INodePropertyOptions } from 'n8n-workflow';

import type { RoboflowOperation } from '../../batch/operation';
import { commaList } from '../../input/commaList';
import { fractionParameter, wholeNumberParameter } from '../../input/fraction';
import type { DetectionShape } from '../../response/detection';
import { normalizeDetections, simplifyDetections } from '../../response/detection';
import type { ModelTask } from '../../transport/endpoint';
import { forOperations, optionsCollection, SHARED_OPTIONS } from './descriptions';
import { runModelRoute } from './modelRoute';

interface DetectionOptions {
	confidence?: number;
	overlap?: number;
	classes?: string;
	maxDetections?: number;
	simplify?: boolean;
}

/** Max Detections as sent: checked against the range its parameter shows (an expression may give anything). */
export function maxDetectionsParameter(value: unknown): number {
	const { minValue, maxValue } = SHARED_OPTIONS.maxDetections.typeOptions;
	return wholeNumberParameter(value, 'Max Detections', minValue, maxValue);
}

/** Detect, segment and keypoints differ only in task, prediction shape and words. */
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
					SHARED_OPTIONS.confidence,
					SHARED_OPTIONS.overlap,
					SHARED_OPTIONS.classes,
					SHARED_OPTIONS.maxDetections,
					SHARED_OPTIONS.annotatedImage,
					SHARED_OPTIONS.annotatedBinaryProperty,
					SHARED_OPTIONS.simplify,
				]),
			],
		),
		unexpectedAnswer: {
			message: `Roboflow's answer is not ${spec.resultName}`,
			hint: `Check that the Model ID names ${spec.modelKind} (each model type has its own operation) and that the API URL points at Roboflow.`,
		},
		async execute(job, api) {
			const options = job.options as DetectionOptions;
			const query: IDataObject = {};
			if (options.confidence !== undefined)
				query.confidence = fractionParameter(options.confidence, 'Confidence threshold');
			if (options.overlap !== undefined)
				query.overlap = fractionParameter(options.overlap, 'Overlap threshold');
			if (options.maxDetections !== undefined)
				query.max_detections = maxDetectionsParameter(options.maxDetections);
			const keep = commaList(options.classes);
			const { answer, model, binary } = await runModelRoute.call(this, job, api, {
				task: spec.task,
				query,
				expected: spec.resultName,
			});
			const result = normalizeDetections(
				answer,
				model.id,
				spec.shape,
				keep.length ? new Set(keep) : undefined,
			);
			return { json: options.simplify ? simplifyDetections(result) : result, binary };
		},
	};
}
