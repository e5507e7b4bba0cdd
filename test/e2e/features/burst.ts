/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * A burst of executions in real n8n (`n8n start`): an active Webhook -> Roboflow -> Respond to
 * Webhook workflow called 100 times at once while the local server takes only 8 requests at a
 * time (429 with Retry-After 1 beyond). Every call must be answered with its own image's class;
 * the server must never see more requests in flight than the credential's Max Requests in
 * Flight (its default, 20: without the shared window it would see up to 100); the 429s the
 * account window drew on its way to the server's capacity are printed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { COLOURS, makePng } from '../../../tools/roboflow-server/index.ts';
import type { RestCall } from '../../support/n8n.ts';
import { freePort, logToStderr as log, N8nInstance, packPackage } from '../../support/n8n.ts';
import type { BurstCall } from '../../support/webhooks.ts';
import {
	activate,
	assertEachCallAnswered,
	burst,
	waitForWebhook,
	webhookClassify,
} from '../../support/webhooks.ts';
import { ROOT } from '../../support/paths.ts';
import * as wf from '../../support/workflows.ts';
import type { E2eContext, E2eFeature } from './feature.ts';

/**
 * The credential's default Max Requests in Flight, as the package under test defines it: read from
 * the build the e2e run installed (called once the version's setup has built it).
 */
export function defaultMaxRequestsInFlight(): number {
	const load = createRequire(path.join(ROOT, 'package.json'));
	return (
		load(path.join(ROOT, 'dist', 'nodes', 'Roboflow', 'transport', 'accountLimiter.js')) as {
			DEFAULT_MAX_REQUESTS_IN_FLIGHT: number;
		}
	).DEFAULT_MAX_REQUESTS_IN_FLIGHT;
}

const WORKFLOW_ID = 'e2eBurstWebhook';
const PATH = 'roboflow-burst';
const CALLS = 100;
const CAPACITY = 8;
/**
 * Long enough that executions pile up beyond the capacity however fast n8n starts them (at a few
 * executions a second on a loaded 2-core machine, 4 s holds more than 8 in flight).
 */
const LATENCY_MS = 4_000;
const CLASSES = ['red', 'green', 'blue'] as const;

/** Call `i`: a noisy square of one colour, each image distinct (size and noise seed). */
export function burstCalls(count: number, prefix = 'call'): Array<BurstCall & { colour: string }> {
	return Array.from({ length: count }, (_, i) => {
		const colour = CLASSES[i % CLASSES.length];
		return {
			id: `${prefix}-${i}`,
			colour,
			image: makePng(12 + (i % 29), 12 + (i % 29), COLOURS[colour], { noise: 20, seed: i + 1 }),
		};
	});
}

/**
 * A timeout from what the burst injects, not from a machine's speed: every request's latency
 * one after another, a Retry-After pause for each 429 the window could draw (at most one per
 * call), and a generous per-call cost of n8n's webhook and execution on a loaded machine.
 */
export const burstTimeoutMs = (calls: number) => calls * (LATENCY_MS + 1_100 + 2_000) + 120_000;

export const burstFeature: E2eFeature = {
	name: 'bursts of executions share one window per account',

	workflows() {
		return {
			[WORKFLOW_ID]: webhookClassify({
				id: WORKFLOW_ID,
				path: PATH,
				credential: wf.CREDENTIAL(wf.LOCAL_CREDENTIAL.id, wf.LOCAL_CREDENTIAL.name),
			}),
		};
	},

	register(context: E2eContext) {
		test(
			`${CALLS} webhook calls at once, server capacity ${CAPACITY}: every call its own right answer, never more in flight than the credential's limit`,
			{ timeout: burstTimeoutMs(CALLS) },
			async (t) => {
				const n8n = await burstN8n(context);
				const { rest, baseUrl } = n8n;
				await activate(rest, WORKFLOW_ID);
				await waitForWebhook(baseUrl, PATH);
				const calls = burstCalls(CALLS);
				context.server.reset();
				context.server.setFaults({ capacity: CAPACITY, latencyMs: LATENCY_MS });
				try {
					const answers = await burst(`${baseUrl}/webhook/${PATH}`, calls);
					const { rateLimited, maxInFlight, requests } = context.server.stats;
					const limit = defaultMaxRequestsInFlight();
					t.diagnostic(
						`${CALLS} calls: ${requests} requests at the server, ${rateLimited} answered 429 (capacity ${CAPACITY}), at most ${maxInFlight} in flight`,
					);
					assertEachCallAnswered(answers, calls);
					assert.equal(requests, CALLS + rateLimited, 'one request per call plus one per 429');
					assert.ok(
						maxInFlight <= limit,
						`${maxInFlight} requests in flight at the server, above the credential's ${limit}`,
					);
					// Found the capacity instead of hammering it: far fewer 429s than calls.
					assert.ok(rateLimited < CALLS / 4, `${rateLimited} answers were 429`);
				} finally {
					context.server.setFaults({});
					await n8n.stop();
				}
			},
		);
	},
};

/**
 * The `n8n start` the burst runs in. On 2.x the version's shared editor (filesystem binary mode).
 * On 1.x its own, in `database` binary mode: n8n 1.x's filesystem mode loses uploads of
 * concurrent webhook executions of one workflow (when one ends, n8n moves its upload out of the
 * workflow's `executions/temp` folder and then deletes that whole folder, with the others'
 * uploads in it: restore-binary-data-id.js and FileSystemManager.rename of n8n 1.123.81), so a
 * burst of image uploads fails there with "File not found" whatever node reads them.
 */
async function burstN8n(
	context: E2eContext,
): Promise<{ rest: RestCall; baseUrl: string; stop: () => Promise<void> }> {
	if (context.n8n.major >= 2) return { ...(await context.editor()), stop: async () => {} };
	const tarball = packPackage(log);
	const own = new N8nInstance({
		version: context.version,
		tarball,
		log,
		env: {
			N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem,database',
			N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		},
	});
	let started = false;
	let child: ChildProcess | undefined;
	try {
		await own.importCredentials([
			{
				...wf.LOCAL_CREDENTIAL,
				type: 'roboflowApi',
				data: {
					apiKey: context.apiKey,
					apiUrl: context.server.url,
					managementUrl: context.server.url,
				},
			},
		]);
		await own.importWorkflows([burstFeature.workflows(context)[WORKFLOW_ID]]);
		const owner = { email: 'burst@example.com', password: 'Burst-owner-1' };
		const port = await freePort();
		child = await own.startEditor(port, owner, { quiet: true });
		const editor = child;
		const baseUrl = `http://127.0.0.1:${port}`;
		const rest = await own.restSession(baseUrl, owner);
		started = true;
		return {
			rest,
			baseUrl,
			stop: async () => {
				await own.stopEditor(editor);
				own.cleanup();
				fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
			},
		};
	} finally {
		if (!started) {
			if (child) await own.stopEditor(child);
			own.cleanup();
			fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
		}
	}
}
