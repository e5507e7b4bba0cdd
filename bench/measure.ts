/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark runs in Node and drives real n8n, never inside n8n */
/**
 * How the benchmark measures: a workflow in a fresh `n8n execute` process (the nodes' times as n8n
 * records them, and the process's memory sampled from outside), the bare client in its own
 * process, and measurements interleaved so that machine noise hits them all alike.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { N8n, RunData } from '../test/support/n8n.ts';
import { nodeTime } from '../test/support/n8n.ts';
import { ROOT } from '../test/support/paths.ts';

export interface Measurement {
	/** The measured time: the timed nodes' for n8n runs, the whole batch for the bare client. */
	ms: number;
	/** The n8n process's peak RSS over the whole run (VmHWM), and its highest sampled while the timed nodes ran. */
	peakMb: number;
	nodePeakMb: number;
	maxInFlight: number;
	wallMs?: number;
	run?: RunData;
	/** Each run's time, when interleaved. */
	times?: number[];
}

const script = (name: string) => path.join(ROOT, 'bench', name);

/** Starts rss-sampler.ts on `pid`; `done()` waits for it to see the process gone and returns its samples. */
function sampleMemory(pid: number, file: string): () => Promise<number[][]> {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's sampler with fixed arguments
	const sampler = spawn(process.execPath, [script('rss-sampler.ts'), String(pid), file], {
		stdio: 'ignore',
	});
	const exited = new Promise((resolve) => sampler.on('close', resolve));
	return async () => {
		await exited;
		const lines = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
		fs.rmSync(file, { force: true });
		return lines.map((line) => line.split(' ').map(Number));
	};
}

/** Runs workflow `id`: wall time, the `timed` nodes' time, peak RSS, and the highest RSS sampled while they ran. */
export async function measure(
	n8n: N8n,
	id: string,
	timed: string[],
): Promise<Omit<Measurement, 'maxInFlight'>> {
	const samplesFile = path.join(n8n.home, 'rss.txt');
	let samples = async (): Promise<number[][]> => [];
	const started = performance.now();
	const result = await n8n.execute(id, (child) => {
		if (child.pid !== undefined) samples = sampleMemory(child.pid, samplesFile);
	});
	const wallMs = performance.now() - started;
	if (!result.ok)
		throw new Error(
			`${id} failed:\n${result.output.slice(0, 1500)}\n...\n${result.output.slice(-1500)}`,
		);
	const tasks = timed.map((name) => result.run?.data?.resultData?.runData?.[name]?.[0]);
	// The window the nodes ran in, on n8n's clock (this machine's).
	const from = Math.min(...tasks.map((t) => t?.startTime ?? Number.NaN));
	const to = Math.max(
		...tasks.map((t) => (t?.startTime ?? Number.NaN) + (t?.executionTime ?? Number.NaN)),
	);
	const sampled = await samples();
	const during = sampled.filter(([at]) => at >= from && at <= to).map(([, rss]) => rss);
	return {
		wallMs,
		ms: timed.reduce((sum, name) => sum + nodeTime(result.run, name), 0),
		peakMb: Math.max(0, ...sampled.map(([, , hwm]) => hwm)) / 1024,
		nodePeakMb: during.length ? Math.max(...during) / 1024 : Number.NaN,
		run: result.run,
	};
}

/** Runs each measurement `repeat` times, interleaved; keeps each one's median time and highest peaks. */
export async function sideBySide<K extends string>(
	repeat: number,
	measurements: Record<K, () => Promise<Measurement>>,
): Promise<Record<K, Measurement>> {
	const keys = Object.keys(measurements) as K[];
	const runs = new Map<K, Measurement[]>(keys.map((key) => [key, []]));
	for (let i = 0; i < repeat; i++)
		for (const key of keys) runs.get(key)?.push(await measurements[key]());
	const summary = (results: Measurement[]): Measurement => ({
		...[...results].sort((a, b) => a.ms - b.ms)[(results.length - 1) >> 1],
		peakMb: Math.max(...results.map((r) => r.peakMb)),
		nodePeakMb: Math.max(...results.map((r) => r.nodePeakMb)),
		times: results.map((r) => r.ms),
	});
	return Object.fromEntries(keys.map((key) => [key, summary(runs.get(key) ?? [])])) as Record<
		K,
		Measurement
	>;
}

/** bench/raw-client.ts in its own process; with `boxes` every answer must hold that many predictions. */
export async function rawClient(
	url: string,
	dir: string,
	concurrency: number,
	boxes?: number,
): Promise<{ ms: number }> {
	const args = [
		script('raw-client.ts'),
		url,
		dir,
		String(concurrency),
		...(boxes === undefined ? [] : [String(boxes)]),
	];
	return await new Promise((resolve, reject) => {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's client with fixed arguments
		execFile(process.execPath, args, (error, stdout, stderr) =>
			error
				? reject(new Error(stderr || error.message))
				: resolve(JSON.parse(stdout) as { ms: number }),
		);
	});
}
