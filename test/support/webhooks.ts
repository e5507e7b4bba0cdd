/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling runs in Node and drives real n8n over HTTP, never inside n8n */
/**
 * Bursts of executions in real n8n, as production sees them: a Webhook -> Roboflow -> Respond to
 * Webhook workflow, activated in `n8n start` (or a queue-mode main), called many times at once,
 * each call carrying its own image. Used by the burst and queue-mode end-to-end suites and the
 * benchmark.
 *
 *   const flow = webhookClassify({ id, path, credential });
 *   await activate(rest, flow.id);
 *   const answers = await burst(`${baseUrl}/webhook/${path}`, calls);
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import type { RestCall } from './n8n.ts';
import type { Workflow, WorkflowNode } from './workflows.ts';
import { chain, node, roboflowNode } from './workflows.ts';

/** The environment variable naming a queue-mode worker, which its executions report. */
export const WORKER_VARIABLE = 'ROBOFLOW_E2E_WORKER';

/** What every burst call gets back: its own id, the class Roboflow gave its image, and who ran it. */
export interface BurstAnswer {
	status: number;
	id?: string;
	top?: string;
	/** The WORKER_VARIABLE of the process that ran the execution (`reportWorker` workflows). */
	worker?: string;
	text: string;
}

/** One call of a burst: its id and the image it sends as the request body. */
export interface BurstCall {
	id: string;
	image: Buffer;
	mimeType?: string;
}

/**
 * Webhook (POST `path`, the body stored as the binary `data`) -> Roboflow (Classify Image of
 * `modelId`, `options` as given) -> Respond to Webhook with `{ id, top, worker }`; `id` comes from
 * the call's query, `worker` (with `reportWorker`) from the running process's WORKER_VARIABLE.
 */
export function webhookClassify({
	id,
	path,
	credential,
	modelId = 'colors/1',
	options = {},
	reportWorker = false,
}: {
	id: string;
	path: string;
	credential: WorkflowNode['credentials'];
	modelId?: string;
	options?: Record<string, unknown>;
	/** Answer `worker` too: needs `N8N_BLOCK_ENV_ACCESS_IN_NODE=false` in the processes (queue mode). */
	reportWorker?: boolean;
}): Workflow {
	const hook = {
		...node('n8n-nodes-base.webhook', 2, 'Webhook', [0, 0], {
			httpMethod: 'POST',
			path,
			responseMode: 'responseNode',
			options: { binaryData: true, binaryPropertyName: 'data' },
		}),
		// Production webhooks are registered by this id; a stable one per workflow.
		webhookId: crypto
			.createHash('sha1')
			.update(path)
			.digest('hex')
			.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
	};
	const classify = roboflowNode({ modelId, options }, credential, [220, 0]);
	const respond = node('n8n-nodes-base.respondToWebhook', 1.1, 'Respond', [440, 0], {
		respondWith: 'json',
		responseBody: `={{ JSON.stringify({ id: $json.query.id, top: $json.top${reportWorker ? `, worker: $env.${WORKER_VARIABLE}` : ''} }) }}`,
		options: {},
	});
	return {
		id,
		name: `Burst: webhook ${path}`,
		nodes: [hook, classify, respond],
		connections: chain(hook.name, classify.name, respond.name),
		settings: { executionOrder: 'v1' },
	};
}

/** Activates an imported workflow through the editor's REST API (the same route on n8n 1.x and 2.x). */
export async function activate(rest: RestCall, workflowId: string): Promise<void> {
	const current = await rest('GET', `/workflows/${workflowId}`);
	const versionId = (current.body as { data?: { versionId?: string } })?.data?.versionId;
	if (current.status !== 200 || !versionId)
		throw new Error(`Reading workflow ${workflowId} failed: HTTP ${current.status}`);
	const answer = await rest('POST', `/workflows/${workflowId}/activate`, { versionId });
	if (answer.status !== 200)
		throw new Error(
			`Activating workflow ${workflowId} failed: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
		);
}

/**
 * Waits until n8n serves the production webhook `path` (its activation registers it a moment after
 * the REST call returns): a CORS preflight answers 204 once the path is registered, 404 before.
 */
export async function waitForWebhook(
	baseUrl: string,
	path: string,
	method = 'POST',
	timeoutMs = 60_000,
): Promise<void> {
	const until = Date.now() + timeoutMs;
	let status = 0;
	while (Date.now() < until) {
		const answer = await fetch(`${baseUrl}/webhook/${path}`, {
			method: 'OPTIONS',
			headers: { Origin: baseUrl, 'Access-Control-Request-Method': method },
		}).catch(() => undefined);
		status = answer?.status ?? 0;
		await answer?.arrayBuffer();
		if (status === 204) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(
		`The webhook ${method} ${path} was not registered within ${timeoutMs} ms (HTTP ${status})`,
	);
}

/** Sends every call at once to `url` (`?id=` added); resolves with the answers in call order. */
export async function burst(url: string, calls: BurstCall[]): Promise<BurstAnswer[]> {
	return await Promise.all(
		calls.map(async (call) => {
			try {
				const response = await fetch(`${url}?id=${encodeURIComponent(call.id)}`, {
					method: 'POST',
					headers: { 'Content-Type': call.mimeType ?? 'image/png' },
					body: call.image,
				});
				const text = await response.text();
				let json: Partial<BurstAnswer> = {};
				try {
					json = JSON.parse(text) as Partial<BurstAnswer>;
				} catch {
					// Not JSON: the text says what came back.
				}
				return { status: response.status, id: json.id, top: json.top, worker: json.worker, text };
			} catch (error) {
				return { status: 0, text: error instanceof Error ? error.message : String(error) };
			}
		}),
	);
}

/** Asserts that every call got HTTP 200 with its own id and the class its image shows. */
export function assertEachCallAnswered(
	answers: BurstAnswer[],
	calls: Array<BurstCall & { colour: string }>,
): void {
	answers.forEach((answer, i) => {
		assert.equal(answer.status, 200, `call ${i}: HTTP ${answer.status} ${answer.text}`);
		assert.deepEqual(
			{ id: answer.id, top: answer.top },
			{ id: calls[i].id, top: calls[i].colour },
			`call ${i}: ${answer.text}`,
		);
	});
}
