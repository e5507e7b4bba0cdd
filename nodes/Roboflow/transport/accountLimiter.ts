import { createHash } from 'crypto';

import type { Clock } from './retry';
import { SharedPause, systemClock } from './retry';

/**
 * How many requests one n8n process keeps in flight per Roboflow account when the credential
 * does not say. Roboflow's Serverless API allows about 20 requests per second
 * (docs/roboflow-api.md §5, §8); a request there takes in the order of a second, so 20 in flight
 * stays near that rate, and the limiter backs off below it by itself when Roboflow answers 429.
 */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 20;

/**
 * The window an account starts with (the credential's limit when lower): a burst of executions
 * that meets a smaller capacity draws at most this many 429s before the window knows better.
 * While requests wait for it, it doubles on every round trip until a 429 or the limit.
 */
const INITIAL_WINDOW = 8;

/**
 * Above the last level Roboflow accepted, the window grows by one request per this many round
 * trips: a probe past the known capacity costs a 429 and a pause of the whole account (Retry-After),
 * so it is rare. Below that level it regrows within a round trip or two.
 */
const PROBE_ROUNDS = 128;

/** The outcome of one attempt, as the limiter learns from it. */
export type SlotOutcome = 'success' | 'rateLimited' | 'other';

/** A permission to send one request; `done` must be called once it is answered (or failed). */
export interface Slot {
	done(outcome: SlotOutcome): void;
}

/**
 * The in-flight window of one account (API URL and key) in this n8n process, shared by every run
 * that uses it. AIMD-like: a 429 halves the window and the account pauses for its Retry-After
 * (the pause is the caller's to extend); success regrows it fast up to the level Roboflow last
 * accepted, then slowly past it; never above the credential's limit.
 */
export class AccountWindow {
	/** Requests allowed in flight; fractional so that slow growth can accumulate. */
	private window: number;
	/** Below this the window regrows fast; a 429 sets it just under the load that drew it. */
	private accepted: number;
	/** Counts decreases: a 429 of a request sent before the last one is the same overload. */
	private epoch = 0;
	private inFlight = 0;
	/** Requests waiting for a place; `grant` gets the requests in flight with it included. */
	private readonly waiters: Array<{ grant: (inFlight: number) => void }> = [];
	private drainScheduled = false;
	readonly pause: SharedPause;

	constructor(
		private limit: number,
		private readonly clock: Clock = systemClock,
	) {
		this.window = Math.min(limit, INITIAL_WINDOW);
		this.accepted = limit;
		this.pause = new SharedPause(clock);
	}

	/** The credential's limit; a change applies at once (the window shrinks to it if above). */
	setLimit(limit: number): void {
		this.limit = limit;
		this.accepted = Math.min(this.accepted, limit);
		this.window = Math.min(this.window, limit);
	}

	/** What the window holds now (diagnostics). */
	get state(): { window: number; inFlight: number; waiting: number; limit: number } {
		return {
			window: Math.floor(this.window),
			inFlight: this.inFlight,
			waiting: this.waiters.length,
			limit: this.limit,
		};
	}

	/**
	 * Waits for a place in the window (first come, first served) and for the account's pause to
	 * end. Rejects with `cancelled()` when `signal` aborts while waiting.
	 */
	async acquire(signal: AbortSignal | undefined, cancelled: () => Error): Promise<Slot> {
		if (signal?.aborted) throw cancelled();
		const sentInFlight = await new Promise<number>((resolve, reject) => {
			const waiter = {
				grant: (inFlight: number) => {
					signal?.removeEventListener('abort', onAbort);
					resolve(inFlight);
				},
			};
			const onAbort = () => {
				const index = this.waiters.indexOf(waiter);
				if (index >= 0) this.waiters.splice(index, 1);
				reject(cancelled());
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.waiters.push(waiter);
			this.drain();
		});
		const epoch = this.epoch;
		const probing = Math.floor(this.window) > this.accepted;
		let finished = false;
		return {
			done: (outcome) => {
				if (finished) return;
				finished = true;
				// Growth only while the window is what holds requests back: a run that never fills
				// it learns nothing about Roboflow's capacity.
				const limiting = this.waiters.length > 0 || this.inFlight >= Math.floor(this.window);
				this.inFlight--;
				if (outcome === 'success' && limiting) this.grow();
				else if (outcome === 'rateLimited') this.shrink(epoch, sentInFlight, probing);
				this.drain();
			},
		};
	}

	/** Lets waiters in while the window has room and the account is not paused. */
	private drain(): void {
		const pausedMs = this.pause.remainingMs();
		if (pausedMs > 0) {
			if (this.waiters.length && !this.drainScheduled) {
				this.drainScheduled = true;
				void this.clock.sleep(pausedMs).then(() => {
					this.drainScheduled = false;
					this.drain();
				});
			}
			return;
		}
		while (this.waiters.length && this.inFlight < Math.max(1, Math.floor(this.window))) {
			this.inFlight++;
			this.waiters.shift()?.grant(this.inFlight);
		}
	}

	private grow(): void {
		// Below the accepted level: one more per answer, i.e. doubling per round trip. Above it:
		// one more per PROBE_ROUNDS round trips.
		const step = this.window < this.accepted ? 1 : 1 / (PROBE_ROUNDS * Math.max(1, this.window));
		this.window = Math.min(this.limit, this.window + step);
	}

	/**
	 * `sentInFlight`: requests in flight when the refused one was sent, itself included;
	 * `probing`: the window was then above the accepted level.
	 */
	private shrink(epoch: number, sentInFlight: number, probing: boolean): void {
		const below = Math.max(1, Math.min(this.limit, sentInFlight - 1));
		// Later refusals of the same overload (sent before it was seen) only lower the estimate.
		if (epoch !== this.epoch) {
			this.accepted = Math.min(this.accepted, below);
			return;
		}
		this.epoch++;
		// Refused at the level taken as accepted, not while probing past it: the count at the client
		// ran ahead of the server's (answers not yet read), so the level itself is one too many.
		this.accepted = !probing && below >= this.accepted ? Math.max(1, this.accepted - 1) : below;
		this.window = Math.max(1, this.window / 2);
	}
}

/** Every account's window in this process, by API URL and a hash of the key (never the key). */
const windows = new Map<string, { window: AccountWindow; runs: number }>();

/** The map key of an account: the key is hashed, so no copy of it is kept in the clear here. */
function accountId(apiUrl: string, apiKey: string): string {
	return `${apiUrl}\n${createHash('sha256').update(apiKey).digest('hex')}`;
}

/** A run's hold on its account's window; `release` when the run ends, whatever happened. */
export interface AccountLease {
	readonly window: AccountWindow;
	release(): void;
}

/**
 * Joins the account's window for one run, creating it for the first run. The window is dropped
 * when the last run releases it, so nothing stays in memory between bursts of executions.
 */
export function leaseAccountWindow(
	apiUrl: string,
	apiKey: string,
	maxInFlight: number,
): AccountLease {
	const id = accountId(apiUrl, apiKey);
	const limit = Math.max(1, Math.floor(maxInFlight));
	let entry = windows.get(id);
	if (entry) entry.window.setLimit(limit);
	else {
		entry = { window: new AccountWindow(limit), runs: 0 };
		windows.set(id, entry);
	}
	entry.runs++;
	const held = entry;
	let released = false;
	return {
		window: held.window,
		release: () => {
			if (released) return;
			released = true;
			held.runs--;
			if (held.runs === 0 && windows.get(id) === held) windows.delete(id);
		},
	};
}
