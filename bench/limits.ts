/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * The benchmark's rows for the account window (issue 19): the Roboflow node in real n8n 2.x
 * (`n8n start`, production webhooks) against the local server given a capacity K (429 with
 * Retry-After 1 beyond K requests in flight) and a latency L, with no tuning (the credential's
 * default Max Requests in Flight) beside the best fixed limit (the credential set to K: fewer
 * wastes capacity, more draws 429s), for K = 4 and K = 16, as one run of N images and as 50 runs
 * at once of N / 50 images each. Measurements of the same K are interleaved, adaptive first.
 *
 *   import { benchLimits } from './limits.ts';
 *   const markdown = await benchLimits({ quick, log });   // the "## Adaptive request limit" section
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import { COLOURS, createRoboflowServer, makePng } from '../tools/roboflow-server/index.ts';
import type { Log } from '../test/support/n8n.ts';
import { freePort, N8nInstance, packPackage } from '../test/support/n8n.ts';
import { activate, waitForWebhook } from '../test/support/webhooks.ts';
import type { Workflow } from '../test/support/workflows.ts';
import { chain, CREDENTIAL, node, readFiles, roboflowNode } from '../test/support/workflows.ts';

const API_KEY = 'bench-limits-key';
/** The server's latency: in the range of a Roboflow Serverless answer. */
const L = 200;
const CAPACITIES = [4, 16] as const;
const RUNS_AT_ONCE = 50;
/** The single run's Max Concurrency: above every K and the default limit, so the window decides. */
const RUN_CONCURRENCY = 32;
/** Images per scenario: 100 round trips at the best fixed limit (N x L / K = 20 s). */
const ROUNDS = 100;
const CLASSES = ['red', 'green', 'blue'] as const;

type Shape = 'single' | 'burst';
type Limit = 'adaptive' | 'fixed';

interface Row {
	k: number;
	shape: Shape;
	limit: Limit;
	images: number;
	ms: number;
	requests: number;
	rateLimited: number;
	maxInFlight: number;
}

/** Webhook (query `dir`) -> Read Files of that folder -> Roboflow -> Respond with the counts. */
function countingFlow(id: string, credential: { id: string; name: string }): Workflow {
	const hook = {
		...node('n8n-nodes-base.webhook', 2, 'Webhook', [0, 0], {
			httpMethod: 'GET',
			path: id,
			responseMode: 'responseNode',
			options: {},
		}),
		webhookId: `00000000-0000-4000-8000-${id.replace(/\W/g, '').slice(-12).padStart(12, '0')}`,
	};
	const read = readFiles('={{ $json.query.dir }}/*.png', [220, 0]);
	const classify = roboflowNode(
		{ modelId: 'colors/1', options: { maxConcurrency: RUN_CONCURRENCY } },
		CREDENTIAL(credential.id, credential.name),
		[440, 0],
	);
	const respond = node('n8n-nodes-base.respondToWebhook', 1.1, 'Respond', [660, 0], {
		respondWith: 'json',
		responseBody:
			'={{ JSON.stringify({ items: $input.all().length, right: $input.all().filter((i) => i.json.top === i.json.colour).length }) }}',
		options: {},
	});
	// Read Files gives each item its file name; the colour is in it, so the answer can be checked.
	const colour = node('n8n-nodes-base.set', 3.4, 'Colour from name', [330, 0], {
		mode: 'raw',
		jsonOutput: '={{ { colour: $binary.data.fileName.split("-")[0] } }}',
		includeOtherFields: true,
		options: {},
	});
	return {
		id,
		name: `Bench: ${id}`,
		nodes: [hook, read, colour, classify, respond],
		connections: chain(hook.name, read.name, colour.name, classify.name, respond.name),
		settings: { executionOrder: 'v1' },
	};
}

/** `count` images `<colour>-<n>.png` in `dir`, distinct (size, noise seed). */
function writeImages(dir: string, count: number, offset: number): void {
	fs.mkdirSync(dir, { recursive: true });
	for (let i = 0; i < count; i++) {
		const n = offset + i;
		const colour = CLASSES[n % 3];
		const side = 16 + (n % 31);
		fs.writeFileSync(
			path.join(dir, `${colour}-${n}.png`),
			makePng(side, side, COLOURS[colour], { noise: 20, seed: n + 1 }),
		);
	}
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchLimits({ quick, log }: { quick: boolean; log: Log }): Promise<string> {
	const rounds = quick ? 20 : ROUNDS;
	const loadBefore = os.loadavg();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-bench-limits-'));
	// Not header-only: the class comes from the pixels, so every answer can be checked (the images
	// are small, the server's decoding cheap).
	const server = createRoboflowServer({ apiKeys: [API_KEY] });
	const serverUrl = await server.start();
	const tarball = packPackage(log);
	const n8n = new N8nInstance({ version: N8N_VERSIONS.v2, tarball, allowDirs: [work], log });
	const data = { apiKey: API_KEY, apiUrl: serverUrl };
	const adaptive = { id: 'rf-adaptive', name: 'Roboflow, default limit' };
	const fixed = (k: number) => ({ id: `rf-fixed-${k}`, name: `Roboflow, limit ${k}` });
	await n8n.importCredentials([
		{ ...adaptive, type: 'roboflowApi', data },
		...CAPACITIES.map((k) => ({
			...fixed(k),
			type: 'roboflowApi',
			data: { ...data, maxRequestsInFlight: String(k) },
		})),
	]);
	const flows: Record<string, Workflow> = { adaptive: countingFlow('limits-adaptive', adaptive) };
	for (const k of CAPACITIES) flows[`fixed${k}`] = countingFlow(`limits-fixed-${k}`, fixed(k));
	await n8n.importWorkflows(Object.values(flows));

	const owner = { email: 'bench@example.com', password: 'Bench-owner-1' };
	const port = await freePort();
	const child = await n8n.startEditor(port, owner, { quiet: true });
	const base = `http://127.0.0.1:${port}`;
	const rows: Row[] = [];
	try {
		const rest = await n8n.restSession(base, owner);
		for (const flow of Object.values(flows)) {
			await activate(rest, flow.id ?? '');
			await waitForWebhook(base, flow.id ?? '', 'GET');
		}

		const call = async (flow: Workflow, dir: string) => {
			const response = await fetch(`${base}/webhook/${flow.id}?dir=${encodeURIComponent(dir)}`);
			const text = await response.text();
			const answer = JSON.parse(text) as { items?: number; right?: number };
			if (response.status !== 200 || answer.items === undefined || answer.items !== answer.right)
				throw new Error(`${flow.name}: HTTP ${response.status} ${text.slice(0, 300)}`);
			return answer.items;
		};
		for (const k of CAPACITIES) {
			const images = rounds * k;
			const single = path.join(work, `k${k}-single`);
			writeImages(single, images, 0);
			const runDirs = Array.from({ length: RUNS_AT_ONCE }, (_, r) =>
				path.join(work, `k${k}-burst-${r}`),
			);
			runDirs.forEach((dir, r) =>
				writeImages(dir, images / RUNS_AT_ONCE, r * (images / RUNS_AT_ONCE)),
			);
			for (const shape of ['single', 'burst'] as const) {
				for (const limit of ['adaptive', 'fixed'] as const) {
					const flow = limit === 'adaptive' ? flows.adaptive : flows[`fixed${k}`];
					log(`  K = ${k}, ${shape}, ${limit}...`);
					server.reset();
					server.setFaults({ capacity: k, latencyMs: L });
					const started = process.hrtime.bigint();
					const done =
						shape === 'single'
							? [await call(flow, single)]
							: await Promise.all(runDirs.map(async (dir) => await call(flow, dir)));
					const ms = Number(process.hrtime.bigint() - started) / 1e6;
					const answered = done.reduce((sum, n) => sum + n, 0);
					if (answered !== images) throw new Error(`${answered} of ${images} images answered`);
					const { requests, rateLimited, maxInFlight } = server.stats;
					rows.push({ k, shape, limit, images, ms, requests, rateLimited, maxInFlight });
				}
			}
		}
	} finally {
		await n8n.stopEditor(child);
		await server.stop();
		n8n.cleanup();
		fs.rmSync(work, { recursive: true, force: true });
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}

	const find = (k: number, shape: Shape, limit: Limit) =>
		rows.find((r) => r.k === k && r.shape === shape && r.limit === limit) as Row;
	const shapeName = (shape: Shape, images: number) =>
		shape === 'single'
			? `one run of ${images} images (Max Concurrency ${RUN_CONCURRENCY})`
			: `${RUNS_AT_ONCE} runs at once, ${images / RUNS_AT_ONCE} images each`;
	const lines = [
		`## Adaptive request limit: server capacity K, L = ${L} ms`,
		'',
		`Real n8n ${N8N_VERSIONS.v2} (\`n8n start\`, production webhooks: Webhook -> Read Files -> Roboflow -> Respond to Webhook), ` +
			`the local server answering 429 with Retry-After 1 to any request beyond K in flight, with latency L. ` +
			'"No tuning" is the credential with its default Max Requests in Flight; "best fixed limit" is the credential set to K ' +
			'(any lower wastes capacity, any higher draws 429s). Time from the first call to the last answer; ' +
			`every image checked classified as its own colour. N = ${rounds} x K images: ${rounds} round trips at the best fixed limit, ideal N x L / K = ${secs(rounds * L)}. ` +
			'One measurement each, adaptive first, the fixed one right after. ' +
			`Load average (1, 5, 15 min) at the start: ${loadBefore.map((x) => x.toFixed(2)).join(', ')}; at the end: ${os
				.loadavg()
				.map((x) => x.toFixed(2))
				.join(', ')}.`,
		'',
		'| K | executions | limit | images | time | images/s | throughput vs best fixed | requests | 429 | 429 share | max in flight at server |',
		'|---|---|---|---|---|---|---|---|---|---|---|',
		...rows.map((r) => {
			const best = find(r.k, r.shape, 'fixed');
			return `| ${r.k} | ${shapeName(r.shape, r.images)} | ${r.limit === 'adaptive' ? 'no tuning (default)' : `best fixed (${r.k})`} | ${r.images} | ${secs(r.ms)} | ${(r.images / (r.ms / 1000)).toFixed(1)} | ${pct(best.ms / r.ms)} | ${r.requests} | ${r.rateLimited} | ${pct(r.rateLimited / r.requests)} | ${r.maxInFlight} |`;
		}),
		'',
		'Adaptive against the best fixed limit (target: at least 90% of its throughput, at most 2% of requests answered 429): ' +
			CAPACITIES.flatMap((k) =>
				(['single', 'burst'] as const).map((shape) => {
					const a = find(k, shape, 'adaptive');
					const f = find(k, shape, 'fixed');
					return `K = ${k}, ${shape === 'single' ? 'one run' : `${RUNS_AT_ONCE} runs`}: **${pct(f.ms / a.ms)}**, ${pct(a.rateLimited / a.requests)} 429`;
				}),
			).join('; ') +
			'.',
		'',
	];
	return lines.join('\n');
}
