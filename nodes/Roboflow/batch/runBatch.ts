import type { ICredentialsDecrypted, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Job, RoboflowCredentials, RoboflowOperation, RunContext } from '../actions/operation';
import { DEFAULTS } from '../actions/shared/descriptions';
import { RoboflowApiError, RoboflowInputError, redact } from '../helpers/errors';
import { UnexpectedResponseError } from '../response/common';
import type { RequestPolicy } from '../transport/request';
import { RequestCancelledError, sendRoboflowRequest } from '../transport/request';
import { SharedPause } from '../transport/retry';
import { mapWithConcurrency } from './pool';

interface RunOptions {
	maxConcurrency?: number;
	maxRetries?: number;
	timeout?: number;
	outputField?: string;
}

/** Every failure of a job, whatever its kind, as the n8n error the user sees: one place. */
function toNodeError(
	this: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	secrets: string[],
	operation: RoboflowOperation,
) {
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
		const httpCode = error.httpCode ? String(error.httpCode) : undefined;
		return new NodeApiError(
			this.getNode(),
			{ message, description, ...(httpCode ? { httpCode } : {}) },
			{ itemIndex, message, description, httpCode },
		);
	}
	if (error instanceof UnexpectedResponseError) {
		const message = operation.unexpectedAnswer.message + suffix;
		const description = `${redact(error.message, secrets)}. ${operation.unexpectedAnswer.hint}`;
		return new NodeApiError(this.getNode(), { message, description }, { itemIndex, message, description });
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		error.message = redact(error.message, secrets);
		return error;
	}
	const text = redact(error instanceof Error ? error.message : String(error), secrets);
	return new NodeOperationError(this.getNode(), text + suffix, { itemIndex });
}

/** Timeout and retries are per request, so an expression in them is read for each item. */
function itemPolicy(options: RunOptions, shared: Omit<RequestPolicy, 'timeoutMs' | 'maxRetries'>): RequestPolicy {
	return {
		...shared,
		timeoutMs: Math.max(1, Number(options.timeout ?? DEFAULTS.timeout)),
		maxRetries: Math.max(0, Math.floor(Number(options.maxRetries ?? DEFAULTS.maxRetries))),
	};
}

/** Puts a result on its item: merged into the top level, or under Output Field. */
function mergeResult(job: Job, result: { json: IDataObject; binary?: INodeExecutionData['binary'] }, outputField: string) {
	const { item, itemIndex } = job;
	const json = outputField ? { ...item.json, [outputField]: result.json } : { ...item.json, ...result.json };
	const binary = result.binary ? { ...item.binary, ...result.binary } : item.binary;
	return { json, ...(binary ? { binary } : {}), pairedItem: { item: itemIndex } };
}

/**
 * The batch machinery, written once for every operation: runs the operation's request for each
 * item, at most Max Concurrency at a time, keeping input order; retries and the shared pause
 * after a 429 (transport); stops on cancellation; continue-on-fail; the key redacted everywhere.
 */
export async function runBatch(this: IExecuteFunctions, operation: RoboflowOperation): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const data = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	const ref = this.getNode().credentials?.roboflowApi;
	const credentials: ICredentialsDecrypted = { id: ref?.id ?? '', name: ref?.name ?? '', type: 'roboflowApi', data };
	const secrets = [data.apiKey];
	// Per run: one pool serves every item, so its size cannot vary per item (its description says so).
	const runOptions = this.getNodeParameter('options', 0, {}) as RunOptions;
	const concurrency = Math.max(1, Math.floor(Number(runOptions.maxConcurrency ?? DEFAULTS.maxConcurrency)));
	const cancelSignal = this.getExecutionCancelSignal();
	// Aborted when the user stops the execution, or when one item fails the node: either way no
	// new request starts and pending retries are dropped.
	const halt = new AbortController();
	const signal = cancelSignal ? AbortSignal.any([cancelSignal, halt.signal]) : halt.signal;
	let retries = 0;
	const shared = { credentials, pause: new SharedPause(), signal, onRetry: () => retries++ };
	const run: RunContext = {
		credentials,
		data,
		secrets,
		async send(this: IExecuteFunctions, request) {
			return await sendRoboflowRequest.call(this, request, itemPolicy(runOptions, shared));
		},
	};

	let started: Awaited<ReturnType<RoboflowOperation['start']>>;
	try {
		started = await operation.start.call(this, run);
	} catch (error) {
		throw toNodeError.call(this, error, 0, secrets, operation);
	}

	const results = await mapWithConcurrency(
		items.length,
		concurrency,
		async (itemIndex): Promise<INodeExecutionData> => {
			const job: Job = { itemIndex, item: items[itemIndex] };
			try {
				const options = this.getNodeParameter('options', itemIndex, {}) as RunOptions;
				const prepared = await started.prepare.call(this, job);
				const answer = await sendRoboflowRequest.call(this, prepared.request, itemPolicy(options, shared));
				const result = await prepared.read(answer);
				return mergeResult(job, result, String(options.outputField ?? '').trim());
			} catch (error) {
				if (error instanceof RequestCancelledError || signal.aborted) {
					throw new NodeOperationError(this.getNode(), 'The execution was canceled', { itemIndex });
				}
				const nodeError = toNodeError.call(this, error, itemIndex, secrets, operation);
				if (!this.continueOnFail()) {
					halt.abort();
					throw nodeError;
				}
				// Only `error` and `message` in the JSON: that is how n8n (1.x and 2.x) recognises a
				// failed item for "continue using error output", where it merges the input's JSON back
				// in. The image stays attached so an error branch can still forward it.
				return {
					json: { error: nodeError.message, message: nodeError.description ?? '' },
					...(job.item.binary ? { binary: job.item.binary } : {}),
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
