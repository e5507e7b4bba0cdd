/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the harness watches Node's own event loop, never inside n8n */
/**
 * Virtual time for the node tests. Jest's fake timers (setTimeout, setInterval, Date) are the
 * clock of the node, of n8n's engine and request helpers, and of the local server; a driver moves
 * that clock to the next timer only when the process is idle. A Retry-After of 1 s then costs no
 * real second, and events happen in the order a real clock gives them on any machine: time never
 * moves while a request, an answer or a file read is on its way.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as realDelay } from 'node:timers/promises';

/**
 * What the event loop keeps open while it waits: sockets and servers, real timers (a socket's idle
 * timeout) and the pipe to jest. Anything else (a file read, a lookup, a connect, a close, an
 * immediate) is work under way.
 */
const WAITING = new Set(['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TTYWrap', 'PipeWrap']);

/** Loop turns in a row without an event or work under way before the process counts as idle. */
const IDLE_TURNS = 3;

const ioEvents = () => performance.nodeTiming.uvMetricsInfo.events;

/**
 * Resolves once the event loop has turned `IDLE_TURNS` times in a row without an I/O event and
 * without work under way. Bytes written on the loopback are readable at the next turn and count
 * as an event there, so nothing is left on its way. Only the driver calls it: two such loops would
 * see each other's immediates as work.
 */
async function quiet(): Promise<void> {
	for (let calm = 0; calm < IDLE_TURNS; ) {
		const before = ioEvents();
		await nextTurn();
		const idle =
			ioEvents() === before &&
			process.getActiveResourcesInfo().every((resource) => WAITING.has(resource));
		calm = idle ? calm + 1 : 0;
		// Let the loop block on the work under way (a file read) rather than spin.
		if (!idle) await realDelay(1);
	}
}

let driving = false;
let driver = Promise.resolve();
/** A timer callback's error: it fails the test at its end, and virtual time goes on meanwhile. */
let timerError: unknown;
/** Who waits for the process to be idle (`passTime`). */
let idleWaiters: Array<() => void> = [];

async function drive(): Promise<void> {
	while (driving) {
		// Only those who asked before this check began: what they wait for has happened by then.
		const waiting = idleWaiters;
		idleWaiters = [];
		await quiet();
		for (const wake of waiting) wake();
		if (!driving) return;
		if (jest.getTimerCount() === 0) {
			await realDelay(5);
			continue;
		}
		try {
			await jest.advanceTimersToNextTimerAsync();
			// Timers due at the same instant fire together, as on a real clock.
			await jest.advanceTimersByTimeAsync(0);
		} catch (error) {
			timerError ??= error;
		}
	}
}

/** Replaces the clock with jest's fake timers and starts moving it whenever the process is idle. */
export function startVirtualTime(): void {
	jest.useFakeTimers({
		doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'performance'],
	});
	driving = true;
	driver = drive();
}

export async function stopVirtualTime(): Promise<void> {
	driving = false;
	await driver;
	jest.useRealTimers();
	const error = timerError;
	timerError = undefined;
	if (error) throw error;
}

/**
 * Lets `ms` of virtual time pass, then waits until the process is idle: whatever the node would
 * do within that time (a retry it kept for later) has reached the local server.
 */
export async function passTime(ms: number): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, ms));
	await new Promise<void>((resolve) => idleWaiters.push(resolve));
}
