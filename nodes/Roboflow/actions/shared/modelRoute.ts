import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Job, JobApi } from '../../batch/operation';
import { RoboflowApiError } from '../../helpers/errors';
import { parseModelId } from '../../input/identifiers';
import type { ModelTask } from '../../transport/endpoint';
import type { ErrorAdvice } from '../../transport/errorMapping';
import type { ModelRef } from '../../transport/inference';
import { SHARED_OPTIONS } from './descriptions';
import type { JobImage } from './imageInput';
import { derivedFileStem, imagePayload, readJobImage, storeReturnedImage } from './imageInput';

interface PictureOptions {
	annotatedImage?: boolean;
	annotatedBinaryProperty?: string;
}

/** What the model route gave for a job: the answer, the model, and the picture asked for. */
export interface ModelAnswer {
	answer: unknown;
	model: ModelRef;
	binary?: INodeExecutionData['binary'];
}

/** Roboflow's annotated picture (`visualization`), stored as a binary, never left in the JSON. */
async function annotatedPicture(
	this: IExecuteFunctions,
	answer: unknown,
	image: JobImage,
	field: string,
): Promise<INodeExecutionData['binary']> {
	const visualization = (answer as IDataObject | undefined)?.visualization;
	if (typeof visualization !== 'string' || !visualization) {
		throw new RoboflowApiError(
			'Roboflow sent no annotated image',
			'The answer lacks the "visualization" picture that Annotated Image asks for (format=image_and_json). Older self-hosted Inference servers do not support it: update the server, or turn Annotated Image off.',
		);
	}
	const stem = derivedFileStem(image, 'annotated');
	return { [field]: await storeReturnedImage.call(this, visualization, stem) };
}

/** Runs the job's image through its Model on the model route; `query` is the operation's own. */
export async function runModelRoute(
	this: IExecuteFunctions,
	job: Job,
	api: JobApi,
	spec: { task: ModelTask; query: IDataObject; expected: string; advice?: ErrorAdvice },
): Promise<ModelAnswer> {
	const { itemIndex } = job;
	const model = parseModelId(
		this.getNodeParameter('modelId', itemIndex, '', { extractValue: true }),
	);
	const options = job.options as PictureOptions;
	const endpoint = api.inference.endpoint(spec.task);
	const image = await readJobImage.call(this, job, endpoint);
	const fieldName =
		String(options.annotatedBinaryProperty ?? '').trim() ||
		SHARED_OPTIONS.annotatedBinaryProperty.default;
	const pictureField = options.annotatedImage ? job.binaryPrefix + fieldName : undefined;
	const answer = await api.send(
		api.inference.modelRequest({
			endpoint,
			model,
			image: imagePayload(image),
			query: spec.query,
			withPicture: pictureField !== undefined,
			expected: spec.expected,
			advice: spec.advice,
		}),
	);
	const binary = pictureField
		? await annotatedPicture.call(this, answer, image, pictureField)
		: undefined;
	return { answer, model, binary };
}
