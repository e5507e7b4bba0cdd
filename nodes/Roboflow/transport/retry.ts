import { sleep } from 'n8n-workflow';

/** Time as the transport sees it; the tests hand in their own to run pauses in virtual time. */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

/** Statuses Roboflow documents as temporary: rate limit, upstream failure, model still loading. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Network failures worth another try: the connection dropped or the answer took too long. */
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** The longest `Retry-After` the node waits; a longer one would stall the whole batch. */
const RETRY_AFTER_CAP_MS = 60_000;
/** Spread added to a `Retry-After`, so requests told "1 s" together do not land together. */
const RETRY_AFTER_SPREAD_MS = 100;

export interface AttemptOutcome {
	status?: number;
	networkCode?: string;
	retryAfter?: string;
}

function isRetryable({ status, networkCode }: AttemptOutcome): boolean {
	if (status !== undefined) return RETRYABLE_STATUSES.has(status);
	return networkCode !== undefined && RETRYABLE_NETWORK_CODES.has(networkCode);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(header: string | undefined, now: number): number | undefined {
	if (header === undefined) return undefined;
	const text = header.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/** The wait before retry `attempt` (from 1), or none: capped `Retry-After`, else jittered backoff. */
export function retryDelayMs(
	outcome: AttemptOutcome,
	attempt: number,
	maxRetries: number,
	random: () => number = Math.random,
	now = Date.now(),
): number | undefined {
	if (attempt > maxRetries || !isRetryable(outcome)) return undefined;
	const retryAfter = parseRetryAfter(outcome.retryAfter, now);
	if (retryAfter !== undefined) {
		return Math.min(retryAfter, RETRY_AFTER_CAP_MS) + Math.floor(random() * RETRY_AFTER_SPREAD_MS);
	}
	const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
	return Math.floor(step / 2 + random() * (step / 2));
}

/** One pause shared by a run's or account's requests: when one is rate-limited, all hold back. */
export class SharedPause {
	private until = 0;

	constructor(private readonly clock: Clock = systemClock) {}

	extend(delayMs: number): void {
		this.until = Math.max(this.until, this.clock.now() + delayMs);
	}

	remainingMs(): number {
		return Math.max(0, this.until - this.clock.now());
	}
}
