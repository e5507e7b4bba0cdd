import { retryDelayMs, SharedPause } from '../../nodes/Roboflow/transport/retry';

const lowest = () => 0;
const highest = () => 0.9999;

describe('retry decisions', () => {
	test.each([429, 502, 503, 504])('retries HTTP %i', (status) => {
		expect(retryDelayMs({ status }, 1, 3)).toBeGreaterThan(0);
	});

	test.each([400, 401, 402, 403, 404, 413, 422, 423, 500, 501])(
		'never retries HTTP %i',
		(status) => {
			expect(retryDelayMs({ status }, 1, 5)).toBeUndefined();
		},
	);

	test.each(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE'])(
		'retries network failure %s',
		(networkCode) => {
			expect(retryDelayMs({ networkCode }, 1, 3)).toBeGreaterThan(0);
		},
	);

	test('does not retry a refused connection or an unknown failure', () => {
		expect(retryDelayMs({ networkCode: 'ECONNREFUSED' }, 1, 3)).toBeUndefined();
		expect(retryDelayMs({}, 1, 3)).toBeUndefined();
	});

	test('stops after maxRetries', () => {
		expect(retryDelayMs({ status: 503 }, 3, 3)).toBeGreaterThan(0);
		expect(retryDelayMs({ status: 503 }, 4, 3)).toBeUndefined();
		expect(retryDelayMs({ status: 503 }, 1, 0)).toBeUndefined();
	});

	test.each([
		[1, 250, 500],
		[2, 500, 1000],
		[3, 1000, 2000],
		// Capped at 8 s.
		[10, 4000, 8000],
	])(
		'attempt %i backs off with equal jitter: from %i up to (not including) %i ms',
		(attempt, low, high) => {
			expect(retryDelayMs({ status: 502 }, attempt, 10, lowest)).toBe(low);
			expect(retryDelayMs({ status: 502 }, attempt, 10, highest)).toBe(high - 1);
		},
	);

	test('honours Retry-After in seconds and as an HTTP date, up to the cap, spread a little', () => {
		const now = Date.parse('2026-01-01T00:00:00Z');
		const after = (retryAfter: string, random = lowest) =>
			retryDelayMs({ status: 429, retryAfter }, 1, 3, random, now);
		expect(after('2')).toBe(2000);
		// Spread over 100 ms, so requests told "2 s" together do not come back together.
		expect(after('2', highest)).toBe(2099);
		expect(after('Thu, 01 Jan 2026 00:00:05 GMT')).toBe(5000);
		// Capped at 60 s: a longer wait would stall the whole batch.
		expect(after('3600')).toBe(60_000);
		// Unreadable: the backoff applies.
		expect(after('soon')).toBe(250);
	});
});

test('a shared pause holds until the latest deadline asked for', () => {
	let now = 1000;
	const pause = new SharedPause({ now: () => now, sleep: async () => {} });
	expect(pause.remainingMs()).toBe(0);
	pause.extend(500);
	pause.extend(200);
	now = 1100;
	expect(pause.remainingMs()).toBe(400);
	now = 2000;
	expect(pause.remainingMs()).toBe(0);
});
