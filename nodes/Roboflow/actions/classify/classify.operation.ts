import type { IDataObject } from 'n8n-workflow';

import type { RoboflowOperation } from '../../batch/operation';
import { fractionParameter } from '../../input/fraction';
import { normalizeClassification, simplifyClassification } from '../../response/classification';
import { forOperations, optionsCollection, SHARED_OPTIONS } from '../shared/descriptions';
import { runModelRoute } from '../shared/modelRoute';

interface ClassifyOptions {
	confidence?: number;
	annotatedImage?: boolean;
	simplify?: boolean;
}

/** Image classification, single-label and multi-label: `top`, `confidence`, `predicted_classes`. */
export const classify: RoboflowOperation = {
	option: {
		name: 'Classify Image',
		value: 'classify',
		description: 'Predict the class of an image with a classification model',
		action: 'Classify image',
	},
	toolDescription:
		'Classifies an image with a Roboflow image classification model. Returns the most likely class (top), its confidence from 0 to 1 and the predicted classes.',
	modelTask: 'classification',
	properties: forOperations(
		['classify'],
		[
			optionsCollection([
				SHARED_OPTIONS.confidence,
				SHARED_OPTIONS.annotatedImage,
				SHARED_OPTIONS.annotatedBinaryProperty,
				SHARED_OPTIONS.simplify,
			]),
		],
	),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a classification result",
		hint: 'Check that the Model ID names a classification model (for object detection, segmentation or keypoint models pick that operation) and that the API URL points at Roboflow.',
	},
	async execute(job, api) {
		const options = job.options as ClassifyOptions;
		const query: IDataObject = {};
		if (options.confidence !== undefined)
			query.confidence = fractionParameter(options.confidence, 'Confidence threshold');
		const { answer, model, binary } = await runModelRoute.call(this, job, api, {
			task: 'classification',
			query,
			expected: 'a classification result',
			// Roboflow draws the top class on the picture and fails when there is none (docs/roboflow-api.md §4.7).
			advice: options.annotatedImage
				? {
						serverError:
							'With Annotated Image on, Roboflow fails like this when no class reaches the Confidence Threshold: lower the threshold or turn Annotated Image off.',
					}
				: undefined,
		});
		const result = normalizeClassification(answer, model.id);
		return { json: options.simplify ? simplifyClassification(result) : result, binary };
	},
};
