import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { RoboflowApiError } from '../../helpers/errors';
import type { ModelRef } from '../../input/modelId';
import { parseModelId } from '../../input/modelId';
import type { ModelTask } from '../../transport/endpoint';
import { endpointFor } from '../../transport/endpoint';
import type { ErrorAdvice } from '../../transport/errorMapping';
import type { RoboflowRequest } from '../../transport/request';
import { MAX_ANNOTATED_RESPONSE_BYTES, MAX_RESPONSE_BYTES } from '../../transport/request';
import type { Job, RunContext } from '../../batch/operation';
import { DEFAULTS } from './descriptions';
import type { ImageInput } from './imageInput';
import { derivedFileStem, readImageInput } from './imageInput';
import { storeReturnedImage } from './returnedImage';

export interface ModelRouteOptions {
	annotatedImage?: boolean;
	annotatedBinaryProperty?: string;
}

export interface ModelRouteJob {
	request: RoboflowRequest;
	model: ModelRef;
	image: ImageInput;
	/** The binary field for Roboflow's annotated picture, when one was asked for. */
	annotatedField?: string;
}

/**
 * Builds a request for Roboflow's model route, `POST {host}/{project}/{version}` (docs/roboflow-api.md §3),
 * shared by every model operation: the model, the image (bare base64 body or `image=` URL),
 * `format=image_and_json` for an annotated picture, plus the operation's own `query`.
 */
export async function prepareModelRoute(
	this: IExecuteFunctions,
	job: Job,
	run: RunContext,
	spec: { task: ModelTask; query: IDataObject; expected: string; advice?: ErrorAdvice },
): Promise<ModelRouteJob> {
	const { itemIndex } = job;
	const model = parseModelId(
		this.getNodeParameter('modelId', itemIndex, '', { extractValue: true }),
	);
	const options = job.options as ModelRouteOptions;
	const endpoint = endpointFor(run.data.apiUrl, spec.task);
	const image = await readImageInput.call(this, job, endpoint);
	const query: IDataObject = { ...spec.query };
	const annotatedField = options.annotatedImage
		? job.binaryPrefix +
			String(options.annotatedBinaryProperty || DEFAULTS.annotatedBinaryProperty).trim()
		: undefined;
	if (annotatedField) query.format = 'image_and_json';
	if (image.kind === 'url') query.image = image.url;
	return {
		model,
		image,
		annotatedField,
		request: {
			url: `${endpoint.baseUrl}/${model.project}/${model.version}`,
			query,
			body: image.kind === 'base64' ? { kind: 'base64', text: image.base64 } : undefined,
			maxResponseBytes: annotatedField ? MAX_ANNOTATED_RESPONSE_BYTES : MAX_RESPONSE_BYTES,
			expected: spec.expected,
			advice: spec.advice,
		},
	};
}

/**
 * Takes Roboflow's annotated picture (`visualization`, base64 JPEG) out of the answer and stores
 * it through n8n's binary helpers, so in filesystem mode it leaves memory and the JSON never
 * holds the base64. Returns the binary to attach, or undefined when none was asked for.
 */
export async function takeAnnotatedImage(
	this: IExecuteFunctions,
	answer: unknown,
	job: ModelRouteJob,
): Promise<INodeExecutionData['binary'] | undefined> {
	if (!job.annotatedField) return undefined;
	const raw = answer as IDataObject;
	const visualization = raw?.visualization;
	delete raw?.visualization;
	if (typeof visualization !== 'string' || !visualization) {
		throw new RoboflowApiError(
			'Roboflow sent no annotated image',
			'The answer lacks the "visualization" picture that Annotated Image asks for (format=image_and_json). Older self-hosted Inference servers do not support it: update the server, or turn Annotated Image off.',
		);
	}
	const binary = await storeReturnedImage.call(
		this,
		visualization,
		derivedFileStem(job.image, 'annotated'),
	);
	return { [job.annotatedField]: binary };
}
