/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * npm run bench: throughput and memory of the Roboflow node in real n8n (the pinned 2.x,
 * filesystem binary mode) against the local server with an injected latency, side by side in one
 * run with the do-it-yourself alternative (Extract From File -> HTTP Request), a bare Node http
 * client, and Classify Image beside Detect Objects (50 boxes per answer, with and without the
 * annotated image). It reports figures, never fails on a slow machine, and writes bench/RESULTS.md.
 *
 *   npm run bench               the full set (about eight minutes with n8n cached)
 *   npm run bench -- --quick    a tenth of the items, for a smoke run (not saved)
 *   npm run bench -- --limits   only the adaptive request limit's rows (limits.ts), saved into their section
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import { createRoboflowServer } from '../tools/roboflow-server/index.ts';
import type { N8nItem } from '../test/support/n8n.ts';
import { log, N8n, nodeOutputs } from '../test/support/n8n.ts';
import { ROOT } from '../test/support/paths.ts';
import type { Workflow } from '../test/support/workflows.ts';
import {
	LOCAL_CREDENTIAL,
	linear,
	node,
	readFiles,
	roboflowNode,
	trigger,
} from '../test/support/workflows.ts';
import { benchLimits, LIMITS_HEADING } from './limits.ts';
import type { Measurement } from './measure.ts';
import { measure, rawClient, sideBySide } from './measure.ts';
import type { Results } from './report.ts';
import { report } from './report.ts';
import type { ImageSet, Operation } from './sets.ts';
import { BOXES, C, colourImages, JITTER, L, padPng, shapeImages, writeSet } from './sets.ts';

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 1 : 3;
const scale = (n: number) => (QUICK ? Math.max(10, Math.round(n / 10)) : n);
const API_KEY = 'bench-key';
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');

const OPERATIONS: Record<Operation, { model: string; parameters: Record<string, unknown> }> = {
	classify: { model: 'colors/1', parameters: {} },
	detect: { model: 'shapes/1', parameters: { operation: 'detect' } },
	detectAnnotated: {
		model: 'shapes/1',
		parameters: { operation: 'detect', options: { annotatedImage: true } },
	},
};

type Latency = number | typeof JITTER;
const RAW_CLIENT = 'bare Node http client';

function latencyMs(latency: Latency): number | (() => number) {
	if (latency !== JITTER) return latency;
	let seed = 1;
	return () => {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		return 25 + (50 * seed) / 2 ** 31;
	};
}

/** Whether an output item holds what the set's operation must give. */
function answered(set: ImageSet): (item: N8nItem) => boolean {
	if (set.operation === 'classify')
		return (item) => typeof item.json.top === 'string' && item.json.top !== '';
	return (item) =>
		item.json.count === BOXES &&
		(item.json.predictions as unknown[]).length === BOXES &&
		(set.operation === 'detect' || typeof item.binary?.annotated?.id === 'string');
}

/** The image sets; the throughput rows' detection images are small drawings padded to the classification images' size. */
function writeSets(work: string): Record<string, ImageSet> {
	log(`Writing images into ${work}...`);
	const small = colourImages(132);
	const large = colourImages(600);
	const drawings = shapeImages(100, 50, 0).map((png, i) => padPng(png, small[i].length));
	const big = shapeImages(630, 630, 20);
	const sets: Array<[string, number, Operation, Buffer[]]> = [
		['small', 500, 'classify', small],
		['shapes', 500, 'detect', drawings],
		['large250', 250, 'classify', large],
		['shapes250', 250, 'detectAnnotated', big],
		['large1000', 1000, 'classify', large],
		['shapes1000', 1000, 'detectAnnotated', big],
	];
	return Object.fromEntries(
		sets.map(([name, count, operation, variants]) => [
			name,
			writeSet(work, name, scale(count), operation, variants),
		]),
	);
}

/** Per set: Read Files alone, and with the Roboflow node; the alternative at L and at L = 0; n8n's start-up alone. */
function workflows(sets: Record<string, ImageSet>, serverUrl: string): Record<string, Workflow> {
	const read = (set: ImageSet) => readFiles(`${set.dir}/*.png`);
	const flows: Record<string, Workflow> = {
		startup: linear('startup', 'Start-up only', [trigger, node('n8n-nodes-base.noOp', 1, 'Done')]),
	};
	for (const set of Object.values(sets)) {
		const { model, parameters } = OPERATIONS[set.operation];
		const options = { maxConcurrency: C, ...(parameters.options as object) };
		flows[`${set.name}-read`] = linear(`${set.name}-read`, `${set.name}: Read Files only`, [
			trigger,
			read(set),
		]);
		flows[`${set.name}-node`] = linear(
			`${set.name}-node`,
			`${set.name}: Roboflow ${set.operation}`,
			[trigger, read(set), roboflowNode({ ...parameters, modelId: model, options })],
		);
	}
	// At L = 0 the closest the HTTP Request node gets to "C at a time" is C per millisecond.
	for (const [key, interval] of [
		['diy', L],
		['diy0', 1],
	] as const) {
		const extract = node('n8n-nodes-base.extractFromFile', 1.1, 'Extract base64', {
			operation: 'binaryToPropery',
			binaryPropertyName: 'data',
			destinationKey: 'data',
			options: {},
		});
		// What a user would build by hand: the key in the URL, throttled only by batching.
		const request = node('n8n-nodes-base.httpRequest', 4.2, 'HTTP Request', {
			method: 'POST',
			url: `${serverUrl}/colors/1`,
			sendQuery: true,
			queryParameters: { parameters: [{ name: 'api_key', value: API_KEY }] },
			sendBody: true,
			contentType: 'raw',
			rawContentType: 'application/x-www-form-urlencoded',
			body: '={{ $json.data }}',
			options: { batching: { batch: { batchSize: C, batchInterval: interval } } },
		});
		flows[key] = linear(
			key,
			`small: Extract From File -> HTTP Request (${C} every ${interval} ms)`,
			[trigger, read(sets.small), extract, request],
		);
	}
	return flows;
}

/** A fresh server state with latency L for the next measurement. */
function prepare(server: RoboflowServer, latency: Latency, label: string): void {
	server.reset();
	server.setFaults({ latencyMs: latencyMs(latency) });
	log(`  ${label}, L = ${latency} ms...`);
}

/** The bare client on a set, in its own process: the latency-bound floor. */
async function raw(server: RoboflowServer, latency: Latency, set: ImageSet): Promise<Measurement> {
	prepare(server, latency, `${RAW_CLIENT}, ${set.name}`);
	const url = `${server.url}/${OPERATIONS[set.operation].model}?api_key=${API_KEY}`;
	const boxes = set.operation === 'classify' ? undefined : BOXES;
	const { ms } = await rawClient(url, set.dir, C, boxes);
	return { ms, peakMb: Number.NaN, nodePeakMb: Number.NaN, maxInFlight: server.stats.maxInFlight };
}

/** Each kind of row, measured with the benchmark's n8n, server, workflows and image sets. */
function bench(
	n8n: N8n,
	server: RoboflowServer,
	flows: Record<string, Workflow>,
	sets: Record<string, ImageSet>,
) {
	/** The JSON of the node's first output item, per set (what the Set node control gives every item). */
	const firstJson: Record<string, unknown> = {};
	/** Runs workflow `key`, timing `timed`; with `set`, every output item must hold the set's answer. */
	const run = async (
		key: string,
		latency: Latency,
		timed: string[],
		set?: ImageSet,
	): Promise<Measurement> => {
		prepare(server, latency, flows[key].name);
		const result = await measure(n8n, key, timed);
		const items = nodeOutputs(result.run, timed.at(-1) as string)[0] ?? [];
		const good = set ? items.filter(answered(set)).length : 0;
		if (set && (items.length !== set.count || good !== set.count))
			throw new Error(
				`${flows[key].name}: ${good} of ${items.length} items as expected, not ${set.count}`,
			);
		return { ...result, maxInFlight: server.stats.maxInFlight };
	};
	const withNode = async (set: ImageSet, latency: Latency) => {
		const result = await run(`${set.name}-node`, latency, ['Roboflow'], set);
		firstJson[set.name] ??= nodeOutputs(result.run, 'Roboflow')[0][0].json;
		return result;
	};
	/** n8n's own cost of the node's output: the same images, then a Set node giving every item the node's JSON. */
	const sameJson = async (set: ImageSet) => {
		const key = `${set.name}-control`;
		const jsonOutput = JSON.stringify(firstJson[set.name]);
		const control = node('n8n-nodes-base.set', 3.4, 'Same JSON (Set)', {
			mode: 'raw',
			jsonOutput,
			options: {},
		});
		if (!flows[key]) {
			flows[key] = linear(key, `${set.name}: Read Files -> Set with the node's JSON`, [
				trigger,
				readFiles(`${set.dir}/*.png`),
				control,
			]);
			await n8n.import([], [flows[key]]);
		}
		return await run(key, L, [control.name]);
	};
	return {
		sets,
		firstJson,
		run,
		withNode,
		sameJson,
		raw: async (latency: Latency, set: ImageSet) => await raw(server, latency, set),
		readOnly: async (set: ImageSet) => await run(`${set.name}-read`, L, ['Read images']),
		diy: async (key: string, latency: number) =>
			await run(key, latency, ['Extract base64', 'HTTP Request'], sets.small),
	};
}

/** Every row, interleaved where they are compared; the report's input. */
async function measureAll(
	measurer: ReturnType<typeof bench>,
): Promise<Omit<Results, 'quick' | 'repeat' | 'loadBefore'>> {
	const { sets, readOnly, withNode, diy, sameJson, raw } = measurer;
	const { small, shapes } = sets;
	const startup = await measurer.run('startup', 0, ['Done']);
	const throughput = await sideBySide(REPEAT, {
		read: () => readOnly(small),
		node: () => withNode(small, L),
		diy: () => diy('diy', L),
		raw: () => raw(L, small),
		detectRead: () => readOnly(shapes),
		detect: () => withNode(shapes, L),
		rawDetect: () => raw(L, shapes),
		detectJson: () => sameJson(shapes),
		nodeJitter: () => withNode(small, JITTER),
		rawJitter: () => raw(JITTER, small),
	});
	const memory: Results['memory'] = {};
	for (const set of [sets.large250, sets.shapes250, sets.large1000, sets.shapes1000]) {
		const [read, withIt] = [await readOnly(set), await withNode(set, L)];
		memory[set.name] = {
			read,
			node: withIt,
			json: set.operation === 'classify' ? undefined : await sameJson(set),
		};
	}
	const zero = await sideBySide(REPEAT, {
		node: () => withNode(small, 0),
		diy: () => diy('diy0', 0),
		raw: () => raw(0, small),
		detect: () => withNode(shapes, 0),
		rawDetect: () => raw(0, shapes),
	});
	return { sets, startup, throughput, memory, zero, firstJson: measurer.firstJson };
}

/** --limits: only the adaptive limit's rows, replacing their section (the file's last). */
async function limitsOnly(): Promise<void> {
	const section = await benchLimits({ quick: QUICK });
	process.stdout.write(`${section}\n`);
	if (QUICK) return;
	const results = fs.readFileSync(RESULTS, 'utf8');
	const at = results.indexOf(LIMITS_HEADING);
	fs.writeFileSync(RESULTS, (at < 0 ? `${results.trimEnd()}\n\n` : results.slice(0, at)) + section);
	log('Saved the adaptive limit rows into bench/RESULTS.md');
}

async function main(): Promise<void> {
	if (process.argv.includes('--limits')) return await limitsOnly();
	const loadBefore = os.loadavg();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-bench-'));
	const sets = writeSets(work);
	const server = createRoboflowServer({ apiKeys: [API_KEY], headerOnly: true });
	await server.start();
	const n8n = new N8n(N8N_VERSIONS.v2, { allowDirs: [work] });
	const flows = workflows(sets, server.url);
	const data = { apiKey: API_KEY, apiUrl: server.url };
	await n8n.import([{ ...LOCAL_CREDENTIAL, type: 'roboflowApi', data }], Object.values(flows));
	log('Measuring...');
	const measured = await measureAll(bench(n8n, server, flows, sets));
	await server.stop();
	n8n.cleanup();
	fs.rmSync(work, { recursive: true, force: true });
	const text = [
		report({ quick: QUICK, repeat: REPEAT, loadBefore, ...measured }),
		await benchLimits({ quick: QUICK }),
	].join('\n');
	process.stdout.write(`${text}\n`);
	if (QUICK) return;
	fs.writeFileSync(RESULTS, text);
	log('Saved bench/RESULTS.md');
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
