/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * npm run bench: throughput and memory of the Roboflow node inside real n8n (the pinned 2.x,
 * filesystem binary mode) against the local server with a fixed injected latency, side by side
 * in one run with the do-it-yourself alternative (Extract From File -> HTTP Request), a bare Node
 * http client, and Classify Image beside Detect Objects (50 boxes per answer, with and without
 * Roboflow's annotated image). It reports figures and never fails because a machine is slow.
 * Writes bench/RESULTS.md, beside this file.
 *
 *   npm run bench               the full set (about eight minutes with n8n cached)
 *   npm run bench -- --quick    a tenth of the items, for a smoke run (not saved)
 *   npm run bench -- --limits   only the adaptive request limit's rows (bench/limits.ts), saved
 *                               into their section of bench/RESULTS.md
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import { benchLimits } from './limits.ts';
import type { ShapeRect } from '../tools/images/index.ts';
import {
	COLOURS,
	makePng,
	makeShapesPng,
	SHAPE_CLASSES,
	SHAPE_PALETTE,
} from '../tools/images/index.ts';
import {
	analyseImage,
	createRoboflowServer,
	decodeImage,
	encodeJpeg,
	postProcess,
} from '../tools/roboflow-server/index.ts';
import type { N8nItem, RunData } from '../test/support/n8n.ts';
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
	node,
	noOp,
	readFiles,
	roboflowNode,
	trigger,
} from '../test/support/workflows.ts';

const QUICK = process.argv.includes('--quick');
const LIMITS_ONLY = process.argv.includes('--limits');
const LIMITS_HEADING = '## Adaptive request limit';
const REPEAT = QUICK ? 1 : 3;
const scale = (n: number) => (QUICK ? Math.max(10, Math.round(n / 10)) : n);
const API_KEY = 'bench-key';
const C = 8;
const L = 50;
/** Boxes in every detection answer: the shapes images hold this many rectangles. */
const BOXES = 50;
/** Pixel sizes of the detection images: the throughput rows' drawings, the memory rows' ~1 MB images. */
const SMALL_SHAPES = { width: 100, height: 50 };
const LARGE_SHAPES_SIDE = 630;
const BENCH_DIR = path.join(ROOT, 'bench');

/** A latency for the server: fixed milliseconds, or JITTER. */
type Latency = number | typeof JITTER;

/** What the Roboflow node does with a set's images. */
type Operation = 'classify' | 'detect' | 'detectAnnotated';

const OPERATIONS: Record<
	Operation,
	{
		model: string;
		label: string;
		parameters: Record<string, unknown>;
		options: Record<string, unknown>;
	}
> = {
	classify: { model: 'colors/1', label: 'Classify Image', parameters: {}, options: {} },
	detect: {
		model: 'shapes/1',
		label: `Detect Objects, ${BOXES} boxes per answer`,
		parameters: { operation: 'detect' },
		options: {},
	},
	detectAnnotated: {
		model: 'shapes/1',
		label: `Detect Objects + Annotated Image, ${BOXES} boxes per answer`,
		parameters: { operation: 'detect' },
		options: { annotatedImage: true },
	},
};

interface Measurement {
	/** The measured time: node time(s) for n8n runs, the whole batch for the bare client. */
	ms: number;
	/** The n8n process's peak RSS over the whole run (VmHWM). */
	peakMb: number;
	/** Its highest RSS sampled while the timed nodes ran (NaN for the bare client). */
	nodePeakMb: number;
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
	operation: Operation;
	/** The three distinct images the set cycles through. */
	make: () => Buffer[];
	/** Mean size of one image (set once written). */
	bytes: number;
	/** What the local server does per request for one image (set once written; detection sets). */
	serverMs: number;
	/** Size of the annotated JPEG for one image (detection sets). */
	annotatedBytes: number;
}

/** Writes `count` files, cycling through `variants`; returns their mean size. */
function writeImages(dir: string, count: number, variants: Buffer[]): number {
	fs.mkdirSync(dir, { recursive: true });
	for (let i = 0; i < count; i++)
		fs.writeFileSync(
			path.join(dir, `img-${String(i).padStart(5, '0')}.png`),
			variants[i % variants.length],
		);
	return variants.reduce((sum, v) => sum + v.length, 0) / variants.length;
}

/** Three noisy one-colour PNGs of `side` x `side` pixels (red, green, blue): for Classify Image. */
const colourImages = (side: number) =>
	(['red', 'green', 'blue'] as const).map((c, i) =>
		makePng(side, side, COLOURS[c], { noise: 30, seed: i + 1 }),
	);

/** BOXES rectangles on white, one per cell of a 10 x 5 grid, classes cycling from `first`. */
function gridOfRects(width: number, height: number, first: number): ShapeRect[] {
	const cols = 10;
	const cellW = width / cols;
	const cellH = height / (BOXES / cols);
	return Array.from({ length: BOXES }, (_, i) => ({
		colour: SHAPE_CLASSES[(i + first) % SHAPE_CLASSES.length],
		x: Math.round((i % cols) * cellW + cellW * 0.2),
		y: Math.round(Math.floor(i / cols) * cellH + cellH * 0.2),
		width: Math.round(cellW * 0.6),
		height: Math.round(cellH * 0.6),
	}));
}

/** Three PNGs of BOXES rectangles, `width` x `height` pixels, with +-`noise`: for Detect Objects. */
const shapeImages = (width: number, height: number, noise: number) =>
	[0, 1, 2].map((i) =>
		makeShapesPng({ width, height, rects: gridOfRects(width, height, i), noise, seed: i + 1 }),
	);

/**
 * `png` grown to `size` bytes by a private ancillary chunk before IEND, which decoders skip (PNG
 * §5.4): the request carries as many bytes as a larger image, while the server decodes and
 * searches only the small drawing.
 */
function padPng(png: Buffer, size: number): Buffer {
	const fill = size - png.length - 12;
	if (fill <= 0) return png;
	// p: ancillary, d: private, N: reserved bit clear, g: safe to copy.
	const typeAndData = Buffer.concat([Buffer.from('pdNg', 'latin1'), Buffer.alloc(fill, 0x5a)]);
	const length = Buffer.alloc(4);
	length.writeUInt32BE(fill);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(zlib.crc32(typeAndData));
	const iend = png.length - 12;
	return Buffer.concat([png.subarray(0, iend), length, typeAndData, crc, png.subarray(iend)]);
}

/**
 * What the local server spends on one detection answer for `png` (median of 5, after as many to
 * warm up): decoding and
 * searching the image, and for an annotated answer encoding the JPEG (drawing the boxes, not
 * timed, costs little beside it). Also checks that the image gives BOXES boxes.
 */
function serverWork(png: Buffer, annotated: boolean): { ms: number; jpegBytes: number } {
	const times: number[] = [];
	let jpegBytes = 0;
	for (let i = 0; i < 10; i++) {
		const started = process.hrtime.bigint();
		const image = decodeImage(png);
		const boxes = postProcess(analyseImage(image, SHAPE_PALETTE).shapes, 0.4, 0.3, 300).length;
		if (annotated) jpegBytes = encodeJpeg(image, 90).length;
		times.push(Number(process.hrtime.bigint() - started) / 1e6);
		if (boxes !== BOXES) throw new Error(`a shapes image gives ${boxes} boxes, not ${BOXES}`);
	}
	return { ms: times.slice(5).sort((a, b) => a - b)[2], jpegBytes };
}

/** A node's first run as `n8n execute --rawOutput` prints it: also its start, in epoch ms. */
type TimedTask = NonNullable<
	NonNullable<NonNullable<RunData['data']>['resultData']>['runData']
>[string][number] & {
	startTime?: number;
};

/**
 * The window in which `nodes` ran (epoch ms, n8n's clock = this machine's), from the first's
 * start to the last's end.
 */
function nodeWindow(run: RunData | undefined, nodes: string[]): [number, number] {
	const tasks = nodes.map(
		(name) => run?.data?.resultData?.runData?.[name]?.[0] as TimedTask | undefined,
	);
	const starts = tasks.map((t) => t?.startTime ?? Number.NaN);
	const ends = tasks.map((t) => (t?.startTime ?? Number.NaN) + (t?.executionTime ?? Number.NaN));
	return [Math.min(...starts), Math.max(...ends)];
}

/**
 * Starts bench/rss-sampler.ts on `pid`; `done()` waits for it to see the process gone and
 * returns its samples.
 */
function sampleMemory(pid: number, file: string): { done: () => Promise<number[][]> } {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's bench/rss-sampler.ts with fixed arguments
	const sampler = spawn(
		process.execPath,
		[path.join(BENCH_DIR, 'rss-sampler.ts'), String(pid), file],
		{
			stdio: 'ignore',
		},
	);
	const exited = new Promise((resolve) => sampler.on('close', resolve));
	return {
		done: async () => {
			await exited;
			const lines = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
			fs.rmSync(file, { force: true });
			return lines.map((line) => line.split(' ').map(Number));
		},
	};
}

/**
 * Runs a workflow in a fresh `n8n execute` process: wall time, node times, peak RSS (VmHWM), and
 * the highest RSS sampled while the timed nodes ran.
 */
async function measure(
	n8n: N8nInstance,
	workflow: Workflow,
	timedNodes: string[],
	samplesFile: string,
) {
	let sampler: { done: () => Promise<number[][]> } | undefined;
	const started = process.hrtime.bigint();
	const result = await n8n.execute(workflow.id ?? '', {
		onSpawn: (child: ChildProcess) => {
			if (child.pid !== undefined) sampler = sampleMemory(child.pid, samplesFile);
		},
	});
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	const samples = (await sampler?.done()) ?? [];
	if (!result.ok || !result.run) {
		throw new Error(
			`${workflow.name} failed (${result.output.length} chars of output):\n${result.output.slice(0, 1500)}\n...\n${result.output.slice(-1500)}`,
		);
	}
	const ms = timedNodes.reduce((sum, name) => sum + nodeTime(result.run, name), 0);
	const [from, to] = nodeWindow(result.run, timedNodes);
	const during = samples.filter(([at]) => at >= from && at <= to).map(([, rss]) => rss);
	return {
		wallMs,
		ms,
		peakMb: Math.max(0, ...samples.map(([, , hwm]) => hwm)) / 1024,
		nodePeakMb: during.length ? Math.max(...during) / 1024 : Number.NaN,
		run: result.run,
	};
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
					nodePeakMb: Math.max(...results.map((r) => r.nodePeakMb)),
					times: results.map((r) => r.ms),
				},
			];
		}),
	) as Record<K, Summary>;
}

/** bench/raw-client.ts in its own process; `boxes`: every answer must hold that many predictions. */
function rawClient(
	url: string,
	dir: string,
	concurrency: number,
	boxes?: number,
): Promise<{ ms: number; items: number }> {
	return new Promise((resolve, reject) => {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's bench/raw-client.ts with fixed arguments
		execFile(
			process.execPath,
			[
				path.join(BENCH_DIR, 'raw-client.ts'),
				url,
				dir,
				String(concurrency),
				...(boxes === undefined ? [] : [String(boxes)]),
			],
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

/** What every output item of a run must show. */
interface Expectation {
	items: number;
	/** "classified" */
	what: string;
	ok: (item: N8nItem) => boolean;
}

function expectationFor(s: ImageSet): Expectation {
	if (s.operation === 'classify') {
		return {
			items: s.count,
			what: 'classified',
			ok: (item) => typeof item.json.top === 'string' && item.json.top !== '',
		};
	}
	const annotated = s.operation === 'detectAnnotated';
	return {
		items: s.count,
		what: `with ${BOXES} boxes${annotated ? ' and an annotated image' : ''}`,
		ok: (item) =>
			item.json.count === BOXES &&
			Array.isArray(item.json.predictions) &&
			item.json.predictions.length === BOXES &&
			(!annotated || typeof item.binary?.annotated?.id === 'string'),
	};
}

const fmtMs = (ms: number) =>
	ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
const fmtMb = (mb: number) => `${Math.round(mb)} MB`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const kb = (b: number) => `${Math.round(b / 1024)} KB`;
const table = (headers: string[], rows: string[][]) =>
	[
		`| ${headers.join(' | ')} |`,
		`|${headers.map(() => '---').join('|')}|`,
		...rows.map((r) => `| ${r.join(' | ')} |`),
	].join('\n');

/** RESULTS.md with its adaptive-limit section replaced by `section` (or added at the end). */
function spliceLimits(results: string, section: string): string {
	const start = results.indexOf(LIMITS_HEADING);
	if (start < 0) return `${results.trimEnd()}\n\n${section}`;
	const next = results.indexOf('\n## ', start + LIMITS_HEADING.length);
	return results.slice(0, start) + section + (next < 0 ? '' : results.slice(next + 1));
}

async function main(): Promise<void> {
	if (LIMITS_ONLY) {
		const section = await benchLimits({ quick: QUICK, log });
		process.stdout.write(`${section}\n`);
		if (!QUICK) {
			const file = path.join(BENCH_DIR, 'RESULTS.md');
			fs.writeFileSync(file, spliceLimits(fs.readFileSync(file, 'utf8'), section));
			log('Saved the adaptive limit rows into bench/RESULTS.md');
		}
		return;
	}
	const loadBefore = os.loadavg();
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-bench-'));
	const set = (
		name: string,
		count: number,
		operation: Operation,
		make: () => Buffer[],
	): ImageSet => ({
		dir: path.join(work, name),
		count: scale(count),
		operation,
		make,
		bytes: 0,
		serverMs: 0,
		annotatedBytes: 0,
	});
	const smallClassify = colourImages(132);
	const sets = {
		small: set('small', 500, 'classify', () => smallClassify),
		// The detection images of the throughput rows are small drawings (SMALL_SHAPES) padded to
		// the classification images' sizes: the same upload, and little work for the local server.
		shapes: set('shapes', 500, 'detect', () =>
			shapeImages(SMALL_SHAPES.width, SMALL_SHAPES.height, 0).map((png, i) =>
				padPng(png, smallClassify[i].length),
			),
		),
		large250: set('large250', 250, 'classify', () => colourImages(600)),
		shapes250: set('shapes250', 250, 'detectAnnotated', () =>
			shapeImages(LARGE_SHAPES_SIDE, LARGE_SHAPES_SIDE, 20),
		),
		large1000: set('large1000', 1000, 'classify', () => colourImages(600)),
		shapes1000: set('shapes1000', 1000, 'detectAnnotated', () =>
			shapeImages(LARGE_SHAPES_SIDE, LARGE_SHAPES_SIDE, 20),
		),
	};
	log(`Writing images into ${work}...`);
	for (const s of Object.values(sets)) {
		const variants = s.make();
		s.bytes = writeImages(s.dir, s.count, variants);
		if (s.operation !== 'classify') {
			const cost = serverWork(variants[0], s.operation === 'detectAnnotated');
			s.serverMs = cost.ms;
			s.annotatedBytes = cost.jpegBytes;
		}
	}

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
		const operation = OPERATIONS[s.operation];
		flows[`${name}-read`] = linear(`bench-${name}-read`, `${name}: Read Files only`, [
			trigger,
			read(s),
			noOp('Done', [400, 0]),
		]);
		flows[`${name}-node`] = linear(`bench-${name}-node`, `${name}: Roboflow ${operation.label}`, [
			trigger,
			read(s),
			roboflowNode(
				{
					...operation.parameters,
					modelId: operation.model,
					options: { maxConcurrency: C, ...operation.options },
				},
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
		expectation?: Expectation,
	): Promise<Measurement> => {
		prepareServer(flows[key].name, latency);
		const result = await measure(n8n, flows[key], timedNodes, path.join(work, 'rss.txt'));
		const last = timedNodes[timedNodes.length - 1];
		if (expectation) {
			const out = nodeOutputs(result.run, last)[0] ?? [];
			const good = out.filter(expectation.ok).length;
			if (out.length !== expectation.items || good !== expectation.items) {
				throw new Error(
					`${flows[key].name}: ${good} of ${out.length} items ${expectation.what}, expected ${expectation.items}`,
				);
			}
		}
		return { ...result, maxInFlight: server.stats.maxInFlight };
	};
	type SetName = keyof typeof sets;
	/** One output item's JSON per detection set, from its first run with the node. */
	const outputSamples: Partial<Record<SetName, unknown>> = {};
	const readOnly = (name: SetName, latency: Latency) =>
		run(`${name}-read`, latency, ['Read images']);
	const withNode = async (name: SetName, latency: Latency) => {
		const result = await run(`${name}-node`, latency, ['Roboflow'], expectationFor(sets[name]));
		outputSamples[name] ??= nodeOutputs(result.run, 'Roboflow')[0]?.[0]?.json;
		return result;
	};
	/**
	 * n8n's own cost of the node's output: the same images read, then an Edit Fields (Set) node
	 * that gives every item the JSON the node gave the first one (no requests, no annotated image).
	 * Imported on first use, after a run with the node supplied that JSON.
	 */
	const CONTROL_NODE = 'Same JSON (Set)';
	const sameJson = async (name: SetName) => {
		const key = `${name}-control`;
		if (!flows[key]) {
			flows[key] = linear(`bench-${key}`, `${name}: Read Files -> Set with the node's JSON`, [
				trigger,
				read(sets[name]),
				node('n8n-nodes-base.set', 3.4, CONTROL_NODE, [400, 0], {
					mode: 'raw',
					jsonOutput: JSON.stringify(outputSamples[name]),
					options: {},
				}),
			]);
			await n8n.importWorkflows([flows[key]]);
		}
		return await run(key, L, [CONTROL_NODE]);
	};

	log('Measuring...');
	const startup = await run('startup', 0, ['Done']);

	const S = sets.small;
	const D = sets.shapes;
	const ideal = (S.count * L) / C;
	const raw = async (latency: Latency, s: ImageSet): Promise<Measurement> => {
		prepareServer(`bare Node http client, ${OPERATIONS[s.operation].label}`, latency);
		const detect = s.operation !== 'classify';
		const result = await rawClient(
			`${serverUrl}/${OPERATIONS[s.operation].model}?api_key=${API_KEY}`,
			s.dir,
			C,
			detect ? BOXES : undefined,
		);
		return {
			ms: result.ms,
			peakMb: Number.NaN,
			nodePeakMb: Number.NaN,
			maxInFlight: server.stats.maxInFlight,
		};
	};
	const small = await sideBySide({
		read: () => readOnly('small', L),
		node: () => withNode('small', L),
		diy: () => run('small-diy', L, ['Extract base64', 'HTTP Request'], expectationFor(S)),
		raw: () => raw(L, S),
		detectRead: () => readOnly('shapes', L),
		detect: () => withNode('shapes', L),
		rawDetect: () => raw(L, D),
		detectJson: () => sameJson('shapes'),
		nodeJitter: () => withNode('small', JITTER),
		rawJitter: () => raw(JITTER, S),
	});

	const memoryKeys = ['large250', 'shapes250', 'large1000', 'shapes1000'] as const;
	const memory = {} as Record<
		(typeof memoryKeys)[number],
		{ read: Measurement; node: Measurement; json?: Measurement }
	>;
	for (const key of memoryKeys) {
		memory[key] = { read: await readOnly(key, L), node: await withNode(key, L) };
		if (sets[key].operation !== 'classify') memory[key].json = await sameJson(key);
	}

	const zero = await sideBySide({
		node: () => withNode('small', 0),
		diy: () => run('small-diy-0', 0, ['Extract base64', 'HTTP Request'], expectationFor(S)),
		raw: () => raw(0, S),
		detect: () => withNode('shapes', 0),
		rawDetect: () => raw(0, D),
	});

	await server.stop();
	n8n.cleanup();
	fs.rmSync(work, { recursive: true, force: true });
	fs.rmSync(path.dirname(tarball), { recursive: true, force: true });

	// ---- report ----
	const budget = C * 4 + 100;
	const fmtLoad = (load: number[]) => load.map((x) => x.toFixed(2)).join(', ');
	const throughputRows: Array<{ name: string; r: Summary; latency?: Latency; read?: Summary }> = [
		{ name: 'Roboflow node, Classify Image', r: small.node, read: small.read },
		{
			name: `Extract From File -> HTTP Request (batches of ${C} every ${L} ms)`,
			r: small.diy,
			read: small.read,
		},
		{
			name: 'bare Node http client, separate process (reference: the latency-bound floor)',
			r: small.raw,
		},
		{
			name: `Roboflow node, Detect Objects (${BOXES} boxes per answer)`,
			r: small.detect,
			read: small.detectRead,
		},
		{
			name: `bare Node http client, separate process, detect (${BOXES} boxes per answer)`,
			r: small.rawDetect,
		},
		{
			name: 'Roboflow node, Classify Image',
			r: small.nodeJitter,
			latency: JITTER,
			read: small.read,
		},
		{ name: 'bare Node http client, separate process', r: small.rawJitter, latency: JITTER },
	];
	const zeroRows: Array<[string, Summary]> = [
		[
			'bare Node http client, separate process (floor: file read, base64, loopback, server)',
			zero.raw,
		],
		['Roboflow node, Classify Image', zero.node],
		[`Extract From File -> HTTP Request (batches of ${C} every 1 ms)`, zero.diy],
		[`bare Node http client, separate process, detect (${BOXES} boxes per answer)`, zero.rawDetect],
		[`Roboflow node, Detect Objects (${BOXES} boxes per answer)`, zero.detect],
	];
	const perItemUs = (r: Summary) => (r.ms * 1000) / S.count;

	const classifyOfIdeal = ideal / small.node.ms;
	const detectOfIdeal = ideal / small.detect.ms;
	type MemoryKey = (typeof memoryKeys)[number];
	/** Added peak RSS of a memory row: the whole run, while the node ran, or the Set node's run. */
	const added = (key: MemoryKey, which: 'whole' | 'during' | 'json') => {
		const { read: base, node: withIt, json } = memory[key];
		if (which === 'json') return (json?.peakMb ?? Number.NaN) - base.peakMb;
		return (which === 'whole' ? withIt.peakMb : withIt.nodePeakMb) - base.peakMb;
	};
	const memoryVerdict = (fewer: MemoryKey, more: MemoryKey, which: 'whole' | 'during') => {
		const annotated = sets[more].operation === 'detectAnnotated';
		const perItemData = sets[more].bytes + (annotated ? sets[more].annotatedBytes : 0);
		const extraItems = sets[more].count - sets[fewer].count;
		const growthKb = ((added(more, which) - added(fewer, which)) * 1024) / extraItems;
		const under = Math.max(added(fewer, which), added(more, which)) < budget;
		const flat = growthKb * 1024 < 0.1 * perItemData;
		return (
			`${fmtMb(added(fewer, which))} at ${sets[fewer].count} items, ${fmtMb(added(more, which))} at ${sets[more].count}: ` +
			`${under ? 'under' : '**over**'} the ${budget} MB budget; the ${extraItems} more items add ` +
			`${Math.round(growthKb)} KB each against ${kb(perItemData)} of image${annotated ? ' and annotated image' : ''} per item: ` +
			`${flat ? 'flat' : '**not flat**'}`
		);
	};
	const A = sets.shapes1000;
	const mb = (x: number) => (Number.isNaN(x) ? '-' : fmtMb(x));

	const lines = [
		'# Benchmark results',
		'',
		`Produced by \`npm run bench${QUICK ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ` +
			`${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
			`Node ${process.versions.node}, n8n ${N8N_VERSIONS.v2} (\`n8n execute\`, filesystem binary mode), ` +
			'local Roboflow-compatible server in header-only mode with a fixed injected latency L. ' +
			'"Node time" is the execution time n8n records for the node (for the alternative: Extract From File plus HTTP Request). ' +
			'Peak RSS is the n8n process\'s VmHWM over the whole run; "while the node runs" is the highest RSS sampled (every 10 ms, by a separate process) between the node\'s start and end as n8n records them; ' +
			'"added" subtracts the peak of the same workflow with only Read Files. ' +
			`Load average (1, 5, 15 min) at the start: ${fmtLoad(loadBefore)}; at the end, the benchmark's own load included: ${fmtLoad(os.loadavg())}.`,
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
				'added while the node runs',
			],
			throughputRows.map(({ name, r, latency = L, read: base }) => [
				name,
				latency === JITTER ? 'uniform 25-75 ms' : `${latency} ms`,
				fmtMs(r.ms),
				r.times.map(fmtMs).join(', '),
				(S.count / (r.ms / 1000)).toFixed(0),
				fmtMs(ideal),
				pct(ideal / r.ms),
				String(r.maxInFlight),
				base ? fmtMb(r.peakMb) : '-',
				base ? fmtMb(r.peakMb - base.peakMb) : '-',
				base ? mb(r.nodePeakMb - base.peakMb) : '-',
			]),
		),
		'',
		`Time, alternative / node: **${(small.diy.ms / small.node.ms).toFixed(2)}x**. ` +
			`Added peak RSS, alternative / node: **${((small.diy.peakMb - small.read.peakMb) / Math.max(1, small.node.peakMb - small.read.peakMb)).toFixed(1)}x**. ` +
			`Node / bare client: **${pct(small.raw.ms / small.node.ms)}** of its throughput. ` +
			`With a varying latency of the same mean the node reaches **${pct(ideal / small.nodeJitter.ms)}** of the ideal: ` +
			'with a fixed one, the answers of a round arrive together and wait for each other.',
		'',
		`Detect Objects beside Classify Image, same N, L and C, interleaved: **${pct(detectOfIdeal)}** of the ideal against **${pct(classifyOfIdeal)}**; ` +
			`time, detect / classify: **${(small.detect.ms / small.node.ms).toFixed(2)}x** (the bare client: ${(small.rawDetect.ms / small.raw.ms).toFixed(2)}x). ` +
			`Every answer carries ${BOXES} boxes, checked on every output item. ` +
			`Each detect image is ${kb(D.bytes)} like the classification images, uploaded whole, but is a ${BOXES}-rectangle drawing of ${SMALL_SHAPES.width} x ${SMALL_SHAPES.height} pixels ` +
			'padded with a PNG chunk that decoders skip, so that the local server decodes and searches little: ' +
			`its work per answer is ${D.serverMs.toFixed(2)} ms, ${(C * D.serverMs).toFixed(1)} ms for a round of C requests that lasts L = ${L} ms.`,
		'',
		`Memory of the detect row: ${fmtMb(small.detect.peakMb - small.detectRead.peakMb)} added over the whole run, ` +
			`${mb(small.detect.nodePeakMb - small.detectRead.peakMb)} while the node runs (Classify Image: ${fmtMb(small.node.peakMb - small.read.peakMb)} and ${mb(small.node.nodePeakMb - small.read.peakMb)}). ` +
			`An Edit Fields (Set) node that gives the same ${D.count} items the JSON the node gave the first one (${kb(JSON.stringify(outputSamples.shapes ?? {}).length)}), without any request, ` +
			`adds **${fmtMb(small.detectJson.peakMb - small.detectRead.peakMb)}** over its run: that much is n8n's own cost of ${D.count} items of ${BOXES} boxes each, which it holds and writes out after the node has finished.`,
		'',
		`## Memory: ~${kb(sets.large1000.bytes)} images, L = ${L} ms, C = ${C}; budget for the node's added peak: C x 4 MB + 100 MB = ${budget} MB`,
		'',
		table(
			[
				'operation',
				'items',
				'image',
				'peak RSS, Read Files only',
				'peak RSS, with Roboflow',
				'added: whole run',
				'added: while the node runs',
				"added by a Set node giving the node's JSON",
				'node time',
				'of ideal',
			],
			memoryKeys.map((key) => {
				const { read: r, node: n } = memory[key];
				const s = sets[key];
				return [
					OPERATIONS[s.operation].label,
					String(s.count),
					kb(s.bytes) +
						(s.operation === 'detectAnnotated' ? `, annotated JPEG ~${kb(s.annotatedBytes)}` : ''),
					fmtMb(r.peakMb),
					fmtMb(n.peakMb),
					fmtMb(added(key, 'whole')),
					mb(added(key, 'during')),
					mb(added(key, 'json')),
					fmtMs(n.ms),
					pct((s.count * L) / C / n.ms),
				];
			}),
		),
		'',
		`Flat = the extra items add under a tenth of what their images weigh. Classify Image, whole run: ${memoryVerdict('large250', 'large1000', 'whole')}. ` +
			`While the node runs: ${memoryVerdict('large250', 'large1000', 'during')}.`,
		'',
		`Detect Objects with Annotated Image, whole run: ${memoryVerdict('shapes250', 'shapes1000', 'whole')}. ` +
			`While the node runs: ${memoryVerdict('shapes250', 'shapes1000', 'during')}. ` +
			`n8n alone, a Set node giving the same items the node's JSON (${BOXES} boxes, ${kb(JSON.stringify(outputSamples.shapes1000 ?? {}).length)} per item; no annotated image): ` +
			`${mb(added('shapes250', 'json'))} at ${sets.shapes250.count} items, ${mb(added('shapes1000', 'json'))} at ${A.count}.`,
		'',
		`The detect images are ${LARGE_SHAPES_SIDE} x ${LARGE_SHAPES_SIDE} pixel drawings of ${BOXES} rectangles with noise, as large as the classification images; ` +
			"each answer carries the boxes and Roboflow's annotated JPEG (base64 in the JSON), which the node stores as an n8n binary. " +
			`The local server's work per annotated answer is ~${Math.round(A.serverMs)} ms (decode, search, encode the JPEG) in the benchmark's process, ` +
			`so these runs go at the server's pace (~${Math.round(1000 / A.serverMs)} answers/s against L / C = ${Math.round((1000 * C) / L)}/s): their node time measures the server, not the node.`,
		'',
		`## Per-item overhead: ${S.count} images x ${kb(S.bytes)}, L = 0, C = ${C} (median of ${REPEAT} interleaved runs)`,
		'',
		table(
			['path', 'time (median)', 'runs', 'per item'],
			zeroRows.map(([name, r]) => [
				name,
				fmtMs(r.ms),
				r.times.map(fmtMs).join(', '),
				`${Math.round(perItemUs(r))} µs`,
			]),
		),
		'',
		`The node's own overhead over the floor: **${Math.round(perItemUs(zero.node) - perItemUs(zero.raw))} µs per item** for Classify Image, ` +
			`**${Math.round(perItemUs(zero.detect) - perItemUs(zero.rawDetect))} µs per item** for Detect Objects with ${BOXES} boxes per answer.`,
		'',
	];
	lines.push(await benchLimits({ quick: QUICK, log }));
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
