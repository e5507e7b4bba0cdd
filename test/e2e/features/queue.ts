/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * n8n's queue mode on this machine: Redis and PostgreSQL from Debian's packages (installed when
 * missing and started by tools/services), a main process (`n8n start`: editor and webhooks) and
 * two `n8n worker` processes, each with its own user folder and the package installed into it.
 * A burst of webhook calls runs as executions on the workers; every call must be answered with
 * its own image's class, both workers must have run some, and no worker may pass its Max
 * Requests in Flight: the credential allows 4 per process and the server takes 8 (2 workers x 4),
 * so a single request over a worker's limit while the other is at its own draws a 429.
 *
 * Binary data: n8n 2.x uses its `database` mode by default in queue mode (n8n-core's
 * BinaryDataConfig: `mode ??= executions.mode === 'queue' ? 'database' : 'filesystem'`); n8n
 * 1.x has the same mode but offers it only when N8N_AVAILABLE_BINARY_DATA_MODES lists it (its
 * default list is `filesystem` alone, and filesystem data written by the main is not visible to a
 * worker on another machine). Both get N8N_DEFAULT_BINARY_DATA_MODE=database here.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import type { Postgres, Service } from '../../../tools/services/index.ts';
import { ensureServicePackages, startPostgres, startRedis } from '../../../tools/services/index.ts';
import { freePort, logToStderr as log, N8nInstance, packPackage } from '../../support/n8n.ts';
import {
	activate,
	assertEachCallAnswered,
	burst,
	waitForWebhook,
	webhookClassify,
	WORKER_VARIABLE,
} from '../../support/webhooks.ts';
import * as wf from '../../support/workflows.ts';
import { burstCalls } from './burst.ts';
import type { E2eContext, E2eFeature } from './feature.ts';

const WORKERS = 2;
/** Executions each worker runs at once: more than its request limit, so the limit is what holds. */
const WORKER_CONCURRENCY = 10;
const LIMIT_PER_PROCESS = 4;
const CALLS = 60;
/** Long enough that a worker's executions overlap however fast it starts them. */
const LATENCY_MS = 1_000;
const PATH = 'roboflow-queue-burst';
const CREDENTIAL = { id: 'roboflow-queue', name: 'Roboflow account (queue mode)' };

/** What every process of the queue-mode setup shares: Redis, PostgreSQL, the binary data mode. */
export function queueModeEnv(redis: Service, postgres: Postgres): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: '',
		N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem,database',
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// The executions report which worker ran them ($env in the Respond to Webhook node).
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
	};
}

/** Installing the packages on a fresh machine, n8n's migrations on PostgreSQL, two workers, the burst. */
const QUEUE_TIMEOUT_MS = 10 * 60_000 + CALLS * (LATENCY_MS + 3_000);

export const queueFeature: E2eFeature = {
	name: 'queue mode: a main and two workers',

	workflows() {
		return {};
	},

	register(context: E2eContext) {
		test(
			`${CALLS} webhook calls at once through Redis to ${WORKERS} workers: every call right, both workers used, each within its limit`,
			{ timeout: QUEUE_TIMEOUT_MS },
			async (t) => {
				const dir = fs.mkdtempSync(path.join(context.work, 'queue-'));
				const children: Array<{ n8n: N8nInstance; child: ChildProcess }> = [];
				const instances: N8nInstance[] = [];
				let redis: Service | undefined;
				let postgres: Postgres | undefined;
				let tarball = '';
				try {
					ensureServicePackages(log);
					redis = await startRedis();
					postgres = await startPostgres();
					tarball = packPackage(log);
					const env = queueModeEnv(redis, postgres);
					const make = (label: string) => {
						const instance = new N8nInstance({
							version: context.version,
							tarball,
							allowDirs: [dir],
							log,
							env: { ...env, [WORKER_VARIABLE]: label },
						});
						instances.push(instance);
						return instance;
					};
					const main = make('main');
					await main.importCredentials([
						{
							...CREDENTIAL,
							type: 'roboflowApi',
							data: {
								apiKey: context.apiKey,
								apiUrl: context.server.url,
								managementUrl: context.server.url,
								maxRequestsInFlight: String(LIMIT_PER_PROCESS),
							},
						},
					]);
					const flowId = 'e2eQueueBurst';
					await main.importWorkflows([
						webhookClassify({
							id: flowId,
							path: PATH,
							credential: wf.CREDENTIAL(CREDENTIAL.id, CREDENTIAL.name),
							reportWorker: true,
						}),
					]);
					const owner = { email: 'queue@example.com', password: 'Queue-owner-1' };
					const port = await freePort();
					children.push({ n8n: main, child: await main.startEditor(port, owner, { quiet: true }) });
					for (let i = 1; i <= WORKERS; i++) {
						const worker = make(`worker-${i}`);
						children.push({ n8n: worker, child: await worker.startWorker(WORKER_CONCURRENCY) });
					}
					const baseUrl = `http://127.0.0.1:${port}`;
					await activate(await main.restSession(baseUrl, owner), flowId);
					await waitForWebhook(baseUrl, PATH);

					const calls = burstCalls(CALLS, 'queue');
					context.server.reset();
					context.server.setFaults({
						capacity: WORKERS * LIMIT_PER_PROCESS,
						latencyMs: LATENCY_MS,
					});
					const answers = await burst(`${baseUrl}/webhook/${PATH}`, calls);
					const { rateLimited, maxInFlight, requests } = context.server.stats;
					const perWorker = new Map<string, number>();
					for (const answer of answers)
						perWorker.set(answer.worker ?? '?', (perWorker.get(answer.worker ?? '?') ?? 0) + 1);
					t.diagnostic(
						`${CALLS} calls: ${[...perWorker].map(([w, n]) => `${w} ran ${n}`).join(', ')}; ${requests} requests, ${rateLimited} answered 429, at most ${maxInFlight} in flight (capacity ${WORKERS * LIMIT_PER_PROCESS})`,
					);
					assertEachCallAnswered(answers, calls);
					assert.deepEqual(
						[...perWorker.keys()].sort(),
						Array.from({ length: WORKERS }, (_, i) => `worker-${i + 1}`),
						'every execution ran on a worker, and on both',
					);
					assert.equal(requests, CALLS, 'one request per call');
					assert.equal(
						rateLimited,
						0,
						'a worker sent more than its limit while the other was at its own',
					);
					assert.ok(maxInFlight <= WORKERS * LIMIT_PER_PROCESS, `${maxInFlight} in flight`);
				} finally {
					context.server.setFaults({});
					for (const { n8n, child } of children.reverse()) await n8n.stopEditor(child);
					for (const instance of instances) instance.cleanup();
					await redis?.stop();
					await postgres?.stop();
					if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
					fs.rmSync(dir, { recursive: true, force: true });
				}
			},
		);
	},
};
