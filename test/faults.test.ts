/**
 * Retries, timeouts, cancellation and hostile answers, through n8n-core's real execution engine
 * against the local server's fault injection. Tests run in virtual time (a Retry-After costs no
 * real second); answers are held and released on the server's own events, and times are read on
 * the server's event log, in virtual milliseconds.
 */
import type { Fault } from '../tools/roboflow-server';
import { imageIdentity, pickFault } from '../tools/roboflow-server';
import { gate, inRounds, when } from './harness/localServer';
import { runsFinished, storeBinary } from './harness/n8n';
import {
	bodyBytes,
	distinctItems,
	imageBytes,
	PRIMARY,
	run,
	scenarioTimeout,
	useLocalServer,
} from './harness/roboflowNode';
import { passTime } from './harness/virtualTime';

const { server, credentials } = useLocalServer();

/** Far past any wait the node may keep for later (it caps Retry-After at a minute). */
const LATER_MS = 10 * 60_000;

/**
 * The 200-item scenario, planned before it runs: the server picks an image's fault by a hash of
 * the body the node sends (its base64 text), so which images get which fault is known here.
 */
const big = (() => {
	const plan: Fault[] = [
		{ kind: '429', share: 0.3, retryAfter: 1 },
		{ kind: '503', share: 0.1, retryAfter: 1 },
		{ kind: 'drop', share: 0.05 },
	];
	const images = Array.from({ length: 200 }, (_, i) =>
		imageBytes(PRIMARY[i % 3], { size: 8, seed: i + 1 }),
	);
	const planned = { 429: 0, 503: 0, drop: 0 };
	for (const image of images) {
		const kind = pickFault(plan, imageIdentity(image.toString('base64')))?.kind;
		if (kind === '429' || kind === '503' || kind === 'drop')
			planned[kind as keyof typeof planned]++;
	}
	const faults = planned[429] + planned[503] + planned.drop;
	return { plan, images, planned, faults };
})();

test(
	'200 items with 429 (Retry-After: 1), 503 and dropped connections on first attempts: every item correct, in order',
	async () => {
		// The plan is a real mix: many 429s, several 503s and drops.
		expect(big.planned[429]).toBeGreaterThan(30);
		expect(big.planned[503]).toBeGreaterThan(5);
		expect(big.planned.drop).toBeGreaterThan(2);
		const items = [];
		for (const [index, image] of big.images.entries())
			items.push({
				json: { index },
				binary: await storeBinary(image, 'image/png', `${index}.png`),
			});
		server.setFaults({ firstAttempt: big.plan });
		const { outputs, error, hints } = await run(credentials(), items, {
			options: { maxConcurrency: 8 },
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((i) => [i.json.index, i.json.top])).toEqual(
			items.map((_, i) => [i, PRIMARY[i % 3]]),
		);
		// Exactly the planned faults were injected, once each: every retry succeeded.
		expect(server.stats.injected).toEqual({ ...big.planned, other: 0 });
		// What the server saw as repeated requests is what the node reports as retries.
		expect(server.stats.repeats).toBe(big.faults);
		expect(server.stats.requests).toBe(200 + big.faults);
		expect(hints.map((h) => h.message).join()).toContain(
			`${big.faults} Roboflow requests were retried`,
		);
	},
	scenarioTimeout(200 + big.faults),
);

test('a server that never recovers: with continue-on-fail every item ends with a clear error, nothing lost', async () => {
	server.setFaults({ always: { kind: '503', retryAfter: 0 } });
	const { outputs } = await run(
		credentials(),
		await distinctItems(6),
		{ options: { maxRetries: 2 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(outputs[0].map((item) => [item.json.error, item.pairedItem])).toEqual(
		[0, 1, 2, 3, 4, 5].map((i) => [`Roboflow is unavailable right now [item ${i}]`, { item: i }]),
	);
	expect(server.stats.requests).toBe(6 * 3);
});

test('never retries 4xx answers', async () => {
	server.setFaults({ always: { kind: 'status', status: 404 } });
	await run(
		credentials(),
		await distinctItems(3),
		{ options: { maxRetries: 5 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(server.stats.requests).toBe(3);
});

test('a server that never answers: the timeout fires, is retried, and the item says so', async () => {
	server.setFaults({ always: { kind: 'hang' } });
	const { outputs } = await run(
		credentials(),
		await distinctItems(2),
		{ options: { timeout: 10_000, maxRetries: 1 } },
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
		{ kind: 'huge', bytes: 8 * 1024 * 1024 },
		/too large to be a classification/,
	],
	['a redirect loop', { kind: 'redirectLoop' }, /redirected too many times/],
])('%s becomes a per-item error, other items unaffected', async (_name, fault, message) => {
	// Only the first item's request gets the fault.
	const items = await distinctItems(3);
	const first = await bodyBytes(items[0]);
	server.setFaults({ always: { ...fault, when: (call) => call.bodyBytes === first } });
	const { outputs } = await run(
		credentials(),
		items,
		{ options: { maxRetries: 0 } },
		{ onError: 'continueRegularOutput' },
	);
	expect(outputs[0][0].json.error).toMatch(message);
	expect(outputs[0].slice(1).map((i) => i.json.top)).toEqual(['green', 'blue']);
});

test('stopping the execution aborts in-flight requests and starts no new ones', async () => {
	// No answer ever comes, and the request timeout is far away: only the stop can end them.
	server.setFaults({ hold: async () => await new Promise<never>(() => {}) });
	let stop = () => {};
	let stoppedAt = 0;
	// Stopped once both requests of Max Concurrency 2 have arrived.
	void when(server, 'request', () => server.stats.requests === 2).then(() => {
		stoppedAt = Date.now();
		stop();
	});
	const closedAt: number[] = [];
	server.events.on('close', () => closedAt.push(Date.now()));
	const result = await run(
		credentials(),
		await distinctItems(30),
		{ options: { maxConcurrency: 2, timeout: LATER_MS } },
		{ onStarted: (cancel) => (stop = cancel) },
	);
	expect(result.run.status).toBe('canceled');
	await runsFinished();
	await passTime(LATER_MS);
	// The client cut both connections at the stop, long before their timeout.
	expect(closedAt).toEqual([stoppedAt, stoppedAt]);
	expect(server.stats.calls.map((call) => call.status)).toEqual([undefined, undefined]);
});

describe('the shared pause and the halt', () => {
	test('a 429 pauses every request of the node, not only the one that got it', async () => {
		const items = await distinctItems(7);
		const [target, ...others] = await Promise.all(items.map(bodyBytes));
		// Only the target's first request is rate-limited (Retry-After: 1 s), and answered at once.
		// The two sent with it are answered 300 ms after the 429, so everything sent after them is
		// sent after the node read the 429.
		const limited = when(server, 'answer', (call) => call.status === 429);
		const othersFirst = gate();
		void limited.then(async () => await passTime(300)).then(othersFirst.open);
		server.setFaults({
			firstAttempt: [
				{ kind: '429', share: 1, retryAfter: 1, when: (call) => call.bodyBytes === target },
			],
			hold: (call) => (call.bodyBytes === target ? undefined : othersFirst.opened),
		});
		const { outputs, error } = await run(credentials(), items, { options: { maxConcurrency: 3 } });
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(7);
		const rateLimited = await limited;
		// Sent after the 429: the target's retry and items 3 to 6, each after the Retry-After (server
		// clock, from the 429's arrival); without the shared pause items 3 and 4 come at 300 ms.
		const sentAfter = server.stats.calls.filter(
			(call) => call !== rateLimited && !others.slice(0, 2).includes(call.bodyBytes),
		);
		expect(sentAfter.map((call) => call.bodyBytes).sort()).toEqual(
			[target, ...others.slice(2)].sort(),
		);
		for (const call of sentAfter) expect(call.at - rateLimited.at).toBeGreaterThanOrEqual(1000);
	});

	test('an item that fails the node (no continue-on-fail) halts the rest: the node waits for the request in flight, then no retry and no new request starts', async () => {
		const items = await distinctItems(6);
		// Item 0's model does not exist (404); item 1 gets a 503 and would retry after 1 s. Item 0
		// is answered once item 1's request arrived, and item 1 500 ms after that: in flight when
		// item 0 fails the node, with a retry pending once answered.
		items[0].json.model = 'nope/1';
		const secondArrived = when(server, 'request', (call) => call.model !== 'nope/1');
		const failedAt = when(server, 'answer', (call) => call.status === 404).then(() => Date.now());
		server.setFaults({
			always: { kind: '503', retryAfter: 1 },
			hold: async (call) =>
				call.url.pathname === '/nope/1'
					? await secondArrived
					: await failedAt.then(async () => await passTime(500)),
		});
		const { error } = await run(credentials(), items, {
			modelId: '={{ $json.model ?? "colors/1" }}',
			options: { maxConcurrency: 2 },
		});
		expect(error?.message).toMatch(/found no model with this ID \[item 0\]/);
		expect(Date.now() - (await failedAt)).toBeGreaterThanOrEqual(500);
		// Without the halt the node sends item 1's three retries (5 requests) before failing.
		expect(server.stats.calls.map((call) => call.status).sort()).toEqual([404, 503]);
		await passTime(LATER_MS);
		expect(server.stats.requests).toBe(2);
	});
});

describe('options read per item or per run', () => {
	test('Max Retries is read per item', async () => {
		server.setFaults({ always: { kind: '503', retryAfter: 0 } });
		const items = await distinctItems(2);
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
		const items = await distinctItems(2);
		items[0].json.wait = 5_000;
		items[1].json.wait = LATER_MS;
		const first = await bodyBytes(items[0]);
		// Item 0 is never answered; item 1 is answered a second after item 0's client gave up.
		const firstGaveUp = when(server, 'close', (call) => call.bodyBytes === first);
		const waited = firstGaveUp.then((call) => Date.now() - call.at);
		server.setFaults({
			hold: async (call) =>
				call.bodyBytes === first
					? await new Promise<never>(() => {})
					: await firstGaveUp.then(async () => await passTime(1000)),
		});
		const { outputs } = await run(
			credentials(),
			items,
			{ options: { timeout: '={{ $json.wait }}', maxRetries: 0 } },
			{ onError: 'continueRegularOutput' },
		);
		expect(outputs[0][0].json.error).toBe('Roboflow did not answer in time [item 0]');
		expect(await waited).toBe(5_000);
		expect(outputs[0][1].json.top).toBe('green');
	});

	test('Max Concurrency is read once per run, from the first item', async () => {
		const items = await distinctItems(12);
		items.forEach((item, i) => (item.json.c = i === 0 ? 2 : 6));
		server.setFaults({ hold: inRounds(2, 12) });
		await run(credentials(), items, { options: { maxConcurrency: '={{ $json.c }}' } });
		expect(server.stats.maxInFlight).toBe(2);
	});
});
