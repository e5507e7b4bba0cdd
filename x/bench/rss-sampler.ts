/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark's memory sampler runs in Node, never inside n8n */
/**
 * The benchmark's memory sampler: reads a process's resident memory (VmRSS) and its high-water
 * mark (VmHWM) from /proc every `interval` ms until the process is gone, one line per sample.
 * It runs in its own process, so that the benchmark's own work (the local server answering in
 * the same event loop) does not delay or thin out the samples.
 *
 *   node bench/rss-sampler.ts <pid> <out file> [interval ms, default 10]   writes "<Date.now()> <VmRSS kB> <VmHWM kB>" lines
 */
import fs from 'node:fs';

const [pid, outFile, interval = '10'] = process.argv.slice(2);
const out = fs.openSync(outFile, 'w');

const sample = (): boolean => {
	let status: string;
	try {
		status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return false;
	}
	const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
	const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
	// A process that has exited but not been reaped yet has no memory lines: nothing to add.
	if (rss !== undefined && hwm !== undefined) fs.writeSync(out, `${Date.now()} ${rss} ${hwm}\n`);
	return true;
};

const timer = setInterval(() => {
	if (!sample()) {
		clearInterval(timer);
		fs.closeSync(out);
	}
}, Number(interval));
