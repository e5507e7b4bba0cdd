/**
 * One in-flight window per Roboflow account in the n8n process, through n8n-core's real engine on
 * both runtimes: runs started together (as n8n starts executions of a burst) share the
 * credential's Max Requests in Flight and Roboflow's 429 pause, and the window adapts to a server
 * that takes fewer. Jest gives each test file its own modules, so "the process" is this file.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { inRounds } from './harness/localServer';
import {
	distinctItems,
	PRIMARY,
	run,
	scenarioTimeout,
	useLocalServer,
} from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

/** Every item of the run came back classified as its own colour, in order. */
function expectRight(outputs: INodeExecutionData[][], count: number) {
	expect(outputs[0].map((item) => [item.json.index, item.json.top, item.pairedItem])).toEqual(
		Array.from({ length: count }, (_, i) => [i, PRIMARY[i % 3], { item: i }]),
	);
}

/** Runs the node on `count` items in each of two runs started together. */
async function twoRuns(count: number, credential = credentials(), maxConcurrency = 20) {
	const items = await distinctItems(count);
	const options = { options: { maxConcurrency } };
	const runs = await Promise.all([
		run(credential, items, options),
		run(credential, items, options),
	]);
	for (const { outputs } of runs) expectRight(outputs, count);
}

test(
	"two runs at once share the credential's Max Requests in Flight, whatever each run's Max Concurrency",
	async () => {
		server.setFaults({ latencyMs: 20 });
		// Each run alone would send 5 at once; together 10 without a shared window.
		await twoRuns(15, { ...credentials(), maxRequestsInFlight: 3 }, 5);
		expect(server.stats.maxInFlight).toBe(3);
		expect(server.stats.requests).toBe(30);
	},
	scenarioTimeout(30),
);

test(
	'a server that takes 4 at a time: runs sharing the default limit (20) back off together, every item right, few 429s; the next burst starts afresh',
	async () => {
		server.setFaults({ latencyMs: 20, capacity: 4 });
		await twoRuns(60);
		const { rateLimited, requests } = server.stats;
		expect(requests).toBe(2 * 60 + rateLimited);
		// The first burst meets the capacity (the starting window of 8, 4 of them refused), then the
		// window holds under it: a probe past it costs one 429 at most every 128 round trips. Runs
		// with a window each would meet it twice.
		expect(rateLimited).toBeGreaterThan(0);
		expect(rateLimited).toBeLessThanOrEqual(8);
		// Once the burst is over nothing of it is kept: a run with Max Requests in Flight 6 sends 6
		// at once (answers wait for all 6), not the 4 or so the burst learned.
		const before = server.stats.requests;
		server.setFaults({ hold: inRounds(6, 6) });
		const { outputs } = await run(
			{ ...credentials(), maxRequestsInFlight: 6 },
			await distinctItems(6),
			{ options: { maxConcurrency: 20 } },
		);
		expectRight(outputs, 6);
		expect(server.stats.requests - before).toBe(6);
	},
	scenarioTimeout(2 * 60 + 8 + 6),
);

test(
	"runs of different accounts do not share a window: each gets its credential's limit",
	async () => {
		// Answers go out only once 4 requests wait at once: 2 of each account. A shared window of 2
		// would never fill a round; a missing one would put 10 in flight.
		server.setFaults({ hold: inRounds(4, 20) });
		const first = { ...credentials(), maxRequestsInFlight: 2 };
		// Another key of the same server: the local server accepts only one key, so the other
		// account is the same key on another address of the server (127.0.0.1 and localhost).
		const second = { ...first, apiUrl: first.apiUrl.replace('127.0.0.1', 'localhost') };
		const items = await distinctItems(10);
		const options = { options: { maxConcurrency: 5 } };
		const runs = await Promise.all([run(first, items, options), run(second, items, options)]);
		for (const { outputs } of runs) expectRight(outputs, 10);
		expect(server.stats.maxInFlight).toBe(4);
	},
	scenarioTimeout(20),
);
