/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling runs in Node, never inside n8n: child processes and a kill timer */
/** Stopping the processes the tests start (n8n, its workers, Redis, PostgreSQL). */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`; resolves once it exited. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(force);
}
