/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * npm run bench: throughput and memory of the Roboflow node inside real n8n (the pinned 2.x,
 * filesystem binary mode) against the local server with a fixed injected latency, side by side
 * in one run with the do-it-yourself alternative (Extract From File -> HTTP Request). It reports
 * figures and never fails because a machine is slow. Writes bench/RESULTS.md, beside this file.
 *
 *   npm run bench               the full set (about five minutes with n8n cached)
 *   npm run bench -- --quick    a tenth of the items, for a smoke run (not saved)
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import { COLOURS, makePng } from '../tools/images/index.ts';
import { createRoboflowServer } from '../tools/roboflow-server/index.ts';
import type { RunData } from '../test/support/n8n.ts';
import {
	logToStderr as log,
	N8nInstance,
	nodeOutputs,
	nodeTime,
	packPackage,
} from '../test/support/n8n.ts';
import { ROOT } from '../test/support/paths.ts';
import type { Workflow } from '../test/support/workflows.ts';
import {
	CREDENTIAL,
	extractToBase64,
	httpRequestClassify,
	linear,
	noOp,
	readFiles,
	roboflowNode,
	trigger,
} from '../test/support/workflows.ts';

const QUICK = process.argv.includes('--quick');
const REPEAT = QUICK ? 1 : 3;
const scale = (n: number) => (QUICK ? Math.max(10, Math.round(n / 10)) : n);
const API_KEY = 'bench-key';
const C = 8;
const L = 50;
const BENCH_DIR = path.join(ROOT, 'bench');

/** A latency for the server: fixed milliseconds, or JITTER. */
type Latency = number | typeof JITTER;

interface Measurement {
	/** The measured time: node time(s) for n8n runs, the whole batch for the bare client. */
	ms: number;
	peakMb: number;
	maxInFlight: number;
	wallMs?: number;
	run?: RunData;
}

interface Summary extends Measurement {
	times: number[];
}

interface ImageSet {
	dir: string;
	count: number;
	side: number;
	bytes: number;
}

/** Writes `count` PNG files of about `side` x `side` pixels: three distinct images, copied. */
function writeImages(dir: string, count: number, side: number): number {
	fs.mkdirSync(dir, { recursive: true });
	const variants = (['red', 'green', 'blue'] as const).map((c, i) =>
		makePng(side, side, COLOURS[c], { noise: 30, seed: i + 1 }),
	);
	for (let i = 0; i < count; i++)
		fs.writeFileSync(path.join(dir, `img-${String(i).padStart(5, '0')}.png`), variants[i % 3]);
	return variants[0].length;
}

function peakRssKb(pid: number | undefined): number {
	try {
		return Number(
			/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
		);
	} catch {
		return 0;
	}
}

/** Runs a workflow in a fresh `n8n execute` process: wall time, node times, peak RSS. */
async function measure(n8n: N8nInstance, workflow: Workflow, timedNodes: string[]) {
	let peakKb = 0;
	let sampler: ReturnType<typeof setInterval> | undefined;
	const started = process.hrtime.bigint();
	const result = await n8n.execute(workflow.id ?? '', {
		onSpawn: (child: ChildProcess) => {
			sampler = setInterval(() => {
				peakKb = Math.max(peakKb, peakRssKb(child.pid));
			}, 20);
		},
	});
	clearInterval(sampler);
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	if (!result.ok || !result.run) {
		throw new Error(
			`${workflow.name} failed (${result.output.length} chars of output):\n${result.output.slice(0, 1500)}\n...\n${result.output.slice(-1500)}`,
		);
	}
	const ms = timedNodes.reduce((sum, name) => sum + nodeTime(result.run, name), 0);
	return { wallMs, ms, peakMb: peakKb / 1024, run: result.run };
}

/**
 * Runs each measurement REPEAT times, interleaved so that machine noise hits all of them alike;
 * keeps each one's median time and highest peak RSS.
 */
async function sideBySide<K extends string>(
	measurements: Record<K, () => Promise<Measurement>>,
): Promise<Record<K, Summary>> {
	const keys = Object.keys(measurements) as K[];
	const runs = Object.fromEntries(keys.map((key) => [key, [] as Measurement[]])) as Record<
		K,
		Measurement[]
	>;
	for (let i = 0; i < REPEAT; i++) {
		for (const key of keys) runs[key].push(await measurements[key]());
	}
	return Object.fromEntries(
		keys.map((key) => {
			const results = runs[key];
			const median = [...results].sort((a, b) => a.ms - b.ms)[(results.length - 1) >> 1];
			return [
				key,
				{
					...median,
					peakMb: Math.max(...results.map((r) => r.peakMb)),
					times: results.map((r) => r.ms),
				},
			];
		}),
	) as Record<K, Summary>;
}

function rawClient(
	url: string,
	dir: string,
	concurrency: number,
): Promise<{ ms: number; items: number }> {
	return new Promise((resolve, reject) => {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's bench/raw-client.ts with fixed arguments
		execFile(
			process.execPath,
			[path.join(BENCH_DIR, 'raw-client.ts'), url, dir, String(concurrency)],
			(error, stdout, stderr) => {
				if (error) reject(new Error(stderr || error.message));
				else resolve(JSON.parse(stdout) as { ms: number; items: number });
			},
		);
	});
}

/** A fixed latency, or JITTER: uniform 25-75 ms from a seeded sequence, the same for every run. */
const JITTER = '25-75';
function latencyMs(spec: Latency): number | (() => number) {
	if (spec !== JITTER) return spec;
	let seed = 1;
	return () => {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		return 25 + (50 * seed) / 2 ** 31;
	};
}

const fmtMs = (ms: number) =>
	ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
const fmtMb = (mb: number) => `${Math.round(mb)} MB`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const table = (headers: string[], rows: string[][]) =>
	[
		`| ${headers.join(' | ')} |`,
		`|${headers.map(() => '---').join('|')}|`,
		...rows.map((r) => `| ${r.join(' | ')} |`),
	].join('\n');

async function main(): Promise<void> {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-bench-'));
	const set = (name: string, count: number, side: number): ImageSet => ({
		dir: path.join(work, name),
		count: scale(count),
		side,
		bytes: 0,
	});
	const sets = {
		small: set('small', 500, 132),
		large250: set('large250', 250, 600),
		large1000: set('large1000', 1000, 600),
	};
	log(`Writing images into ${work}...`);
	for (const s of Object.values(sets)) s.bytes = writeImages(s.dir, s.count, s.side);

	const server = createRoboflowServer({ apiKeys: [API_KEY], headerOnly: true });
	const serverUrl = await server.start();
	const tarball = packPackage(log);
	const n8n = new N8nInstance({ version: N8N_VERSIONS.v2, tarball, allowDirs: [work], log });
	await n8n.importCredentials([
		{
			id: 'rf-bench',
			name: 'Roboflow bench',
			type: 'roboflowApi',
			data: { apiKey: API_KEY, apiUrl: serverUrl },
		},
	]);

	const read = (s: ImageSet) => readFiles(`${s.dir}/*.png`, [200, 0]);
	const flows: Record<string, Workflow> = {
		startup: linear('bench-startup', 'Start-up only', [trigger, noOp('Done', [200, 0])]),
	};
	for (const [name, s] of Object.entries(sets)) {
		flows[`${name}-read`] = linear(`bench-${name}-read`, `${name}: Read Files only`, [
			trigger,
			read(s),
			noOp('Done', [400, 0]),
		]);
		flows[`${name}-node`] = linear(`bench-${name}-node`, `${name}: Roboflow node`, [
			trigger,
			read(s),
			roboflowNode(
				{ modelId: 'colors/1', options: { maxConcurrency: C } },
				CREDENTIAL('rf-bench', 'Roboflow bench'),
				[400, 0],
			),
		]);
	}
	const diy = (interval: number) =>
		linear(
			`bench-small-diy-${interval}`,
			`small: Extract From File -> HTTP Request (${C} every ${interval} ms)`,
			[
				trigger,
				read(sets.small),
				extractToBase64([400, 0]),
				httpRequestClassify(
					{ url: `${serverUrl}/colors/1`, apiKey: API_KEY, batchSize: C, batchInterval: interval },
					[600, 0],
				),
			],
		);
	flows['small-diy'] = diy(L);
	// At L = 0 the closest the HTTP Request node gets to "C at a time" is C per millisecond.
	flows['small-diy-0'] = diy(1);
	await n8n.importWorkflows(Object.values(flows));

	/** Fresh server counters and the latency for the next measurement. */
	const prepareServer = (label: string, latency: Latency) => {
		server.reset();
		server.setFaults({ latencyMs: latencyMs(latency) });
		log(`  ${label}, L = ${latency} ms...`);
	};
	const run = async (
		key: string,
		latency: Latency,
		timedNodes: string[],
		{ expectItems }: { expectItems?: number } = {},
	): Promise<Measurement> => {
		prepareServer(flows[key].name, latency);
		const result = await measure(n8n, flows[key], timedNodes);
		const last = timedNodes[timedNodes.length - 1];
		if (expectItems !== undefined) {
			const out = nodeOutputs(result.run, last)[0] ?? [];
			const classified = out.filter((i) => typeof i.json.top === 'string' && i.json.top).length;
			if (out.length !== expectItems || classified !== expectItems) {
				throw new Error(
					`${flows[key].name}: ${classified} of ${out.length} items classified, expected ${expectItems}`,
				);
			}
		}
		return { ...result, maxInFlight: server.stats.maxInFlight };
	};

	log('Measuring...');
	const startup = await run('startup', 0, ['Done']);

	const S = sets.small;
	const ideal = (S.count * L) / C;
	const raw = async (latency: Latency): Promise<Measurement> => {
		prepareServer('bare Node http client', latency);
		const result = await rawClient(`${serverUrl}/colors/1?api_key=${API_KEY}`, S.dir, C);
		return { ms: result.ms, peakMb: Number.NaN, maxInFlight: server.stats.maxInFlight };
	};
	const small = await sideBySide({
		read: () => run('small-read', L, ['Read images']),
		node: () => run('small-node', L, ['Roboflow'], { expectItems: S.count }),
		diy: () => run('small-diy', L, ['Extract base64', 'HTTP Request'], { expectItems: S.count }),
		raw: () => raw(L),
		nodeJitter: () => run('small-node', JITTER, ['Roboflow'], { expectItems: S.count }),
		rawJitter: () => raw(JITTER),
	});

	const large: Record<string, { read: Measurement; node: Measurement }> = {};
	for (const key of ['large250', 'large1000'] as const) {
		large[key] = {
			read: await run(`${key}-read`, L, ['Read images']),
			node: await run(`${key}-node`, L, ['Roboflow'], { expectItems: sets[key].count }),
		};
	}

	const zero = await sideBySide({
		node: () => run('small-node', 0, ['Roboflow'], { expectItems: S.count }),
		diy: () => run('small-diy-0', 0, ['Extract base64', 'HTTP Request'], { expectItems: S.count }),
		raw: () => raw(0),
	});

	await server.stop();
	n8n.cleanup();
	fs.rmSync(work, { recursive: true, force: true });
	fs.rmSync(path.dirname(tarball), { recursive: true, force: true });

	// ---- report ----
	const kb = (b: number) => `${Math.round(b / 1024)} KB`;
	const budget = C * 4 + 100;
	const throughputRows: Array<[string, Summary, Latency?]> = [
		['Roboflow node', small.node],
		[`Extract From File -> HTTP Request (batches of ${C} every ${L} ms)`, small.diy],
		['bare Node http client, separate process (reference: the latency-bound floor)', small.raw],
		['Roboflow node', small.nodeJitter, JITTER],
		['bare Node http client, separate process', small.rawJitter, JITTER],
	];
	const zeroRows: Array<[string, Summary]> = [
		[
			'bare Node http client, separate process (floor: file read, base64, loopback, server)',
			zero.raw,
		],
		['Roboflow node', zero.node],
		[`Extract From File -> HTTP Request (batches of ${C} every 1 ms)`, zero.diy],
	];
	const lines = [
		'# Benchmark results',
		'',
		`Produced by \`npm run bench${QUICK ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ` +
			`${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
			`Node ${process.versions.node}, n8n ${N8N_VERSIONS.v2} (\`n8n execute\`, filesystem binary mode), ` +
			'local Roboflow-compatible server in header-only mode with a fixed injected latency L. ' +
			'"Node time" is the execution time n8n records for the node (for the alternative: Extract From File plus HTTP Request). ' +
			'Peak RSS is the n8n process\'s VmHWM; "added" subtracts the same workflow with only Read Files.',
		'',
		'## Fixed start-up (excluded from the node times below)',
		'',
		table(
			['workflow', 'wall time of `n8n execute`'],
			[['Manual Trigger -> No Op', fmtMs(startup.wallMs ?? Number.NaN)]],
		),
		'',
		`## Throughput: ${S.count} images x ${kb(S.bytes)}, L = ${L} ms, C = ${C} (median of ${REPEAT} interleaved runs)`,
		'',
		table(
			[
				'path',
				'L',
				'time (median)',
				'runs',
				'items/s',
				`ideal ${S.count} x ${L} / ${C}`,
				'of ideal',
				'max in flight at server',
				'peak RSS',
				'added peak RSS',
			],
			throughputRows.map(([name, r, latency = L]) => [
				name,
				latency === JITTER ? 'uniform 25-75 ms' : `${latency} ms`,
				fmtMs(r.ms),
				r.times.map(fmtMs).join(', '),
				(S.count / (r.ms / 1000)).toFixed(0),
				fmtMs(ideal),
				pct(ideal / r.ms),
				String(r.maxInFlight),
				Number.isNaN(r.peakMb) ? '-' : fmtMb(r.peakMb),
				Number.isNaN(r.peakMb) ? '-' : fmtMb(r.peakMb - small.read.peakMb),
			]),
		),
		'',
		`Time, alternative / node: **${(small.diy.ms / small.node.ms).toFixed(2)}x**. ` +
			`Added peak RSS, alternative / node: **${((small.diy.peakMb - small.read.peakMb) / Math.max(1, small.node.peakMb - small.read.peakMb)).toFixed(1)}x**. ` +
			`Node / bare client: **${pct(small.raw.ms / small.node.ms)}** of its throughput. ` +
			`With a varying latency of the same mean the node reaches **${pct(ideal / small.nodeJitter.ms)}** of the ideal: ` +
			'with a fixed one, the answers of a round arrive together and wait for each other.',
		'',
		`## Memory: ~${kb(sets.large1000.bytes)} images, L = ${L} ms, C = ${C}; budget for the node's added peak: C x 4 MB + 100 MB = ${budget} MB`,
		'',
		table(
			[
				'items',
				'peak RSS, Read Files only',
				'peak RSS, with Roboflow',
				'added by the node',
				'node time',
				'of ideal',
			],
			(['large250', 'large1000'] as const).map((key) => {
				const { read: r, node: n } = large[key];
				return [
					String(sets[key].count),
					fmtMb(r.peakMb),
					fmtMb(n.peakMb),
					fmtMb(n.peakMb - r.peakMb),
					fmtMs(n.ms),
					pct((sets[key].count * L) / C / n.ms),
				];
			}),
		),
		'',
		`## Per-item overhead: ${S.count} images x ${kb(S.bytes)}, L = 0, C = ${C} (median of ${REPEAT} interleaved runs)`,
		'',
		table(
			['path', 'time (median)', 'runs', 'per item'],
			zeroRows.map(([name, r]) => [
				name,
				fmtMs(r.ms),
				r.times.map(fmtMs).join(', '),
				`${Math.round((r.ms * 1000) / S.count)} µs`,
			]),
		),
		'',
		`The node's own overhead over the floor: **${Math.round(((zero.node.ms - zero.raw.ms) * 1000) / S.count)} µs per item**.`,
		'',
	];
	const report = lines.join('\n');
	process.stdout.write(`${report}\n`);
	if (!QUICK) {
		fs.writeFileSync(path.join(BENCH_DIR, 'RESULTS.md'), report);
		log('Saved bench/RESULTS.md');
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
