/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * The benchmark's rows for the account window: the node in real n8n 2.x (`n8n start`, production
 * webhooks) against the local server given a capacity K (429 with Retry-After 1 beyond K requests
 * in flight) and a latency L, with the credential's default limit beside the best fixed limit (the
 * credential set to K: fewer wastes capacity, more draws 429s), for K = 4 and 16, as one run of N
 * images and as 50 runs at once of N / 50 each. The two limits of one row run one after the other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import { createRoboflowServer } from '../tools/roboflow-server/index.ts';
import { colourSeries } from '../test/support/images.ts';
import type { Main } from '../test/support/n8n.ts';
import { log, N8n } from '../test/support/n8n.ts';
import type { Workflow } from '../test/support/workflows.ts';
import {
	linear,
	node,
	readFiles,
	respond,
	roboflowNode,
	webhook,
} from '../test/support/workflows.ts';

export const LIMITS_HEADING = '## Adaptive request limit';
const API_KEY = 'bench-limits-key';
/** The server's latency: in the range of a Roboflow Serverless answer. */
const L = 200;
const CAPACITIES = [4, 16];
const RUNS_AT_ONCE = 50;
/** The single run's Max Concurrency: above every K and the default limit, so that the window decides. */
const RUN_CONCURRENCY = 32;

interface Row {
	k: number;
	single: boolean;
	fixed: boolean;
	images: number;
	ms: number;
	requests: number;
	rateLimited: number;
	maxInFlight: number;
}

/** Webhook (query `dir`) -> Read Files of that folder -> Roboflow -> Respond with how many images came back with their own colour. */
function countingFlow(id: string, credential: { id: string; name: string }): Workflow {
	// The colour is the first part of each file's name (colourSeries).
	const colour = node('n8n-nodes-base.set', 3.4, 'Colour from name', {
		mode: 'raw',
		jsonOutput: '={{ { colour: $binary.data.fileName.split("-")[0] } }}',
		includeOtherFields: true,
		options: {},
	});
	const classify = roboflowNode(
		{ modelId: 'colors/1', options: { maxConcurrency: RUN_CONCURRENCY } },
		credential,
	);
	const counts =
		'{ items: $input.all().length, right: $input.all().filter((i) => i.json.top === i.json.colour).length }';
	return linear(id, `Bench: ${id}`, [
		webhook(id, 'GET'),
		readFiles('={{ $json.query.dir }}/*.png'),
		colour,
		classify,
		respond(counts),
	]);
}

/** `count` images from number `first` on, into `dir`. */
function writeImages(dir: string, count: number, first: number): string {
	fs.mkdirSync(dir, { recursive: true });
	for (const { name, image } of colourSeries(count, first))
		fs.writeFileSync(path.join(dir, name), image);
	return dir;
}

function section(rows: Row[], rounds: number, loadBefore: number[]): string {
	const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
	const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
	const load = (values: number[]) => values.map((x) => x.toFixed(2)).join(', ');
	const best = (r: Row) => rows.find((b) => b.k === r.k && b.single === r.single && b.fixed) as Row;
	const shape = (r: Row) =>
		r.single
			? `one run of ${r.images} images (Max Concurrency ${RUN_CONCURRENCY})`
			: `${RUNS_AT_ONCE} runs at once, ${r.images / RUNS_AT_ONCE} images each`;
	return [
		`${LIMITS_HEADING}: server capacity K, L = ${L} ms`,
		'',
		`Real n8n ${N8N_VERSIONS.v2} (\`n8n start\`, production webhooks: Webhook -> Read Files -> Roboflow -> Respond to Webhook), the local server answering 429 with Retry-After 1 to any request beyond K in flight, with latency L. ` +
			'"No tuning" is the credential with its default Max Requests in Flight; "best fixed limit" is the credential set to K (any lower wastes capacity, any higher draws 429s). ' +
			`Time from the first call to the last answer; every image checked classified as its own colour. N = ${rounds} x K images: ${rounds} round trips at the best fixed limit, ideal N x L / K = ${secs(rounds * L)}. ` +
			`One measurement each, adaptive first, the fixed one right after. Load average (1, 5, 15 min) at the start: ${load(loadBefore)}; at the end: ${load(os.loadavg())}.`,
		'',
		'| K | executions | limit | images | time | images/s | throughput vs best fixed | requests | 429 | 429 share | max in flight at server |',
		'|---|---|---|---|---|---|---|---|---|---|---|',
		...rows.map(
			(r) =>
				`| ${r.k} | ${shape(r)} | ${r.fixed ? `best fixed (${r.k})` : 'no tuning (default)'} | ${r.images} | ${secs(r.ms)} | ${(r.images / (r.ms / 1000)).toFixed(1)} | ${pct(best(r).ms / r.ms)} | ${r.requests} | ${r.rateLimited} | ${pct(r.rateLimited / r.requests)} | ${r.maxInFlight} |`,
		),
		'',
		'Adaptive against the best fixed limit (target: at least 90% of its throughput, at most 2% of requests answered 429): ' +
			rows
				.filter((r) => !r.fixed)
				.map(
					(r) =>
						`K = ${r.k}, ${r.single ? 'one run' : `${RUNS_AT_ONCE} runs`}: **${pct(best(r).ms / r.ms)}**, ${pct(r.rateLimited / r.requests)} 429`,
				)
				.join('; ') +
			'.',
		'',
	].join('\n');
}

/** Calls `flow` once per folder of `dirs`, all at once; every image must come back with its own colour. */
async function measureRow(
	main: Main,
	server: RoboflowServer,
	flow: Workflow,
	dirs: string[],
	k: number,
) {
	log(`  K = ${k}, ${dirs.length} run(s), ${flow.name}...`);
	server.reset();
	server.setFaults({ capacity: k, latencyMs: L });
	const call = async (dir: string) => {
		const response = await fetch(
			`${main.baseUrl}/webhook/${flow.id}?dir=${encodeURIComponent(dir)}`,
		);
		const text = await response.text();
		const { items, right } = JSON.parse(text) as { items?: number; right?: number };
		if (response.status !== 200 || items === undefined || items !== right)
			throw new Error(`${flow.name}: HTTP ${response.status} ${text.slice(0, 300)}`);
		return items;
	};
	const started = performance.now();
	const images = (await Promise.all(dirs.map(call))).reduce((a, b) => a + b, 0);
	const { requests, rateLimited, maxInFlight } = server.stats;
	return { images, ms: performance.now() - started, requests, rateLimited, maxInFlight };
}

/** Measures every row; returns the "## Adaptive request limit" section of bench/RESULTS.md. */
export async function benchLimits({ quick }: { quick: boolean }): Promise<string> {
	// N / RUNS_AT_ONCE images per run: a whole number for every K.
	const rounds = quick ? 25 : 100;
	const loadBefore = os.loadavg();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-bench-limits-'));
	// Not header-only: the class comes from the pixels, so that every answer can be checked.
	const server = createRoboflowServer({ apiKeys: [API_KEY] });
	const data = { apiKey: API_KEY, apiUrl: await server.start() };
	const n8n = new N8n(N8N_VERSIONS.v2, { allowDirs: [work] });
	// The credential's default limit, then one fixed at each K.
	const limits = [undefined, ...CAPACITIES];
	const credentials = limits.map((k) => ({
		id: `rf-limit-${k ?? 'default'}`,
		name: `Roboflow, limit ${k ?? 'default'}`,
		type: 'roboflowApi',
		data: { ...data, ...(k ? { maxRequestsInFlight: String(k) } : {}) },
	}));
	const flows = credentials.map(({ id, name }) =>
		countingFlow(id.replace('rf-', ''), { id, name }),
	);
	await n8n.import(credentials, flows);
	const main = await n8n.start();
	const rows: Row[] = [];
	try {
		for (const flow of flows) await main.activate(flow.id, flow.id, 'GET');
		for (const [i, k] of CAPACITIES.entries()) {
			const [images, each] = [rounds * k, (rounds * k) / RUNS_AT_ONCE];
			const single = [writeImages(path.join(work, `k${k}`), images, 0)];
			const burst = Array.from({ length: RUNS_AT_ONCE }, (_, r) =>
				writeImages(path.join(work, `k${k}-${r}`), each, r * each),
			);
			for (const dirs of [single, burst])
				for (const flow of [flows[0], flows[i + 1]])
					rows.push({
						k,
						single: dirs === single,
						fixed: flow !== flows[0],
						...(await measureRow(main, server, flow, dirs, k)),
					});
		}
	} finally {
		await main.stop();
		await server.stop();
		n8n.cleanup();
		fs.rmSync(work, { recursive: true, force: true });
	}
	return section(rows, rounds, loadBefore);
}
