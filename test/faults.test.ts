/**
 * Retries, timeouts, cancellation and hostile answers, through n8n-core's real execution
 * engine against the local server's fault injection.
 */
import { sleep } from 'n8n-workflow';

import { binaryDataService } from './harness/n8n';
import { API_KEY, imageItem, run, useLocalServer } from './helpers';

const { server, credentials } = useLocalServer();

async function batch(count: number) {
	const colours = ['red', 'green', 'blue'] as const;
	const items = [];
	// Distinct sizes make distinct images, so the server's per-image fault pick varies.
	for (let i = 0; i < count; i++)
		items.push(
			await imageItem(
				colours[i % 3],
				{ index: i },
				{ size: 8 + (i % 40), format: i % 2 ? 'jpeg' : 'png' },
			),
		);
	return items;
}

test('200 items with 429 (Retry-After: 1), 503 and dropped connections on first attempts: every item correct, in order', async () => {
	const items = [];
	for (let i = 0; i < 200; i++) {
		const colour = (['red', 'green', 'blue'] as const)[i % 3];
		items.push(await imageItem(colour, { index: i }, { size: 6 + i, format: 'png' }));
	}
	server.setFaults({
		firstAttempt: [
			{ kind: '429', share: 0.3, retryAfter: 1 },
			{ kind: '503', share: 0.1, retryAfter: 1 },
			{ kind: 'drop', share: 0.05 },
		],
	});
	const { outputs, error, hints } = await run(credentials(), items, {
		options: { maxConcurrency: 8 },
	});
	expect(error).toBeUndefined();
	const main = outputs[0];
	expect(main).toHaveLength(200);
	expect(main.map((i) => i.json.index)).toEqual(items.map((_, i) => i));
	expect(main.map((i) => i.json.top)).toEqual(items.map((_, i) => ['red', 'green', 'blue'][i % 3]));
	const injected = server.stats.injected;
	expect(injected[429]).toBeGreaterThan(30);
	expect(injected[503]).toBeGreaterThan(5);
	expect(injected.drop).toBeGreaterThan(2);
	const faults = injected[429] + injected[503] + injected.drop;
	// What the server saw as repeated requests is what the node reports as retries.
	expect(server.stats.repeats).toBe(faults);
	expect(hints.map((h) => h.message).join()).toContain(`${faults} Roboflow requests were retried`);
	expect(server.stats.requests).toBe(200 + faults);
});

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
	const { error } = await run(credentials(), items, {
		options: { maxRetries: 1, maxConcurrency: 2 },
	});
	expect(error?.message).toMatch(/Roboflow is unavailable right now \[item [01]\]/);
	// Two items in flight, one retry each: no new items start after the first failure.
	expect(server.stats.requests).toBeLessThanOrEqual(6);
	// The node returned only after its in-flight requests settled: nothing arrives later.
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

test('a slow server: the timeout fires, is retried, and the item says so', async () => {
	server.setFaults({ latencyMs: 400 });
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
	server.setFaults({ latencyMs: 300 });
	const items = await batch(30);
	let stoppedAt = 0;
	const result = await run(
		credentials(),
		items,
		{ options: { maxConcurrency: 3 } },
		{
			onStarted: (cancel) => {
				void sleep(450).then(() => {
					stoppedAt = Date.now();
					cancel();
				});
			},
		},
	);
	await sleep(800);
	expect(stoppedAt).toBeGreaterThan(0);
	expect(result.run.status).toBe('canceled');
	const late = server.stats.arrivals.filter((t) => t > stoppedAt + 20);
	expect(late).toEqual([]);
	expect(server.stats.requests).toBeLessThanOrEqual(6);
	expect(JSON.stringify(result)).not.toContain(API_KEY);
});

describe('the shared pause and the halt (advertised, now tested)', () => {
	test('a 429 pauses every request of the node, not only the one that got it', async () => {
		const items = await batch(6);
		const target = await imageItem('red', { index: 'target' }, { size: 61 });
		// Only the target image's first request is rate-limited, for 1 s.
		const targetBytes = (
			await (await binaryDataService()).getAsBuffer(target.binary!.data)
		).toString('base64').length;
		server.setFaults({
			firstAttempt: [
				{ kind: '429', share: 1, retryAfter: 1, when: (call) => call.bodyBytes === targetBytes },
			],
			// The target is answered at once; the others take 300 ms, so their workers ask for the
			// next item while the target's Retry-After runs.
			latencyMs: (body) => (body.length === targetBytes ? 0 : 300),
		});
		const { outputs, error } = await run(credentials(), [target, ...items], {
			options: { maxConcurrency: 3 },
		});
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(7);
		const limited = server.stats.calls.find((call) => call.status === 429);
		expect(limited).toBeDefined();
		// Whatever is sent after the 429 came back (the target's retry, the next items) waits out its
		// Retry-After: without the shared pause the next items would go at about 300 ms.
		const later = server.stats.calls.filter((call) => call.at > limited!.at + 100);
		expect(later.length).toBeGreaterThanOrEqual(5);
		for (const call of later) expect(call.at - limited!.at).toBeGreaterThanOrEqual(950);
	});

	test('an item that fails the node (no continue-on-fail) halts the rest: no new request and no pending retry starts', async () => {
		server.setFaults({ always: { kind: '503', retryAfter: 1 } });
		const items = await batch(6);
		// Item 0's model does not exist (404 at once); item 1 gets a 503 and would retry after 1 s.
		items[0].json.model = 'nope/1';
		const { error } = await run(credentials(), items, {
			modelId: '={{ $json.model ?? "colors/1" }}',
			options: { maxConcurrency: 2 },
		});
		const returned = Date.now();
		expect(error?.message).toMatch(/found no model with this ID \[item 0\]/);
		await sleep(1500);
		// Item 1's first request may or may not have left before item 0 failed; its retry never does
		// (without the halt, the node waits for item 1's three retries: 4 requests).
		expect(server.stats.requests).toBeLessThanOrEqual(2);
		expect(server.stats.arrivals.filter((t) => t > returned)).toEqual([]);
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
		server.setFaults({ latencyMs: 300 });
		const items = await batch(2);
		items[0].json.wait = 100;
		items[1].json.wait = 5000;
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
		server.setFaults({ latencyMs: 60 });
		const items = await batch(12);
		items.forEach((item, i) => (item.json.c = i === 0 ? 2 : 6));
		await run(credentials(), items, { options: { maxConcurrency: '={{ $json.c }}' } });
		expect(server.stats.maxInFlight).toBe(2);
	});
});
