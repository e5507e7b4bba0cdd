import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { RoboflowApiError, RoboflowInputError, nodeApiError, redact } from '../helpers/errors';
import { UnexpectedResponseError } from '../response/common';
import type { RoboflowCredentials } from '../transport/credentials';
import { decryptedCredentials } from '../transport/credentials';
import { DEFAULT_MAX_REQUESTS_IN_FLIGHT, leaseAccountWindow } from '../transport/accountLimiter';
import { apiBaseUrl } from '../transport/endpoint';
import { ManagementClient } from '../transport/management';
import type { RequestPolicy, RoboflowRequest } from '../transport/request';
import { RequestCancelledError, sendRoboflowRequest } from '../transport/request';
import { SharedPause } from '../transport/retry';
import type { SkippedField } from './imageFields';
import { selectImageFields } from './imageFields';
import type { Job, OperationResult, RoboflowOperation, RunContext } from './operation';
import type { RunOptions } from './parameters';
import { RUN_DEFAULTS } from './parameters';
import { mapWithConcurrency } from './pool';

/** Every failure of a job, whatever its kind, as the n8n error the user sees: one place. */
function toNodeError(
	this: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	secrets: string[],
	operation: RoboflowOperation,
	imageName?: string,
) {
	const suffix =
		imageName === undefined ? ` [item ${itemIndex}]` : ` [item ${itemIndex}, ${imageName}]`;
	if (error instanceof RoboflowInputError) {
		return new NodeOperationError(this.getNode(), redact(error.message, secrets) + suffix, {
			itemIndex,
			description: redact(error.description, secrets),
		});
	}
	if (error instanceof RoboflowApiError) {
		return nodeApiError(this.getNode(), error, secrets, { itemIndex, suffix });
	}
	if (error instanceof UnexpectedResponseError) {
		const message = operation.unexpectedAnswer.message + suffix;
		const description = `${redact(error.message, secrets)}. ${operation.unexpectedAnswer.hint}`;
		return new NodeApiError(
			this.getNode(),
			{ message, description },
			{ itemIndex, message, description },
		);
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		error.message = redact(error.message, secrets);
		return error;
	}
	const text = redact(error instanceof Error ? error.message : String(error), secrets);
	return new NodeOperationError(this.getNode(), text + suffix, { itemIndex });
}

/** Timeout and retries are per request, so an expression in them is read for each item. */
function itemPolicy(
	options: RunOptions,
	shared: Omit<RequestPolicy, 'timeoutMs' | 'maxRetries'>,
): RequestPolicy {
	return {
		...shared,
		timeoutMs: Math.max(1, Number(options.timeout ?? RUN_DEFAULTS.timeout)),
		maxRetries: Math.max(0, Math.floor(Number(options.maxRetries ?? RUN_DEFAULTS.maxRetries))),
	};
}

type JobOutcome =
	| { ok: true; result: OperationResult }
	| { ok: false; error: NodeApiError | NodeOperationError };

/**
 * What becomes of one input item: `single` (one image, output as the item itself, as the node
 * always did), `split` (one output item per image) or `combined` (one item with `results`).
 */
interface ItemPlan {
	itemIndex: number;
	item: INodeExecutionData;
	mode: 'single' | 'split' | 'combined';
	jobs: Job[];
	skipped: SkippedField[];
	outputField: string;
	/** Why the item could not be planned (continue-on-fail): it has no jobs and fails as a whole. */
	failure?: NodeApiError | NodeOperationError;
}

/** Plans an item: which of its images become jobs. Reads its parameters, never its image data. */
function planItem(this: IExecuteFunctions, itemIndex: number, item: INodeExecutionData): ItemPlan {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const outputField = String((options as RunOptions).outputField ?? '').trim();
	const single = (binaryField?: string, binaryData?: IBinaryData): ItemPlan => ({
		itemIndex,
		item,
		mode: 'single',
		jobs: [
			{ itemIndex, item, options, binaryField, binaryData, oneOfSeveral: false, binaryPrefix: '' },
		],
		skipped: [],
		outputField,
	});
	if (this.getNodeParameter('inputType', itemIndex, 'binaryData') !== 'binaryData') return single();
	// A field name, or (from an expression) binary data objects: selectImageFields tells them apart.
	const parameter = this.getNodeParameter(
		'binaryPropertyName',
		itemIndex,
		RUN_DEFAULTS.binaryPropertyName,
	);
	const { fields, skipped, several, data } = selectImageFields(parameter, item.binary);
	if (!several) return single(fields[0], data?.[0]);
	const split = (options as RunOptions).splitImages ?? RUN_DEFAULTS.splitImages;
	return {
		itemIndex,
		item,
		mode: split ? 'split' : 'combined',
		// Split items each carry one image, so its results keep their own names; combined ones share an item.
		jobs: fields.map((field, index) => ({
			itemIndex,
			item,
			options,
			binaryField: field,
			binaryData: data?.[index],
			oneOfSeveral: true,
			binaryPrefix: split ? '' : `${field}_`,
		})),
		skipped,
		outputField,
	};
}

/** Puts a result on its item: merged into the top level, or under Output Field. */
function mergeJson(
	item: INodeExecutionData,
	result: IDataObject,
	outputField: string,
): IDataObject {
	return outputField ? { ...item.json, [outputField]: result } : { ...item.json, ...result };
}

function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	// Only `error` and `message`: that is how n8n (1.x and 2.x) recognises a failed item for
	// "continue using error output", where it merges the input's JSON back in.
	return { error: error.message, message: error.description ?? '' };
}

/** The output items of one planned input item, from its jobs' outcomes, in order. */
function assemble(plan: ItemPlan, outcomes: JobOutcome[]): INodeExecutionData[] {
	const { item, itemIndex, outputField } = plan;
	const pairedItem = { item: itemIndex };
	if (plan.failure) {
		return [
			{
				json: errorJson(plan.failure),
				...(item.binary ? { binary: item.binary } : {}),
				pairedItem,
			},
		];
	}
	const skipped = plan.skipped.length ? { skipped_binary_fields: plan.skipped } : {};
	if (plan.mode === 'single') {
		const [outcome] = outcomes;
		// A failed item keeps its image so an error branch can still forward it.
		if (!outcome.ok)
			return [
				{
					json: errorJson(outcome.error),
					...(item.binary ? { binary: item.binary } : {}),
					pairedItem,
				},
			];
		const binary = outcome.result.binary
			? { ...item.binary, ...outcome.result.binary }
			: item.binary;
		return [
			{
				json: mergeJson(item, outcome.result.json, outputField),
				...(binary ? { binary } : {}),
				pairedItem,
			},
		];
	}
	if (plan.mode === 'split') {
		if (!plan.jobs.length) {
			// No image at all: the item passes through, saying what it skipped.
			return [
				{
					json: { ...item.json, binary_field: null, ...skipped },
					...(item.binary ? { binary: item.binary } : {}),
					pairedItem,
				},
			];
		}
		return plan.jobs.map((job, index) => {
			const outcome = outcomes[index];
			const field = job.binaryField as string;
			const source = job.binaryData ?? item.binary?.[field];
			const image = source ? { [field]: source } : {};
			if (!outcome.ok) return { json: errorJson(outcome.error), binary: image, pairedItem };
			const json = {
				...mergeJson(item, outcome.result.json, outputField),
				binary_field: field,
				...skipped,
			};
			return { json, binary: { ...image, ...outcome.result.binary }, pairedItem };
		});
	}
	const results = plan.jobs.map((job, index) => {
		const outcome = outcomes[index];
		return outcome.ok
			? { binary_field: job.binaryField as string, ...outcome.result.json }
			: { binary_field: job.binaryField as string, ...errorJson(outcome.error) };
	});
	let binary = item.binary;
	for (const outcome of outcomes)
		if (outcome.ok && outcome.result.binary) binary = { ...binary, ...outcome.result.binary };
	const json = { ...mergeJson(item, { results } as IDataObject, outputField), ...skipped };
	return [{ json, ...(binary ? { binary } : {}), pairedItem }];
}

/**
 * The batch machinery, written once for every operation: runs the operation's request for each
 * item, at most Max Concurrency at a time, keeping input order; retries and the shared pause
 * after a 429 (transport); stops on cancellation; continue-on-fail; the key redacted everywhere.
 */
export async function runBatch(
	this: IExecuteFunctions,
	operation: RoboflowOperation,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	// Run by an AI Agent (n8n marks the node so on 1.x and 2.x): the item is the agent's input plus
	// the model's arguments, which the model already knows, so only the result goes back; and a
	// failure goes back as the item's error (as n8n 2.x does for tools, and 1.x does not) so the
	// model can read it and answer, unless the node is set to stop the workflow.
	const asTool = node.rewireOutputLogTo === NodeConnectionTypes.AiTool;
	const continueOnFail = this.continueOnFail() || (asTool && node.onError !== 'stopWorkflow');
	const items = asTool
		? this.getInputData().map((item) => ({ ...item, json: {} }))
		: this.getInputData();
	const data = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	const credentials = decryptedCredentials(node, data);
	const secrets = [data.apiKey];
	// Per run: one pool serves every item, so its size cannot vary per item (its description says so).
	const runOptions = this.getNodeParameter('options', 0, {}) as RunOptions;
	const concurrency = Math.max(
		1,
		Math.floor(Number(runOptions.maxConcurrency ?? RUN_DEFAULTS.maxConcurrency)),
	);
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
		management: new ManagementClient(
			data,
			async (request) =>
				await sendRoboflowRequest.call(this, request, itemPolicy(runOptions, shared)),
		),
	};

	let started: Awaited<ReturnType<RoboflowOperation['start']>>;
	try {
		started = await operation.start.call(this, run);
	} catch (error) {
		const failure = toNodeError.call(this, error, 0, secrets, operation);
		if (!asTool || !continueOnFail) throw failure;
		return items.map((_, itemIndex) => ({
			json: errorJson(failure),
			pairedItem: { item: itemIndex },
		}));
	}

	// Plans first (parameters and binary metadata only), so every image is one job in the pool.
	const plans: ItemPlan[] = [];
	for (const [itemIndex, item] of items.entries()) {
		try {
			plans.push(planItem.call(this, itemIndex, item));
		} catch (error) {
			const failure = toNodeError.call(this, error, itemIndex, secrets, operation);
			if (!continueOnFail) throw failure;
			plans.push({
				itemIndex,
				item,
				mode: 'single',
				jobs: [],
				skipped: [],
				outputField: '',
				failure,
			});
		}
	}
	const jobs = plans.flatMap((plan) => plan.jobs);

	// Every run of this process on the same account shares its in-flight window and 429 pause;
	// Max Concurrency still caps this run.
	const lease = leaseAccountWindow(
		apiBaseUrl(data.apiUrl),
		data.apiKey,
		Number(data.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT),
	);
	const jobShared = { ...shared, pause: lease.window.pause, window: lease.window };
	const outcomes = await mapWithConcurrency(
		jobs.length,
		concurrency,
		async (index): Promise<JobOutcome> => {
			const job = jobs[index];
			try {
				const prepared = await started.prepare.call(this, job);
				const policy = itemPolicy(job.options as RunOptions, jobShared);
				const send = async (request: RoboflowRequest) =>
					await sendRoboflowRequest.call(this, request, policy);
				const answer = await send(prepared.request);
				return { ok: true, result: await prepared.read(answer, send) };
			} catch (error) {
				if (error instanceof RequestCancelledError || signal.aborted) {
					throw new NodeOperationError(this.getNode(), 'The execution was canceled', {
						itemIndex: job.itemIndex,
					});
				}
				const nodeError = toNodeError.call(
					this,
					error,
					job.itemIndex,
					secrets,
					operation,
					job.oneOfSeveral ? job.binaryField : undefined,
				);
				if (!continueOnFail) {
					halt.abort();
					throw nodeError;
				}
				return { ok: false, error: nodeError };
			}
		},
		signal,
	).finally(() => lease.release());

	const results: INodeExecutionData[] = [];
	let next = 0;
	for (const plan of plans) {
		results.push(...assemble(plan, outcomes.slice(next, next + plan.jobs.length)));
		next += plan.jobs.length;
	}

	if (cancelSignal?.aborted)
		throw new NodeOperationError(this.getNode(), 'The execution was canceled');
	if (retries > 0) {
		this.addExecutionHints({
			message: `${retries} Roboflow request${retries === 1 ? ' was' : 's were'} retried after rate limiting or a temporary error.`,
			location: 'outputPane',
		});
	}
	return results;
}
