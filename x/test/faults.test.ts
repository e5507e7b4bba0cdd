/**
 * Retries, timeouts, cancellation and hostile answers, through n8n-core's real execution
 * engine against the local server's fault injection.
 *
 * Nothing here passes or fails on the machine's speed: answers are held and released on the
 * server's own events (a request arrived, an answer went out, a connection closed), time is
 * compared on the server's event log, and the long scenario's timeout is derived from the pauses
 * its fault plan injects. Only "nothing arrives later" checks wait, and waiting cannot fail them.
 */
import { sleep } from 'n8n-workflow';

import type { Fault } from '../tools/roboflow-server';
import { imageIdentity, pickFault } from '../tools/roboflow-server';
import { retryDelayMs } from '../nodes/Roboflow/transport/retry';
import { gate, inRounds, when } from './harness/localServer';
import { runsFinished, storeBinary } from './harness/n8n';
import {
	API_KEY,
	bodyBytes,
	imageBytes,
	imageItem,
	run,
	scenarioTimeout,
	useLocalServer,
} from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

const PRIMARY = ['red', 'green', 'blue'] as const;

/**
 * `count` items of distinct images (red, green, blue...), each PNG larger than the one before:
 * the server's per-image fault pick varies, and a test tells the images apart by body size.
 */
async function batch(count: number) {
	const items = [];
	for (let i = 0; i < count; i++)
		items.push(await imageItem(PRIMARY[i % 3], { index: i }, { size: 8 + i }));
	return items;
}

/** The longest the node waits before retrying after `outcome` (its own retry code, maximal jitter). */
const longestRetryWait = (outcome: {
	status?: number;
	retryAfter?: string;
	networkCode?: string;
}) => retryDelayMs(outcome, 1, 1, () => 1) ?? 0;

/**
 * The 200-item scenario, planned before it runs: the server picks an image's fault by a hash of
 * the body the node sends (its base64 text), so which images get which fault is known here, and
 * with it the most the scenario can wait.
 */
const big = (() => {
	const plan: Fault[] = [
		{ kind: '429', share: 0.3, retryAfter: 1 },
		{ kind: '503', share: 0.1, retryAfter: 1 },
		{ kind: 'drop', share: 0.05 },
	];
	const images = Array.from({ length: 200 }, (_, i) => imageBytes(PRIMARY[i % 3], { size: 6 + i }));
	const planned = { 429: 0, 503: 0, drop: 0 };
	for (const image of images) {
		const kind = pickFault(plan, imageIdentity(image.toString('base64')))?.kind;
		if (kind === '429' || kind === '503' || kind === 'drop')
			planned[kind as keyof typeof planned]++;
	}
	const faults = planned[429] + planned[503] + planned.drop;
	// Every 429 pauses the whole node; assume no two pauses overlap: the longest it can take.
	const pausesMs =
		planned[429] * longestRetryWait({ status: 429, retryAfter: '1' }) +
		planned[503] * longestRetryWait({ status: 503, retryAfter: '1' }) +
		planned.drop * longestRetryWait({ networkCode: 'ECONNRESET' });
	return {
		plan,
		images,
		planned,
		faults,
		timeout: scenarioTimeout({ pausesMs, requests: images.length + faults }),
	};
})();

test(
	'200 items with 429 (Retry-After: 1), 503 and dropped connections on first attempts: every item correct, in order',
	async () => {
		// The plan is a real mix: many 429s, several 503s and drops.
		expect(big.planned[429]).toBeGreaterThan(30);
		expect(big.planned[503]).toBeGreaterThan(5);
		expect(big.planned.drop).toBeGreaterThan(2);
		const items = [];
		for (const [i, image] of big.images.entries())
			items.push({
				json: { colour: PRIMARY[i % 3], index: i },
				binary: await storeBinary(image, 'image/png', `${PRIMARY[i % 3]}.png`),
			});
		server.setFaults({ firstAttempt: big.plan });
		const { outputs, error, hints } = await run(credentials(), items, {
			options: { maxConcurrency: 8 },
		});
		expect(error).toBeUndefined();
		const main = outputs[0];
		expect(main).toHaveLength(200);
		expect(main.map((i) => i.json.index)).toEqual(items.map((_, i) => i));
		expect(main.map((i) => i.json.top)).toEqual(items.map((_, i) => PRIMARY[i % 3]));
		// Exactly the planned faults were injected, once each: every retry succeeded.
		expect(server.stats.injected).toEqual({ ...big.planned, other: 0 });
		// What the server saw as repeated requests is what the node reports as retries.
		expect(server.stats.repeats).toBe(big.faults);
		expect(hints.map((h) => h.message).join()).toContain(
			`${big.faults} Roboflow requests were retried`,
		);
		expect(server.stats.requests).toBe(200 + big.faults);
	},
	big.timeout,
);

test('a server that never recovers: with continue-on-fail every item ends with a clear error, nothing lost', async () => {
	server.setFaults({ always: { kind: '503', retryAfter: 0 } });
	const items = await batch(6);
	const { outputs } = await run(
		credentials(),
		items,
		{ options: { maxRetries: 2 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(outputs[0]).toHaveLength(6);
	outputs[0].forEach((item, i) => {
		expect(item.json.error).toBe(`Roboflow is unavailable right now [item ${i}]`);
		expect(item.pairedItem).toEqual({ item: i });
	});
	expect(server.stats.requests).toBe(6 * 3);
});

test('a server that never recovers: without continue-on-fail the run fails fast', async () => {
	server.setFaults({ always: { kind: '503', retryAfter: 0 } });
	const items = await batch(40);
	const sizes = await Promise.all(items.map(bodyBytes));
	const firstTwo = sizes.slice(0, 2);
	// Items 0 and 1 can be told from the rest by their size.
	expect(sizes.slice(2).filter((size) => firstTwo.includes(size))).toEqual([]);
	const { error } = await run(credentials(), items, {
		options: { maxRetries: 1, maxConcurrency: 2 },
	});
	expect(error?.message).toMatch(/Roboflow is unavailable right now \[item [01]\]/);
	// Two items in flight, at most one retry each: no other item starts after the first failure.
	expect(server.stats.calls.filter((call) => !firstTwo.includes(call.bodyBytes))).toEqual([]);
	expect(server.stats.requests).toBeLessThanOrEqual(4);
	// The node returned only after its in-flight requests settled: nothing arrives later (a
	// leftover retry would come within its Retry-After of 0 s plus jitter).
	const seen = server.stats.requests;
	await sleep(1000);
	expect(server.stats.requests).toBe(seen);
});

test('never retries 4xx answers', async () => {
	server.setFaults({ always: { kind: 'status', status: 404 } });
	await run(
		credentials(),
		await batch(3),
		{ options: { maxRetries: 5 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(server.stats.requests).toBe(3);
});

test('a server that never answers: the timeout fires, is retried, and the item says so', async () => {
	server.setFaults({ always: { kind: 'hang' } });
	const { outputs } = await run(
		credentials(),
		await batch(2),
		{ options: { timeout: 100, maxRetries: 1 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(outputs[0].map((i) => i.json.error)).toEqual([
		'Roboflow did not answer in time [item 0]',
		'Roboflow did not answer in time [item 1]',
	]);
	expect(server.stats.requests).toBe(4);
});

test.each([
	['a truncated body', { kind: 'truncated' }, /connection to Roboflow was dropped|did not answer/],
	[
		'an enormous body',
		{ kind: 'huge', bytes: 64 * 1024 * 1024 },
		/too large to be a classification result/,
	],
	['a redirect loop', { kind: 'redirectLoop' }, /redirected too many times/],
])('%s becomes a per-item error, other items unaffected', async (_name, fault, message) => {
	const items = await batch(3);
	server.setFaults({ always: fault });
	const { outputs } = await run(
		credentials(),
		items.slice(0, 1),
		{ options: { maxRetries: 0 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(outputs[0][0].json.error).toMatch(message);
	server.setFaults({});
	const ok = await run(credentials(), items.slice(1));
	expect(ok.outputs[0].map((i) => i.json.top)).toEqual(['green', 'blue']);
});

test('stopping the execution aborts in-flight requests and starts no new ones', async () => {
	const items = await batch(30);
	// No answer ever comes.
	server.setFaults({ hold: async () => await new Promise<never>(() => {}) });
	let stop = () => {};
	// Stopped once both requests of Max Concurrency 2 have arrived.
	void when(server, 'request', () => server.stats.requests === 2).then(() => stop());
	let closed = 0;
	const bothClosed = when(server, 'close', () => ++closed === 2);
	const result = await run(
		credentials(),
		items,
		// A request timeout longer than the test: only the stop can end them.
		{ options: { maxConcurrency: 2, timeout: 600_000 } },
		{ onStarted: (cancel) => (stop = cancel) },
	);
	expect(result.run.status).toBe('canceled');
	// The node returned with both requests unanswered, and the client cut both connections;
	// without the abort the node would wait for answers that never come (the test times out).
	await runsFinished();
	await bothClosed;
	expect(server.stats.requests).toBe(2);
	expect(server.stats.calls.map((call) => call.status)).toEqual([undefined, undefined]);
	expect(JSON.stringify(result)).not.toContain(API_KEY);
});

describe('the shared pause and the halt (advertised, now tested)', () => {
	test('a 429 pauses every request of the node, not only the one that got it', async () => {
		const target = await imageItem('red', { index: 'target' }, { size: 61 });
		const items = await batch(6);
		const [targetBytes, ...sizes] = await Promise.all([target, ...items].map(bodyBytes));
		// Each image can be told from the others by its size.
		expect(new Set([targetBytes, ...sizes]).size).toBe(7);
		// Only the target's first request is rate-limited (Retry-After: 1 s), and answered at once.
		// The other workers' first answers (items 0 and 1) are held until the 429 has been out for
		// 300 ms, so everything they send next is sent after the node read the 429.
		const othersFirst = gate();
		const limited = when(server, 'answer', (call) => call.status === 429);
		void limited.then(async () => await sleep(300)).then(othersFirst.open);
		server.setFaults({
			firstAttempt: [
				{ kind: '429', share: 1, retryAfter: 1, when: (call) => call.bodyBytes === targetBytes },
			],
			hold: (call) => (call.bodyBytes === targetBytes ? undefined : othersFirst.opened),
		});
		const { outputs, error } = await run(credentials(), [target, ...items], {
			options: { maxConcurrency: 3 },
		});
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(7);
		const rateLimited = await limited;
		// Sent after the 429 came back: the target's retry and items 2 to 5. Each waited out the
		// Retry-After (server clock, from the 429's arrival); without the shared pause items 2 and
		// 3 would come about 300 ms after it.
		const heldFirst = [sizes[0], sizes[1]];
		const sentAfter = server.stats.calls.filter(
			(call) => call !== rateLimited && !heldFirst.includes(call.bodyBytes),
		);
		expect(sentAfter.map((call) => call.bodyBytes).sort()).toEqual(
			[targetBytes, ...sizes.slice(2)].sort(),
		);
		for (const call of sentAfter) expect(call.at - rateLimited.at).toBeGreaterThanOrEqual(1000);
	});

	test('an item that fails the node (no continue-on-fail) halts the rest: no new request and no pending retry starts', async () => {
		const items = await batch(6);
		// Item 0's model does not exist (404); item 1 gets a 503 and would retry after 1 s. Item 0's
		// answer is held until item 1's 503 has gone out, so item 1's retry is pending when item 0
		// fails the node.
		items[0].json.model = 'nope/1';
		const retryPending = when(server, 'answer', (call) => call.status === 503);
		server.setFaults({
			always: { kind: '503', retryAfter: 1 },
			hold: (call) => (call.url.pathname === '/nope/1' ? retryPending : undefined),
		});
		const { error } = await run(credentials(), items, {
			modelId: '={{ $json.model ?? "colors/1" }}',
			options: { maxConcurrency: 2 },
		});
		expect(error?.message).toMatch(/found no model with this ID \[item 0\]/);
		// Without the halt the node waits for item 1's three retries (5 requests) before failing.
		expect(server.stats.requests).toBe(2);
		// Nothing arrives later either (item 1's retry was due within 1.1 s).
		await sleep(longestRetryWait({ status: 503, retryAfter: '1' }) + 400);
		expect(server.stats.requests).toBe(2);
	});
});

describe('options read per item or per run', () => {
	test('Max Retries is read per item', async () => {
		server.setFaults({ always: { kind: '503', retryAfter: 0 } });
		const items = await batch(2);
		items[0].json.retries = 0;
		items[1].json.retries = 2;
		const { outputs } = await run(
			credentials(),
			items,
			{ options: { maxRetries: '={{ $json.retries }}' } },
			{ onError: 'continueRegularOutput' },
		);
		expect(outputs[0].map((i) => i.json.error)).toEqual([
			'Roboflow is unavailable right now [item 0]',
			'Roboflow is unavailable right now [item 1]',
		]);
		expect(server.stats.requests).toBe(1 + 3);
	});

	test('Timeout is read per item', async () => {
		const items = await batch(2);
		// Item 0 gives up after 100 ms; item 1 would wait longer than this test runs.
		items[0].json.wait = 100;
		items[1].json.wait = 600_000;
		const [first] = await Promise.all(items.map(bodyBytes));
		// Item 0 is never answered; item 1 is answered once the server saw item 0's client give up.
		const firstGaveUp = when(server, 'close', (call) => call.bodyBytes === first);
		server.setFaults({
			hold: async (call) =>
				call.bodyBytes === first ? await new Promise<never>(() => {}) : await firstGaveUp,
		});
		const { outputs } = await run(
			credentials(),
			items,
			{ options: { timeout: '={{ $json.wait }}', maxRetries: 0 } },
			{ onError: 'continueRegularOutput' },
		);
		expect(outputs[0][0].json.error).toBe('Roboflow did not answer in time [item 0]');
		expect(outputs[0][1].json.top).toBe('green');
	});

	test('Max Concurrency is read once per run, from the first item', async () => {
		const items = await batch(12);
		items.forEach((item, i) => (item.json.c = i === 0 ? 2 : 6));
		server.setFaults({ hold: inRounds(2, 12) });
		await run(credentials(), items, { options: { maxConcurrency: '={{ $json.c }}' } });
		expect(server.stats.maxInFlight).toBe(2);
	});
});
