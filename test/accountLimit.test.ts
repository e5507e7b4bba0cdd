/**
 * One in-flight window per Roboflow account in the n8n process, through n8n-core's real engine on
 * both runtimes: runs started together (as n8n starts executions of a burst) share the
 * credential's Max Requests in Flight and Roboflow's 429 pause, and the window adapts to a server
 * that takes fewer. Jest gives each test file its own modules, so "the process" is this file.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { leaseAccountWindow } from '../nodes/Roboflow/transport/accountLimiter';
import { inRounds } from './harness/localServer';
import type { Colour } from './harness/roboflowNode';
import { imageItem, run, scenarioTimeout, useLocalServer } from './harness/roboflowNode';

/**
 * Whether the runs gave their account window back: a window still held keeps the lower limit
 * the runs set, while a fresh one starts at 8 for a limit of 20.
 */
function windowWasReleased(): boolean {
	const lease = leaseAccountWindow(credentials().apiUrl, credentials().apiKey, 20);
	lease.release();
	return lease.window.state.window === 8;
}

const { server, credentials } = useLocalServer();
const COLOURS: Colour[] = ['red', 'green', 'blue'];

/** `count` items of distinct images (sizes differ), each saying which run and colour it is. */
async function items(runId: string, count: number, offset = 0): Promise<INodeExecutionData[]> {
	const list = [];
	for (let i = 0; i < count; i++) {
		const colour = COLOURS[i % 3];
		list.push(await imageItem(colour, { run: runId, index: i }, { size: 8 + offset + i }));
	}
	return list;
}

/** Every item of the run came back classified as its own colour, in order. */
function expectRight(outputs: INodeExecutionData[][], runId: string, count: number) {
	expect(outputs[0]).toHaveLength(count);
	outputs[0].forEach((item, i) => {
		expect(item.json).toMatchObject({ run: runId, index: i, top: COLOURS[i % 3] });
		expect(item.pairedItem).toEqual({ item: i });
	});
}

test(
	"two runs at once share the credential's Max Requests in Flight, whatever each run's Max Concurrency",
	async () => {
		server.setFaults({ latencyMs: 20 });
		const limited = { ...credentials(), maxRequestsInFlight: 3 };
		const [a, b] = [await items('a', 15), await items('b', 15, 20)];
		const options = { options: { maxConcurrency: 5 } };
		const [runA, runB] = await Promise.all([run(limited, a, options), run(limited, b, options)]);
		expectRight(runA.outputs, 'a', 15);
		expectRight(runB.outputs, 'b', 15);
		// Each run alone would send 5 at once; together 10 without a shared window.
		expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
		expect(server.stats.requests).toBe(30);
		expect(windowWasReleased()).toBe(true);
	},
	scenarioTimeout({ pausesMs: 0, requests: 30 }),
);

test(
	'a server that takes 4 at a time: runs sharing the default limit (20) back off together, every item right, few 429s',
	async () => {
		server.setFaults({ latencyMs: 20, capacity: 4 });
		const count = 60;
		const [a, b] = [await items('a', count), await items('b', count, count)];
		const options = { options: { maxConcurrency: 20 } };
		const [runA, runB] = await Promise.all([
			run(credentials(), a, options),
			run(credentials(), b, options),
		]);
		expectRight(runA.outputs, 'a', count);
		expectRight(runB.outputs, 'b', count);
		const { rateLimited, maxInFlight, requests } = server.stats;
		expect(requests).toBe(2 * count + rateLimited);
		// Never above the credential's limit; without a shared window 40 would be sent at once.
		expect(maxInFlight).toBeLessThanOrEqual(20);
		// The first burst meets the capacity (at most the starting window of 8 minus 4 refused), then
		// the window holds under it: each probe past it costs one 429 at most every 128 round trips.
		expect(rateLimited).toBeGreaterThan(0);
		expect(rateLimited).toBeLessThanOrEqual(8);
		expect(windowWasReleased()).toBe(true);
	},
	// Each overload pauses the account for Retry-After (1 s): at most one per refused request.
	scenarioTimeout({ pausesMs: 8 * 1100, requests: 128 }),
);

test(
	"runs of different accounts do not share a window: each gets its credential's limit",
	async () => {
		// Answers go out only once 4 requests wait at once: 2 of each account. A shared window of 2
		// would never fill a round (the test times out); a missing one would put 10 in flight.
		server.setFaults({ hold: inRounds(4, 20) });
		const first = { ...credentials(), maxRequestsInFlight: 2 };
		// Another key of the same server: the local server accepts only one key, so the other
		// account is the same key on another address of the server (127.0.0.1 and localhost).
		const second = {
			...credentials(),
			apiUrl: credentials().apiUrl.replace('127.0.0.1', 'localhost'),
			maxRequestsInFlight: 2,
		};
		const [a, b] = [await items('a', 10), await items('b', 10, 20)];
		const options = { options: { maxConcurrency: 5 } };
		const [runA, runB] = await Promise.all([run(first, a, options), run(second, b, options)]);
		expectRight(runA.outputs, 'a', 10);
		expectRight(runB.outputs, 'b', 10);
		expect(server.stats.maxInFlight).toBe(4);
	},
	scenarioTimeout({ pausesMs: 0, requests: 20 }),
);
