/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node, never inside n8n */
/** bench/RESULTS.md's throughput, memory and per-item sections, from the benchmark's measurements. */
import os from 'node:os';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import type { Measurement } from './measure.ts';
import type { ImageSet } from './sets.ts';
import { BOXES, C, JITTER, L } from './sets.ts';

type Runs<K extends string> = Record<K, Measurement>;

export interface Results {
	quick: boolean;
	repeat: number;
	loadBefore: number[];
	sets: Record<string, ImageSet>;
	startup: Measurement;
	throughput: Runs<
		| 'read'
		| 'node'
		| 'diy'
		| 'raw'
		| 'detectRead'
		| 'detect'
		| 'rawDetect'
		| 'detectJson'
		| 'nodeJitter'
		| 'rawJitter'
	>;
	firstJson: Record<string, unknown>;
	memory: Record<string, { read: Measurement; node: Measurement; json?: Measurement }>;
	zero: Runs<'node' | 'diy' | 'raw' | 'detect' | 'rawDetect'>;
}

const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const mb = (x: number) => (Number.isNaN(x) ? '-' : `${Math.round(x)} MB`);
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const load = (values: number[]) => values.map((x) => x.toFixed(2)).join(', ');
const runs = (r: Measurement) => (r.times ?? []).map(ms).join(', ');
/** A markdown table's head: its column names joined by '|'. */
const head = (columns: string) =>
	`| ${columns.split('|').join(' | ')} |\n|${columns.replace(/[^|]+/g, '---')}|`;
const DETECT = `Detect Objects (${BOXES} boxes per answer)`;
const RAW = 'bare Node http client, separate process';

function throughput({ sets, repeat, throughput: t, firstJson }: Results): string[] {
	const [S, D] = [sets.small, sets.shapes];
	const ideal = (S.count * L) / C;
	const added = (r: Measurement, base: Measurement) => r.peakMb - base.peakMb;
	const row = (name: string, r: Measurement, base?: Measurement, latency = `${L} ms`) =>
		`| ${name} | ${latency} | ${ms(r.ms)} | ${runs(r)} | ${(S.count / (r.ms / 1000)).toFixed(0)} | ${ms(ideal)} | ${pct(ideal / r.ms)} | ${r.maxInFlight} | ` +
		(base
			? `${mb(r.peakMb)} | ${mb(added(r, base))} | ${mb(r.nodePeakMb - base.peakMb)} |`
			: '- | - | - |');
	const jitter = `uniform ${JITTER} ms`;
	return [
		`## Throughput: ${S.count} images x ${kb(S.bytes)}, L = ${L} ms, C = ${C} (median of ${repeat} interleaved runs)`,
		'',
		head(
			`path|L|time (median)|runs|items/s|ideal ${S.count} x ${L} / ${C}|of ideal|max in flight at server|peak RSS|added peak RSS|added while the node runs`,
		),
		row('Roboflow node, Classify Image', t.node, t.read),
		row(`Extract From File -> HTTP Request (batches of ${C} every ${L} ms)`, t.diy, t.read),
		row(`${RAW} (reference: the latency-bound floor)`, t.raw),
		row(`Roboflow node, ${DETECT}`, t.detect, t.detectRead),
		row(`${RAW}, detect (${BOXES} boxes per answer)`, t.rawDetect),
		row('Roboflow node, Classify Image', t.nodeJitter, t.read, jitter),
		row(RAW, t.rawJitter, undefined, jitter),
		'',
		`Time, alternative / node: **${(t.diy.ms / t.node.ms).toFixed(2)}x**. Added peak RSS, alternative / node: **${(added(t.diy, t.read) / Math.max(1, added(t.node, t.read))).toFixed(1)}x**. ` +
			`Node / bare client: **${pct(t.raw.ms / t.node.ms)}** of its throughput. With a varying latency of the same mean the node reaches **${pct(ideal / t.nodeJitter.ms)}** of the ideal: ` +
			'with a fixed one, the answers of a round arrive together and wait for each other.',
		'',
		`Detect Objects beside Classify Image, same N, L and C, interleaved: **${pct(ideal / t.detect.ms)}** of the ideal against **${pct(ideal / t.node.ms)}**; ` +
			`time, detect / classify: **${(t.detect.ms / t.node.ms).toFixed(2)}x** (the bare client: ${(t.rawDetect.ms / t.raw.ms).toFixed(2)}x). Every answer carries ${BOXES} boxes, checked on every output item. ` +
			`Each detect image is ${kb(D.bytes)} like the classification images, uploaded whole, but is a ${BOXES}-rectangle drawing of 100 x 50 pixels padded with a PNG chunk that decoders skip: ` +
			`the local server's work per answer is ${D.serverMs.toFixed(2)} ms, ${(C * D.serverMs).toFixed(1)} ms for a round of C requests that lasts L = ${L} ms.`,
		'',
		`Memory of the detect row: ${mb(added(t.detect, t.detectRead))} added over the whole run, ${mb(t.detect.nodePeakMb - t.detectRead.peakMb)} while the node runs ` +
			`(Classify Image: ${mb(added(t.node, t.read))} and ${mb(t.node.nodePeakMb - t.read.peakMb)}). An Edit Fields (Set) node that gives the same ${D.count} items the JSON the node gave the first one ` +
			`(${kb(JSON.stringify(firstJson.shapes ?? {}).length)}), without any request, adds **${mb(added(t.detectJson, t.detectRead))}** over its run: n8n's own cost of ${D.count} items of ${BOXES} boxes each.`,
	];
}

function memory({ sets, memory: m, firstJson }: Results): string[] {
	const budget = C * 4 + 100;
	const added = (key: string, which: 'whole' | 'during' | 'json') => {
		const { read, node, json } = m[key];
		return (
			(which === 'json'
				? (json?.peakMb ?? Number.NaN)
				: which === 'whole'
					? node.peakMb
					: node.nodePeakMb) - read.peakMb
		);
	};
	const verdict = (fewer: string, more: string, which: 'whole' | 'during') => {
		const perItem = sets[more].bytes + sets[more].annotatedBytes;
		const growth =
			((added(more, which) - added(fewer, which)) * 1024 * 1024) /
			(sets[more].count - sets[fewer].count);
		const under = Math.max(added(fewer, which), added(more, which)) < budget ? 'under' : '**over**';
		return `${mb(added(fewer, which))} at ${sets[fewer].count} items, ${mb(added(more, which))} at ${sets[more].count}: ${under} the ${budget} MB budget; each extra item adds ${kb(growth)} against ${kb(perItem)} of image per item: ${growth < 0.1 * perItem ? 'flat' : '**not flat**'}`;
	};
	const row = (key: string) => {
		const [{ read, node }, set] = [m[key], sets[key]];
		const [label, image] =
			set.operation === 'classify'
				? ['Classify Image', kb(set.bytes)]
				: [
						`Detect Objects + Annotated Image, ${BOXES} boxes per answer`,
						`${kb(set.bytes)}, annotated JPEG ~${kb(set.annotatedBytes)}`,
					];
		return `| ${label} | ${set.count} | ${image} | ${mb(read.peakMb)} | ${mb(node.peakMb)} | ${mb(added(key, 'whole'))} | ${mb(added(key, 'during'))} | ${mb(added(key, 'json'))} | ${ms(node.ms)} | ${pct((set.count * L) / C / node.ms)} |`;
	};
	const A = sets.shapes1000;
	return [
		`## Memory: ~${kb(sets.large1000.bytes)} images, L = ${L} ms, C = ${C}; budget for the node's added peak: C x 4 MB + 100 MB = ${budget} MB`,
		'',
		head(
			"operation|items|image|peak RSS, Read Files only|peak RSS, with Roboflow|added: whole run|added: while the node runs|added by a Set node giving the node's JSON|node time|of ideal",
		),
		...Object.keys(m).map(row),
		'',
		`Flat = the extra items add under a tenth of what their images weigh. Classify Image, whole run: ${verdict('large250', 'large1000', 'whole')}. While the node runs: ${verdict('large250', 'large1000', 'during')}.`,
		'',
		`Detect Objects with Annotated Image, whole run: ${verdict('shapes250', 'shapes1000', 'whole')}. While the node runs: ${verdict('shapes250', 'shapes1000', 'during')}. ` +
			`n8n alone, a Set node giving the same items the node's JSON (${kb(JSON.stringify(firstJson.shapes1000 ?? {}).length)} per item, no annotated image): ${mb(added('shapes250', 'json'))} at ${sets.shapes250.count} items, ${mb(added('shapes1000', 'json'))} at ${A.count}.`,
		'',
		`The detect images are 630 x 630 pixel drawings of ${BOXES} rectangles with noise, as large as the classification images; each answer carries the boxes and the annotated JPEG, which the node stores as an n8n binary. ` +
			`The local server's work per annotated answer is ~${Math.round(A.serverMs)} ms in the benchmark's process, so these runs go at the server's pace (~${Math.round(1000 / A.serverMs)} answers/s against L / C = ${Math.round((1000 * C) / L)}/s): their node time measures the server, not the node.`,
	];
}

function overhead({ sets, repeat, zero: z }: Results): string[] {
	const perItemUs = (r: Measurement) => (r.ms * 1000) / sets.small.count;
	const row = (name: string, r: Measurement) =>
		`| ${name} | ${ms(r.ms)} | ${runs(r)} | ${Math.round(perItemUs(r))} µs |`;
	return [
		`## Per-item overhead: ${sets.small.count} images x ${kb(sets.small.bytes)}, L = 0, C = ${C} (median of ${repeat} interleaved runs)`,
		'',
		head('path|time (median)|runs|per item'),
		row(`${RAW} (floor: file read, base64, loopback, server)`, z.raw),
		row('Roboflow node, Classify Image', z.node),
		row(`Extract From File -> HTTP Request (batches of ${C} every 1 ms)`, z.diy),
		row(`${RAW}, detect (${BOXES} boxes per answer)`, z.rawDetect),
		row(`Roboflow node, ${DETECT}`, z.detect),
		'',
		`The node's own overhead over the floor: **${Math.round(perItemUs(z.node) - perItemUs(z.raw))} µs per item** for Classify Image, **${Math.round(perItemUs(z.detect) - perItemUs(z.rawDetect))} µs per item** for Detect Objects with ${BOXES} boxes per answer.`,
	];
}

export function report(results: Results): string {
	const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
	return [
		'# Benchmark results',
		'',
		`Produced by \`npm run bench${results.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${machine}, n8n ${N8N_VERSIONS.v2} (\`n8n execute\`, filesystem binary mode), ` +
			'the local Roboflow-compatible server in header-only mode with an injected latency L. "Node time" is the execution time n8n records for the node (for the alternative: Extract From File plus HTTP Request). ' +
			'Peak RSS is the n8n process\'s VmHWM over the whole run; "while the node runs" is the highest RSS sampled every 10 ms, by a separate process, between the node\'s start and end; "added" subtracts the peak of the same workflow with only Read Files. ' +
			`Load average (1, 5, 15 min) at the start: ${load(results.loadBefore)}; at the end, the benchmark's own load included: ${load(os.loadavg())}.`,
		'',
		'## Fixed start-up (excluded from the node times below)',
		'',
		head('workflow|wall time of `n8n execute`'),
		`| Manual Trigger -> No Op | ${ms(results.startup.wallMs ?? Number.NaN)} |`,
		'',
		...throughput(results),
		'',
		...memory(results),
		'',
		...overhead(results),
		'',
	].join('\n');
}
