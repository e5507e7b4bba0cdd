import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { fractionParameter } from '../../input/fraction';
import { normalizeClassification, simplifyClassification } from '../../response/classification';
import type { Job, OperationRun, RoboflowOperation, RunContext } from '../../batch/operation';
import { forOperations, OPTION, optionsCollection, RUN_OPTIONS } from '../shared/descriptions';
import { prepareModelRoute, takeAnnotatedImage } from '../shared/modelRoute';

interface ClassifyOptions {
	confidence?: number;
	annotatedImage?: boolean;
	simplify?: boolean;
}

const TASK = 'classification';

/** Image classification, single-label and multi-label: `top`, `confidence`, `predicted_classes`. */
export const classify: RoboflowOperation = {
	option: {
		name: 'Classify Image',
		value: 'classify',
		description: 'Predict the class of an image with a classification model',
		action: 'Classify image',
	},
	toolDescription:
		'Classifies an image with a Roboflow image classification model. Returns the most likely class (top), its confidence from 0 to 1 and the predicted classes. Input: the image, by the URL the tool asks for or the uploaded file it is set to read.',
	modelTask: TASK,
	properties: forOperations(
		['classify'],
		[
			optionsCollection([
				OPTION.confidence,
				OPTION.annotatedImage,
				OPTION.annotatedBinaryProperty,
				OPTION.simplify,
				...RUN_OPTIONS,
			]),
		],
	),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a classification result",
		hint: 'Check that the Model ID names a classification model (for object detection, segmentation or keypoint models pick that operation) and that the API URL points at Roboflow.',
	},
	async start(this: IExecuteFunctions, run: RunContext): Promise<OperationRun> {
		return {
			async prepare(this: IExecuteFunctions, job: Job) {
				const options = job.options as ClassifyOptions;
				const query: IDataObject = {};
				if (options.confidence !== undefined) {
					query.confidence = fractionParameter(options.confidence, 'Confidence threshold');
				}
				const routed = await prepareModelRoute.call(this, job, run, {
					task: TASK,
					query,
					expected: 'a classification result',
					// Roboflow draws the top class on the picture, and fails when there is none (§4.7).
					advice: options.annotatedImage
						? {
								serverError:
									'With Annotated Image on, Roboflow fails like this when no class reaches the Confidence Threshold: lower the threshold or turn Annotated Image off.',
							}
						: undefined,
				});
				return {
					request: routed.request,
					read: async (answer) => {
						const binary = await takeAnnotatedImage.call(this, answer, routed);
						const result = normalizeClassification(answer, routed.model.id);
						return {
							json: options.simplify ? simplifyClassification(result) : result,
							binary,
						};
					},
				};
			},
		};
	},
};
