/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * Bursts of executions as production sees them: an active Webhook -> Roboflow -> Respond to
 * Webhook workflow called many times at once, each call with its own image, every answer checked
 * for its own class. In the shared `n8n start`, against a server that takes 8 requests at a time
 * (429 with Retry-After: 1 beyond: the one real wait of the suite): the executions of one process
 * share the account's window. In queue mode, a main and two `n8n worker` processes on Redis and
 * PostgreSQL (Debian's packages, installed when missing): the executions run on both workers, each
 * within its own limit.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { stopProcess } from '../../tools/child-process/index.ts';
import { ensureServicePackages, startPostgres, startRedis } from '../../tools/services/index.ts';
import type { Service } from '../../tools/services/index.ts';
import { colourSeries } from '../support/images.ts';
import type { Main } from '../support/n8n.ts';
import { log } from '../support/n8n.ts';
import { ROOT } from '../support/paths.ts';
import type { Workflow } from '../support/workflows.ts';
import { LOCAL_CREDENTIAL, linear, respond, roboflowNode, webhook } from '../support/workflows.ts';
import type { E2eCase, World } from '../support/world.ts';
import { API_KEY, budget } from '../support/world.ts';

const RETRY_AFTER_MS = 1_000;
const BURST = { id: 'e2eBurst', path: 'roboflow-burst', calls: 100, capacity: 8, latencyMs: 4_000 };
/** Queue mode: each worker may run more executions at once than its request limit, so the limit is what holds. */
const QUEUE = {
	path: 'roboflow-queue',
	calls: 60,
	workers: 2,
	concurrency: 10,
	limit: 4,
	latencyMs: 1_000,
};

/**
 * Webhook (POST, the body as the binary `data`) -> Roboflow (classify) -> Respond with the call's
 * id and the class, and with `worker` the process's ROBOFLOW_E2E_WORKER (n8n must allow $env).
 */
function classifyHook(
	id: string,
	route: string,
	credential: { id: string; name: string },
	worker = false,
): Workflow {
	const answer = `{ id: $json.query.id, top: $json.top${worker ? ', worker: $env.ROBOFLOW_E2E_WORKER' : ''} }`;
	return linear(id, `Webhook ${route}`, [
		webhook(route, 'POST'),
		roboflowNode({ modelId: 'colors/1' }, credential),
		respond(answer),
	]);
}

/** Sends `count` calls at once, each its own image; asserts each was answered with its image's class; returns who ran each. */
async function burst(main: Main, route: string, count: number): Promise<string[]> {
	const calls = colourSeries(count);
	const answers = await Promise.all(
		calls.map(async ({ image }, i) => {
			const response = await fetch(`${main.baseUrl}/webhook/${route}?id=${i}`, {
				method: 'POST',
				headers: { 'Content-Type': 'image/png' },
				body: image,
			});
			return { status: response.status, text: await response.text() };
		}),
	);
	return answers.map(({ status, text }, i) => {
		assert.equal(status, 200, `call ${i}: HTTP ${status} ${text}`);
		const { id, top, worker } = JSON.parse(text) as Record<string, string>;
		assert.deepEqual([id, top], [String(i), calls[i].colour], `call ${i}: ${text}`);
		return worker;
	});
}

/** The credential's default Max Requests in Flight, from the build the world installed. */
function defaultLimit(): number {
	const file = path.join(ROOT, 'dist', 'credentials', 'RoboflowApi.credentials.js');
	const { RoboflowApi } = createRequire(file)(file) as {
		RoboflowApi: new () => { properties: Array<{ name: string; default: unknown }> };
	};
	return Number(
		new RoboflowApi().properties.find((p) => p.name === 'maxRequestsInFlight')?.default,
	);
}

export const burstCase: E2eCase = {
	name: 'a burst of webhook executions',
	workflows: () => [classifyHook(BURST.id, BURST.path, LOCAL_CREDENTIAL)],
	tests(world: World) {
		const { calls, capacity, latencyMs } = BURST;
		// At worst every request one after another, each answered 429 once.
		const waitsMs = calls * (latencyMs + RETRY_AFTER_MS);
		test(
			`${calls} calls at once, server capacity ${capacity}: each answered right, never more in flight than the credential's limit`,
			budget({ starts: 1, executions: 1, waitsMs }),
			async (t) => {
				const main = await world.main();
				await main.activate(BURST.id, BURST.path);
				world.server.reset();
				world.server.setFaults({ capacity, latencyMs });
				try {
					await burst(main, BURST.path, calls);
				} finally {
					world.server.setFaults({});
				}
				const { rateLimited, maxInFlight, requests } = world.server.stats;
				t.diagnostic(
					`${requests} requests, ${rateLimited} answered 429, at most ${maxInFlight} in flight`,
				);
				assert.equal(requests, calls + rateLimited, 'one request per call plus one per 429');
				assert.ok(
					maxInFlight <= defaultLimit(),
					`${maxInFlight} requests in flight, above the credential's limit`,
				);
				// The executions ran together (beyond the capacity), and the window found the capacity
				// instead of hammering it; each 429 was waited out (Retry-After) and answered.
				assert.ok(rateLimited > 0 && rateLimited < calls / 4, `${rateLimited} answers were 429`);
			},
		);
	},
};

/** What every queue-mode process shares: Redis, PostgreSQL, binary data in the database. */
function queueEnv(
	redis: Service,
	postgres: Service & { user: string; database: string },
): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		// n8n 1.x offers the database mode only when listed (2.x uses it in queue mode by default).
		N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem,database',
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// The executions report which worker ran them ($env in the Respond to Webhook node).
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
		// Its own event log beside the shared main's in the same user folder.
		N8N_EVENTBUS_LOGWRITER_LOGBASENAME: 'n8nEventLog-queue',
	};
}

/** Creates a credential or workflow through n8n's REST API; its new id. */
async function created(main: Main, route: string, body: object): Promise<{ id: string }> {
	const answer = await main.rest('POST', route, body);
	assert.equal(answer.status, 200, `POST ${route}: ${JSON.stringify(answer.body)}`);
	return answer.body.data;
}

/**
 * Redis, PostgreSQL, a queue-mode main on the world's user folder (its own database) and the
 * workers; the credential (QUEUE.limit requests in flight) and the workflow created through the
 * main's REST API, the workflow active. `stop()` ends it all.
 */
async function startQueueMode(world: World): Promise<{ main: Main; stop: () => Promise<void> }> {
	const stops: Array<() => Promise<void>> = [];
	const stop = async () => {
		for (const step of stops.reverse()) await step();
	};
	let ready = false;
	try {
		ensureServicePackages(log);
		const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
		stops.push(redis.stop, postgres.stop);
		const env = queueEnv(redis, postgres);
		const main = await world.n8n.start({ env: { ...env, ROBOFLOW_E2E_WORKER: 'main' } });
		stops.push(main.stop);
		const worker = async (i: number) => {
			const { child } = await world.n8n.startWorker(QUEUE.concurrency, {
				...env,
				ROBOFLOW_E2E_WORKER: `worker-${i + 1}`,
			});
			stops.push(async () => await stopProcess(child));
		};
		const create = async () => {
			const data = {
				apiKey: API_KEY,
				apiUrl: world.server.url,
				managementUrl: world.server.url,
				maxRequestsInFlight: String(QUEUE.limit),
			};
			const name = `Roboflow, ${QUEUE.limit} requests in flight`;
			const credential = await created(main, '/credentials', { name, type: 'roboflowApi', data });
			// n8n 1.x stores `active` as given: it must be there.
			const flow = {
				...classifyHook('', QUEUE.path, { id: credential.id, name }, true),
				active: false,
			};
			await main.activate((await created(main, '/workflows', flow)).id, QUEUE.path);
		};
		await Promise.all([create(), ...Array.from({ length: QUEUE.workers }, (_, i) => worker(i))]);
		ready = true;
		return { main, stop };
	} finally {
		if (!ready) await stop();
	}
}

export const queueCase: E2eCase = {
	name: 'queue mode: a main and two workers',
	tests(world: World) {
		const { calls, workers, limit, latencyMs } = QUEUE;
		test(
			`${calls} calls at once through Redis to ${workers} workers: each answered right, both workers used, each within its limit`,
			budget({ starts: 1 + workers, requests: 4, waitsMs: calls * latencyMs }),
			async (t) => {
				const { main, stop } = await startQueueMode(world);
				try {
					world.server.reset();
					world.server.setFaults({ capacity: workers * limit, latencyMs });
					const ranBy = await burst(main, QUEUE.path, calls);
					const { rateLimited, maxInFlight, requests } = world.server.stats;
					t.diagnostic(
						`${requests} requests, ${rateLimited} answered 429, at most ${maxInFlight} in flight`,
					);
					assert.deepEqual(
						[...new Set(ranBy)].sort(),
						['worker-1', 'worker-2'],
						'every execution ran on a worker, and on both',
					);
					assert.deepEqual(
						{ requests, rateLimited },
						{ requests: calls, rateLimited: 0 },
						'a worker went past its limit while the other was at its own',
					);
				} finally {
					world.server.setFaults({});
					await stop();
				}
			},
		);
	},
};
