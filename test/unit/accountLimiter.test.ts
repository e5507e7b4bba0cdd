/**
 * The account window on its own (transport/accountLimiter.ts): how it grows, shrinks and pauses,
 * and that a process keeps nothing once its runs have ended. What it does to real runs of the
 * node is in test/accountLimit.test.ts.
 */
import { sleep } from 'n8n-workflow';

import type { Slot } from '../../nodes/Roboflow/transport/accountLimiter';
import { AccountWindow, leaseAccountWindow } from '../../nodes/Roboflow/transport/accountLimiter';

const cancelled = () => new Error('cancelled');
/** Lets granted requests' continuations run. */
const settle = async () => await sleep(0);

/** A clock that moves only when the test says so; its sleeps end when it passes their end. */
function manualClock() {
	let now = 0;
	const sleepers: Array<{ until: number; wake: () => void }> = [];
	return {
		now: () => now,
		sleep: async (ms: number) =>
			await new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
		async advance(ms: number) {
			now += ms;
			for (const sleeper of sleepers.filter(({ until }) => until <= now)) {
				sleepers.splice(sleepers.indexOf(sleeper), 1);
				sleeper.wake();
			}
			await settle();
		},
	};
}

/** Asks for `count` slots; returns those granted so far (after the microtasks settle) and all. */
async function ask(window: AccountWindow, count: number, signal?: AbortSignal) {
	const granted: Slot[] = [];
	const pending = Array.from({ length: count }, async () => {
		const slot = await window.acquire(signal, cancelled);
		granted.push(slot);
		return slot;
	});
	await settle();
	return { granted, pending };
}

/** Answers every granted slot with `outcome` until `window` reaches `target` (or gives up). */
async function answerUntil(window: AccountWindow, target: number, granted: Slot[]) {
	for (let i = 0; i < 1000 && window.state.window < target; i++) {
		const slot = granted.shift();
		if (!slot) break;
		slot.done('success');
		await settle();
	}
}

test('starts at 8 in flight (or the limit when lower) and doubles per round trip while requests wait, never above the limit', async () => {
	expect(new AccountWindow(3).state.window).toBe(3);
	const window = new AccountWindow(30);
	const { granted } = await ask(window, 400);
	expect(window.state).toMatchObject({ window: 8, inFlight: 8, waiting: 392 });
	// One round trip: each of the 8 answers lets two more go.
	for (const slot of granted.splice(0, 8)) slot.done('success');
	await settle();
	expect(window.state).toMatchObject({ window: 16, inFlight: 16 });
	await answerUntil(window, 30, granted);
	expect(window.state).toMatchObject({ window: 30, inFlight: 30 });
	// More answers do not take it past the limit.
	for (const slot of granted.splice(0, 60)) slot.done('success');
	await settle();
	expect(window.state).toMatchObject({ window: 30, inFlight: 30 });
});

test('a window nobody fills does not grow', async () => {
	const window = new AccountWindow(30);
	for (let i = 0; i < 50; i++) {
		const { pending } = await ask(window, 1);
		(await pending[0]).done('success');
	}
	expect(window.state.window).toBe(8);
});

test('a 429 halves the window; other 429s of the same overload do not halve it again', async () => {
	const window = new AccountWindow(16);
	const { granted } = await ask(window, 200);
	await answerUntil(window, 16, granted);
	expect(window.state.window).toBe(16);
	const [first, second] = [granted.shift()!, granted.shift()!];
	first.done('rateLimited');
	expect(window.state.window).toBe(8);
	second.done('rateLimited');
	expect(window.state.window).toBe(8);
});

test('after a 429 it regrows fast to just under the load that drew it, then slowly', async () => {
	const window = new AccountWindow(20);
	const { granted } = await ask(window, 2000);
	await answerUntil(window, 10, granted);
	// Sent with 10 in flight, refused: 9 is what Roboflow took.
	const refused = granted.pop()!;
	expect(window.state.inFlight).toBe(10);
	refused.done('rateLimited');
	expect(window.state.window).toBe(5);
	await answerUntil(window, 9, granted);
	expect(window.state.window).toBe(9);
	// Past it: one more only after many round trips' worth of answers.
	let answers = 0;
	while (window.state.window === 9 && granted.length) {
		granted.shift()!.done('success');
		answers++;
		await settle();
	}
	expect(answers).toBeGreaterThan(9 * 100);
});

test('refused again at the level it took as accepted: that level is one too many', async () => {
	const window = new AccountWindow(20);
	const { granted } = await ask(window, 2000);
	await answerUntil(window, 12, granted);
	granted.pop()!.done('rateLimited');
	await answerUntil(window, 11, granted);
	expect(window.state).toMatchObject({ window: 11, inFlight: 11 });
	// Refused at 11 in flight although 11 was taken as accepted (not a probe): down to 10.
	granted.pop()!.done('rateLimited');
	await answerUntil(window, 10, granted);
	expect(window.state.window).toBe(10);
	// And it stays there: past it only by a slow probe.
	for (let i = 0; i < 100; i++) {
		granted.shift()!.done('success');
		await settle();
	}
	expect(window.state.window).toBe(10);
});

test('the pause after a 429 holds every waiting request until it ends', async () => {
	const clock = manualClock();
	const window = new AccountWindow(4, clock);
	const { granted, pending } = await ask(window, 6);
	expect(granted).toHaveLength(4);
	window.pause.extend(300);
	// The last of the four is refused (sent with 4 in flight); the others are answered.
	granted[3].done('rateLimited');
	for (const slot of granted.slice(0, 3)) slot.done('success');
	await clock.advance(299);
	expect(granted).toHaveLength(4);
	await clock.advance(1);
	await Promise.all(pending);
	expect(granted).toHaveLength(6);
});

test('a stopped execution leaves the queue: its request is refused, the others keep their turn', async () => {
	const window = new AccountWindow(1);
	const first = await ask(window, 1);
	const stop = new AbortController();
	const stopped = ask(window, 1, stop.signal);
	const other = await ask(window, 1);
	stop.abort();
	await expect((await stopped).pending[0]).rejects.toThrow('cancelled');
	first.granted[0].done('success');
	await Promise.all(other.pending);
	expect(window.state).toMatchObject({ inFlight: 1, waiting: 0 });
});

test('runs of one account share one window; it is gone once the last run ends', () => {
	const a = leaseAccountWindow('https://serverless.roboflow.com', 'key-1', 20);
	const b = leaseAccountWindow('https://serverless.roboflow.com', 'key-1', 20);
	const other = leaseAccountWindow('https://serverless.roboflow.com', 'key-2', 20);
	const elsewhere = leaseAccountWindow('http://localhost:9001', 'key-1', 20);
	expect(a.window).toBe(b.window);
	expect(other.window).not.toBe(a.window);
	expect(elsewhere.window).not.toBe(a.window);
	// Releasing twice counts once: b's run still holds the window.
	a.release();
	a.release();
	const c = leaseAccountWindow('https://serverless.roboflow.com', 'key-1', 20);
	expect(c.window).toBe(b.window);
	for (const lease of [b, c, other, elsewhere]) lease.release();
	const later = leaseAccountWindow('https://serverless.roboflow.com', 'key-1', 20);
	expect(later.window).not.toBe(a.window);
	later.release();
});

test('the credential limit of the latest run applies at once', () => {
	const a = leaseAccountWindow('u', 'k', 20);
	const b = leaseAccountWindow('u', 'k', 1);
	expect(a.window.state).toMatchObject({ limit: 1, window: 1 });
	a.release();
	b.release();
});
