/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling runs in Node, never inside n8n: child processes, ports and timers */
/** The processes the tooling starts (n8n, its workers, Redis, PostgreSQL): spawn, wait for, stop. */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

export interface Started {
	child: ChildProcess;
	/** The last 4,000 characters of its output, for error messages. */
	tail(): string;
	/** Whether its output has shown `readyLine` yet. */
	ready(): boolean;
}

/** Spawns `command`, keeping a tail of its stdout and stderr (and echoing them to ours with `echo`). */
export function startProcess(
	command: string,
	args: string[],
	{
		echo = false,
		readyLine,
		...options
	}: SpawnOptions & { echo?: boolean; readyLine?: RegExp } = {},
): Started {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- the tooling's own fixed commands, never user input
	const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
	let tail = '';
	let ready = false;
	for (const stream of [child.stdout, child.stderr]) {
		stream?.on('data', (chunk: Buffer) => {
			tail = (tail + chunk.toString('utf8')).slice(-4000);
			ready ||= readyLine?.test(tail) ?? false;
			if (echo) process.stderr.write(chunk);
		});
	}
	return { child, tail: () => tail, ready: () => ready };
}

/**
 * Calls `check` until it gives a value (not undefined). Fails after `timeoutMs`, or at once when
 * `started` exits, with its output: a start-up that hangs or crashes says why.
 */
export async function until<T>(
	what: string,
	check: () => Promise<T | undefined>,
	{ timeoutMs, started }: { timeoutMs: number; started?: Started },
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	const running = () => !started || (started.child.exitCode ?? started.child.signalCode) === null;
	while (Date.now() < deadline && running()) {
		const value = await check().catch(() => undefined);
		if (value !== undefined) return value;
		await sleep(250);
	}
	const output = started ? `:\n${started.tail()}` : '';
	throw new Error(
		`${what}: ${running() ? `not within ${timeoutMs / 1000} s` : 'it exited'}${output}`,
	);
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`; resolves once it exited. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(force);
}
