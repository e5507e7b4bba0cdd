import {
	BACKOFF_CAP_MS,
	isRetryable,
	parseRetryAfter,
	RETRY_AFTER_CAP_MS,
	retryDelayMs,
	SharedPause,
} from '../../nodes/Roboflow/transport/retry';

describe('retry decisions', () => {
	test.each([429, 502, 503, 504])('retries HTTP %i', (status) => {
		expect(isRetryable({ status })).toBe(true);
	});

	test.each([400, 401, 402, 403, 404, 413, 423, 500])('never retries HTTP %i', (status) => {
		expect(isRetryable({ status })).toBe(false);
		expect(retryDelayMs({ status }, 1, 5)).toBeUndefined();
	});

	test.each(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE'])(
		'retries network failure %s',
		(networkCode) => {
			expect(isRetryable({ networkCode })).toBe(true);
		},
	);

	test('does not retry a refused connection or an unknown failure', () => {
		expect(isRetryable({ networkCode: 'ECONNREFUSED' })).toBe(false);
		expect(isRetryable({})).toBe(false);
	});

	test('stops after maxRetries', () => {
		expect(retryDelayMs({ status: 503 }, 3, 3)).toBeDefined();
		expect(retryDelayMs({ status: 503 }, 4, 3)).toBeUndefined();
		expect(retryDelayMs({ status: 503 }, 1, 0)).toBeUndefined();
	});

	test('backs off exponentially with jitter, capped', () => {
		const low = () => 0;
		const high = () => 0.999;
		expect(retryDelayMs({ status: 502 }, 1, 10, low)).toBe(250);
		expect(retryDelayMs({ status: 502 }, 1, 10, high)).toBeLessThan(500);
		expect(retryDelayMs({ status: 502 }, 3, 10, low)).toBe(1000);
		expect(retryDelayMs({ status: 502 }, 10, 10, high)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
		expect(retryDelayMs({ status: 502 }, 10, 10, low)).toBe(BACKOFF_CAP_MS / 2);
	});

	test('honours Retry-After in seconds and as an HTTP date, up to the cap', () => {
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(parseRetryAfter('2', now)).toBe(2000);
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(retryDelayMs({ status: 429, retryAfter: '1' }, 1, 3, () => 0, now)).toBe(1000);
		expect(retryDelayMs({ status: 429, retryAfter: '3600' }, 1, 3, () => 0, now)).toBe(
			RETRY_AFTER_CAP_MS,
		);
	});

	test('a shared pause holds every request until the latest deadline', () => {
		const pause = new SharedPause();
		expect(pause.remainingMs(1000)).toBe(0);
		pause.extend(500, 1000);
		pause.extend(200, 1000);
		expect(pause.remainingMs(1100)).toBe(400);
		expect(pause.remainingMs(2000)).toBe(0);
	});
});
