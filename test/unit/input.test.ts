import { redact, RoboflowInputError } from '../../nodes/Roboflow/helpers/errors';
import { mapWithConcurrency } from '../../nodes/Roboflow/batch/pool';
import { parseImageUrl, sniffImageType } from '../../nodes/Roboflow/input/imageSource';
import { parseModelId } from '../../nodes/Roboflow/input/identifiers';
import {
	apiErrorFromNetwork,
	apiErrorFromStatus,
	networkCode,
} from '../../nodes/Roboflow/transport/errorMapping';
import { COLOURS, makeJpeg, makePng } from '../../tools/images';
import { retryDelayMs, SharedPause } from '../../nodes/Roboflow/transport/retry';

describe('parseModelId', () => {
	test('accepts project/version as Roboflow shows it', () => {
		expect(parseModelId('vehicle-classification-eapcd/2')).toEqual({
			project: 'vehicle-classification-eapcd',
			version: '2',
			id: 'vehicle-classification-eapcd/2',
		});
		expect(parseModelId('  fruit/12 ').id).toBe('fruit/12');
	});

	test.each([
		'',
		'project',
		'project/',
		'/2',
		'project/v2',
		'a/b/3',
		'../secret/1',
		'p/1?x=1',
		'p/1#x',
		'my project/1',
		'p/0',
		42,
	])('rejects %p with the expected form in the message', (value) => {
		expect(() => parseModelId(value)).toThrow(RoboflowInputError);
		expect(() => parseModelId(value)).toThrow(/project\/version/);
	});
});

describe('parseImageUrl', () => {
	test('accepts http and https', () => {
		expect(parseImageUrl('https://example.com/a.jpg')).toBe('https://example.com/a.jpg');
		expect(parseImageUrl(' http://127.0.0.1:9/x.png ')).toBe('http://127.0.0.1:9/x.png');
	});

	test.each([
		['file:///etc/passwd', /only http and https/],
		['ftp://example.com/a.jpg', /only http and https/],
		['javascript:alert(1)', /only http and https/],
		['not a url', /not a valid URL/],
		['', /empty/],
		['https://user:pass@example.com/a.jpg', /user name or password/],
	])('rejects %p', (value, message) => {
		expect(() => parseImageUrl(value)).toThrow(message);
	});
});

test('sniffImageType recognises real PNG and JPEG bytes and nothing else', () => {
	expect(sniffImageType(makePng(2, 2, COLOURS.red))).toBe('image/png');
	expect(sniffImageType(makeJpeg(2, 2, COLOURS.red))).toBe('image/jpeg');
	expect(sniffImageType(Buffer.from('%PDF-1.7'))).toBeUndefined();
	expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
});

describe('error mapping', () => {
	test.each([
		[400, /Roboflow refused the request/],
		[401, /rejected the API key/],
		[402, /out of credits/],
		[403, /has no access to this model/],
		[404, /no model with this ID/],
		[413, /too large/],
		[422, /refused a parameter/],
		[423, /paused usage/],
		[429, /rate-limited/],
		[500, /failed to process the request/],
		[501, /failed to process the request/],
		[502, /unavailable/],
		[503, /unavailable/],
		[504, /unavailable/],
		[507, /failed to process the request/],
	])('HTTP %i has a plain message and quotes the server', (status, message) => {
		const error = apiErrorFromStatus(status, { message: 'server words' });
		expect(error.message).toMatch(message);
		expect(error.description).toContain('server words');
		expect(error.httpCode).toBe(status);
	});

	test('only the retried statuses say they did not recover within the retries', () => {
		for (const status of [500, 501, 507]) {
			expect(apiErrorFromStatus(status, { message: 'Internal error.' }).description).not.toMatch(
				/retries/,
			);
			expect(apiErrorFromStatus(status, {}).description).toMatch(/not retried/);
		}
		for (const status of [502, 503, 504])
			expect(apiErrorFromStatus(status, {}).description).toMatch(/within the retries/);
	});

	// Roboflow's own texts (docs/roboflow-api.md §3.1, §5): the headline follows what Roboflow said.
	test.each([
		[
			400,
			'Could not load input image. Cause: Providing images via non https:// URL is not supported in this configuration of `inference`.',
			/refused the image URL/,
			/https:\/\//,
		],
		[
			400,
			'Could not load input image. Cause: Malformed base64 input image.',
			/could not read the image/,
			/corrupt/,
		],
		[400, 'Content-Type header not provided with request.', /content type/, /proxy/],
		[
			400,
			'Required Roboflow API key is missing. Visit https://docs.roboflow.com/api-reference/authentication#retrieve-an-api-key to learn how to retrieve one.',
			/API key is missing/,
			/Settings > API Keys/,
		],
		[400, 'Invalid Model ID sent in request.', /Model ID is invalid/, /Deploy page/],
		[
			401,
			'Unauthorized api_key. This key is not authorized for serverless inference.',
			/rejected the API key/,
			/Settings > API Keys/,
		],
		[403, 'Forbidden', /rejected the API key/, /Settings > API Keys/],
		[
			403,
			'Unauthorized access to roboflow API - check API key and make sure the key is valid for workspace you use and have required scopes.',
			/no access to this model/,
			/scope/,
		],
	])('HTTP %i "%s"', (status, text, message, hint) => {
		const error = apiErrorFromStatus(status, { message: text });
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(hint);
		expect(error.description).toContain(text.slice(0, 40));
	});

	test("the serverless gateway's {status, message} and the management API's {error: {message}} are quoted", () => {
		expect(
			apiErrorFromStatus(401, { status: 401, message: 'Unauthorized api_key' }).description,
		).toContain('Unauthorized api_key');
		expect(
			apiErrorFromStatus(401, { error: { message: 'This API key does not exist' } }).description,
		).toContain('does not exist');
	});

	test('an operation words its own 404 and 403', () => {
		const advice = {
			byStatus: {
				404: ['Roboflow found no Workflow with this ID', 'Check the Workflow ID.'] as [
					string,
					string,
				],
			},
			subject: 'this Workflow',
		};
		expect(apiErrorFromStatus(404, {}, advice).message).toBe(
			'Roboflow found no Workflow with this ID',
		);
		expect(apiErrorFromStatus(403, { message: 'no scope' }, advice).message).toBe(
			'The API key has no access to this Workflow',
		);
	});

	test('network failures name the cause without a URL', () => {
		expect(apiErrorFromNetwork('ECONNREFUSED').message).toMatch(/Could not connect/);
		expect(apiErrorFromNetwork('ECONNABORTED').description).toMatch(/Timeout/);
		expect(apiErrorFromNetwork(undefined).message).toMatch(/failed/);
	});

	// The shapes n8n's request helper throws for a dropped connection (test/harness probes, both majors).
	test('the network code is read where each n8n major puts it, never from message text', () => {
		const axios = { code: 'ECONNRESET', isAxiosError: true, cause: { code: 'ECONNRESET' } };
		const v2 = Object.assign(new Error('The connection to the server was closed'), {
			cause: axios,
			httpCode: 'ECONNRESET',
		});
		const v1 = Object.assign(new Error('The connection to the server was closed'), {
			cause: undefined,
			httpCode: 'ECONNABORTED',
		});
		expect(networkCode(v2)).toBe('ECONNRESET');
		expect(networkCode(v1)).toBe('ECONNABORTED');
		expect(networkCode({ httpCode: 'ERR_FR_TOO_MANY_REDIRECTS' })).toBe(
			'ERR_FR_TOO_MANY_REDIRECTS',
		);
		expect(networkCode({ httpCode: '404' })).toBeUndefined();
		expect(networkCode(new Error('ECONNRESET'))).toBeUndefined();
	});

	test('redact removes every copy of the key', () => {
		expect(redact('key=abcd1234&x=abcd1234', ['abcd1234'])).toBe('key=***&x=***');
		expect(redact('nothing', [''])).toBe('nothing');
	});
});

describe('mapWithConcurrency', () => {
	/** Lets `n` turns of the microtask queue pass: ordering without a clock. */
	const ticks = async (n: number) => {
		for (let k = 0; k < n; k++) await Promise.resolve();
	};

	test('keeps index order and never runs more than the limit at once', async () => {
		let running = 0;
		let peak = 0;
		const results = await mapWithConcurrency(20, 4, async (i) => {
			running++;
			peak = Math.max(peak, running);
			await ticks(20 - i); // later items finish first
			running--;
			return i * 10;
		});
		expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
		expect(peak).toBe(4);
	});

	test('starts no new work after a failure, and rejects only once running work has settled', async () => {
		const started: number[] = [];
		const finished: number[] = [];
		await expect(
			mapWithConcurrency(10, 2, async (i) => {
				started.push(i);
				if (i === 1) throw new Error('boom');
				await ticks(5);
				finished.push(i);
			}),
		).rejects.toThrow('boom');
		expect(started).toEqual([0, 1]);
		// Item 0 was in flight when item 1 failed: the rejection waited for it.
		expect(finished).toEqual([0]);
	});

	test('starts no new work after an abort', async () => {
		const controller = new AbortController();
		const seen: number[] = [];
		await mapWithConcurrency(
			10,
			1,
			async (i) => {
				seen.push(i);
				if (i === 2) controller.abort();
			},
			controller.signal,
		);
		expect(seen).toEqual([0, 1, 2]);
	});
});

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
