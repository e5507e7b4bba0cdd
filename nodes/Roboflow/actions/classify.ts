import type { ICredentialsDecrypted, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { RoboflowApiError, RoboflowInputError, redact } from '../helpers/errors';
import { mapWithConcurrency } from '../helpers/pool';
import { parseImageUrl, readBinaryImage } from '../input/imageSource';
import { parseModelId } from '../input/modelId';
import { normalizeClassification, UnexpectedResponseError } from '../response/normalize';
import type { ClassifyRequest, RequestPolicy } from '../transport/request';
import { RequestCancelledError, requestClassification } from '../transport/request';
import { SharedPause } from '../transport/retry';

interface ClassifyOptions {
	confidence?: number;
	maxConcurrency?: number;
	maxRetries?: number;
	timeout?: number;
}

// A type alias, not an interface, so it fits n8n's indexed credential data type.
type RoboflowCredentials = {
	apiKey: string;
	apiUrl?: string;
};

export const DEFAULT_API_URL = 'https://classify.roboflow.com';

/** Builds the request for one item: validates its parameters and reads its image. */
async function buildRequest(
	this: IExecuteFunctions,
	itemIndex: number,
	item: INodeExecutionData,
	credentials: ICredentialsDecrypted,
	apiUrl: string,
): Promise<ClassifyRequest> {
	const model = parseModelId(this.getNodeParameter('modelId', itemIndex));
	const options = this.getNodeParameter('options', itemIndex, {}) as ClassifyOptions;
	const query: IDataObject = {};
	if (options.confidence !== undefined) {
		const confidence = Number(options.confidence);
		if (!(confidence >= 0 && confidence <= 1)) {
			throw new RoboflowInputError(
				`Confidence threshold ${String(options.confidence)} is outside 0 to 1`,
				'Give it as a fraction, e.g. 0.5 for 50%.',
			);
		}
		query.confidence = confidence;
	}
	const inputType = this.getNodeParameter('inputType', itemIndex) as string;
	if (inputType === 'imageUrl') {
		query.image = parseImageUrl(this.getNodeParameter('imageUrl', itemIndex));
		return { credentials, apiUrl, model, query };
	}
	const propertyName = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const base64 = await readBinaryImage.call(this, itemIndex, propertyName, item.binary);
	return { credentials, apiUrl, model, query, base64 };
}

function toNodeError(this: IExecuteFunctions, error: unknown, itemIndex: number, secrets: string[]) {
	const suffix = ` [item ${itemIndex}]`;
	if (error instanceof RoboflowInputError) {
		return new NodeOperationError(this.getNode(), redact(error.message, secrets) + suffix, {
			itemIndex,
			description: redact(error.description, secrets),
		});
	}
	if (error instanceof RoboflowApiError) {
		// Only the already-phrased message travels: no URL, headers or config, where the key sits.
		const message = redact(error.message, secrets) + suffix;
		const description = redact(error.description, secrets);
		return new NodeApiError(
			this.getNode(),
			{ message, description, ...(error.httpCode ? { httpCode: String(error.httpCode) } : {}) },
			{ itemIndex, message, description, httpCode: error.httpCode ? String(error.httpCode) : undefined },
		);
	}
	if (error instanceof UnexpectedResponseError) {
		const message = `Roboflow's answer is not a classification result${suffix}`;
		const description = `${redact(error.message, secrets)}. Check that the Model ID names a classification model (not object detection or segmentation) and that the API URL points at Roboflow.`;
		return new NodeApiError(this.getNode(), { message, description }, { itemIndex, message, description });
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		error.message = redact(error.message, secrets);
		return error;
	}
	const text = redact(error instanceof Error ? error.message : String(error), secrets);
	return new NodeOperationError(this.getNode(), text + suffix, { itemIndex });
}

/** Classifies every input item, at most `maxConcurrency` at a time, keeping input order. */
export async function classify(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const data = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	const ref = this.getNode().credentials?.roboflowApi;
	const credentials: ICredentialsDecrypted = { id: ref?.id ?? '', name: ref?.name ?? '', type: 'roboflowApi', data };
	const apiUrl = (data.apiUrl || DEFAULT_API_URL).trim();
	const secrets = [data.apiKey];
	const options = this.getNodeParameter('options', 0, {}) as ClassifyOptions;
	const cancelSignal = this.getExecutionCancelSignal();
	// Aborted when the user stops the execution, or when one item fails the node: either way no
	// new request starts and pending retries are dropped.
	const halt = new AbortController();
	const signal = cancelSignal ? AbortSignal.any([cancelSignal, halt.signal]) : halt.signal;
	let retries = 0;
	const policy: RequestPolicy = {
		timeoutMs: Math.max(1, Number(options.timeout ?? 30_000)),
		maxRetries: Math.max(0, Math.floor(Number(options.maxRetries ?? 3))),
		pause: new SharedPause(),
		signal,
		onRetry: () => retries++,
	};
	const concurrency = Math.max(1, Math.floor(Number(options.maxConcurrency ?? 5)));

	const results = await mapWithConcurrency(
		items.length,
		concurrency,
		async (itemIndex): Promise<INodeExecutionData> => {
			const item = items[itemIndex];
			try {
				const request = await buildRequest.call(this, itemIndex, item, credentials, apiUrl);
				const answer = await requestClassification.call(this, request, policy);
				const classification = normalizeClassification(answer, request.model.id);
				return {
					json: { ...item.json, ...classification },
					...(item.binary ? { binary: item.binary } : {}),
					pairedItem: { item: itemIndex },
				};
			} catch (error) {
				if (error instanceof RequestCancelledError || signal.aborted) {
					throw new NodeOperationError(this.getNode(), 'The execution was canceled', { itemIndex });
				}
				const nodeError = toNodeError.call(this, error, itemIndex, secrets);
				if (!this.continueOnFail()) {
					halt.abort();
					throw nodeError;
				}
				// Only `error` and `message` in the JSON: that is how n8n (1.x and 2.x) recognises a
				// failed item for "continue using error output", where it merges the input's JSON back
				// in. The image stays attached so an error branch can still forward it.
				return {
					json: { error: nodeError.message, message: nodeError.description ?? '' },
					...(item.binary ? { binary: item.binary } : {}),
					pairedItem: { item: itemIndex },
				};
			}
		},
		signal,
	);

	if (cancelSignal?.aborted) throw new NodeOperationError(this.getNode(), 'The execution was canceled');
	if (retries > 0) {
		this.addExecutionHints({
			message: `${retries} Roboflow request${retries === 1 ? ' was' : 's were'} retried after rate limiting or a temporary error.`,
			location: 'outputPane',
		});
	}
	return results;
}
