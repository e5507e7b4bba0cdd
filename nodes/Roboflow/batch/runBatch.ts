import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { RoboflowApiError, RoboflowInputError, nodeApiError, redact } from '../helpers/errors';
import { UnexpectedResponseError } from '../response/common';
import { DEFAULT_MAX_REQUESTS_IN_FLIGHT, leaseAccountWindow } from '../transport/accountLimiter';
import type { RoboflowCredentials } from '../transport/credentials';
import { InferenceClient } from '../transport/inference';
import { ManagementClient } from '../transport/management';
import type { RequestPolicy, RoboflowRequest } from '../transport/request';
import { RequestCancelledError, sendRoboflowRequest } from '../transport/request';
import { SharedPause } from '../transport/retry';
import type { ItemPlan, JobOutcome } from './items';
import { outputItems, planItem } from './items';
import type { Job, RoboflowOperation } from './operation';
import type { BatchOptions } from './parameters';
import { BATCH_DEFAULTS } from './parameters';
import { mapWithConcurrency } from './pool';

/** What one run of the node holds for all its items, read once. */
interface Run {
	operation: RoboflowOperation;
	credentials: RoboflowCredentials;
	/** Strings that must never appear in outputs, errors or logs. */
	secrets: string[];
	continueOnFail: boolean;
	/** The user's stop, or the first failure of a node without continue-on-fail: no new request starts. */
	signal: AbortSignal;
	stopRemaining: AbortController;
	/** How requests are sent, but for each item's own timeout and retries. */
	shared: Omit<RequestPolicy, 'timeoutMs' | 'maxRetries'>;
	inference: InferenceClient;
	management: ManagementClient;
	counts: { retries: number };
}

/** Timeout and retries are per request, so an expression in them is read for each item. */
function itemPolicy(shared: Run['shared'], options: BatchOptions): RequestPolicy {
	return {
		...shared,
		timeoutMs: Math.max(1, Number(options.timeout ?? BATCH_DEFAULTS.timeout)),
		maxRetries: Math.max(0, Math.floor(Number(options.maxRetries ?? BATCH_DEFAULTS.maxRetries))),
	};
}

async function startRun(
	this: IExecuteFunctions,
	operation: RoboflowOperation,
	continueOnFail: boolean,
): Promise<Run> {
	const credentials = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	const cancelSignal = this.getExecutionCancelSignal();
	const stopRemaining = new AbortController();
	const signal = cancelSignal
		? AbortSignal.any([cancelSignal, stopRemaining.signal])
		: stopRemaining.signal;
	const counts = { retries: 0 };
	const shared = {
		credentials,
		pause: new SharedPause(),
		signal,
		onRetry: () => counts.retries++,
	};
	// Lookups (the key's workspace, asked once per run) go with the first item's timeout and retries.
	const lookupPolicy = itemPolicy(shared, this.getNodeParameter('options', 0, {}) as BatchOptions);
	const management = new ManagementClient(
		credentials,
		async (request) => await sendRoboflowRequest.call(this, request, lookupPolicy),
	);
	const inference = new InferenceClient(credentials.apiUrl);
	const secrets = [credentials.apiKey];
	return {
		operation,
		credentials,
		secrets,
		continueOnFail,
		signal,
		stopRemaining,
		shared,
		inference,
		management,
		counts,
	};
}

/** Every failure of a job, whatever its kind, as the n8n error the user sees: one place. */
function toNodeError(this: IExecuteFunctions, run: Run, error: unknown, job: Partial<Job>) {
	const itemIndex = job.itemIndex ?? 0;
	const name = job.oneOfSeveral ? `, ${job.binaryField}` : '';
	const suffix = ` [item ${itemIndex}${name}]`;
	const hide = (text: string) => redact(text, run.secrets);
	if (error instanceof RoboflowInputError) {
		const description = hide(error.description);
		return new NodeOperationError(this.getNode(), hide(error.message) + suffix, {
			itemIndex,
			description,
		});
	}
	if (error instanceof RoboflowApiError)
		return nodeApiError(this.getNode(), error, run.secrets, { itemIndex, suffix });
	if (error instanceof UnexpectedResponseError) {
		const { unexpectedAnswer } = run.operation;
		const message = unexpectedAnswer.message + suffix;
		const description = `${hide(error.message)}. ${unexpectedAnswer.hint}`;
		return new NodeApiError(
			this.getNode(),
			{ message, description },
			{ itemIndex, message, description },
		);
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		error.message = hide(error.message);
		return error;
	}
	const text = hide(error instanceof Error ? error.message : String(error));
	return new NodeOperationError(this.getNode(), text + suffix, { itemIndex });
}

/** Plans every item first (parameters and binary metadata only), so each image is one job. */
function planItems(this: IExecuteFunctions, run: Run, items: INodeExecutionData[]): ItemPlan[] {
	return items.map((item, itemIndex) => {
		try {
			return planItem.call(this, itemIndex, item);
		} catch (error) {
			const failure = toNodeError.call(this, run, error, { itemIndex });
			if (!run.continueOnFail) throw failure;
			return { itemIndex, item, mode: 'single', jobs: [], skipped: [], outputField: '', failure };
		}
	});
}

/** Runs every job in one pool of Max Concurrency, sharing the account's window and 429 pause. */
async function runJobs(this: IExecuteFunctions, run: Run, jobs: Job[]): Promise<JobOutcome[]> {
	const options = this.getNodeParameter('options', 0, {}) as BatchOptions;
	const concurrency = Number(options.maxConcurrency ?? BATCH_DEFAULTS.maxConcurrency);
	const { apiKey, maxRequestsInFlight } = run.credentials;
	const lease = leaseAccountWindow(
		run.inference.baseUrl,
		apiKey,
		Number(maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT),
	);
	const accountShared = { ...run.shared, pause: lease.window.pause, window: lease.window };
	const runJob = async (job: Job): Promise<JobOutcome> => {
		const policy = itemPolicy(accountShared, job.options);
		const send = async (request: RoboflowRequest) =>
			await sendRoboflowRequest.call(this, request, policy);
		try {
			const api = { send, inference: run.inference, management: run.management };
			return { ok: true, result: await run.operation.execute.call(this, job, api) };
		} catch (error) {
			if (error instanceof RequestCancelledError || run.signal.aborted) {
				throw new NodeOperationError(this.getNode(), 'The execution was canceled', {
					itemIndex: job.itemIndex,
				});
			}
			const nodeError = toNodeError.call(this, run, error, job);
			if (run.continueOnFail) return { ok: false, error: nodeError };
			run.stopRemaining.abort();
			throw nodeError;
		}
	};
	const limit = Math.max(1, Math.floor(concurrency));
	return await mapWithConcurrency(
		jobs.length,
		limit,

		async (index) => await runJob(jobs[index]),
		run.signal,
	).finally(() => lease.release());
}

/** Runs the operation for each image of each item, in input order, with continue-on-fail. */
export async function runBatch(
	this: IExecuteFunctions,
	operation: RoboflowOperation,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	// As an AI Agent's tool only the result goes back (the model knows its arguments), and a
	// failure too, as the item's error for the model to read (n8n 1.x would stop instead).
	const asTool = node.rewireOutputLogTo === NodeConnectionTypes.AiTool;
	const continueOnFail = this.continueOnFail() || (asTool && node.onError !== 'stopWorkflow');
	const input = this.getInputData();
	const items = asTool ? input.map((item) => ({ ...item, json: {} })) : input;
	const run = await startRun.call(this, operation, continueOnFail);
	const plans = planItems.call(this, run, items);
	const outcomes = await runJobs.call(
		this,
		run,
		plans.flatMap((plan) => plan.jobs),
	);

	const results: INodeExecutionData[] = [];
	let next = 0;
	for (const plan of plans) {
		results.push(...outputItems(plan, outcomes.slice(next, next + plan.jobs.length)));
		next += plan.jobs.length;
	}
	if (this.getExecutionCancelSignal()?.aborted)
		throw new NodeOperationError(node, 'The execution was canceled');
	const { retries } = run.counts;
	if (retries > 0) {
		this.addExecutionHints({
			message: `${retries} Roboflow request${retries === 1 ? ' was' : 's were'} retried after rate limiting or a temporary error.`,
			location: 'outputPane',
		});
	}
	return results;
}
