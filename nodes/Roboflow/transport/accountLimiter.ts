import { createHash } from 'crypto';

import type { Clock } from './retry';
import { SharedPause, systemClock } from './retry';

/** Default in flight per account: about Serverless's 20 requests a second (docs/roboflow-api.md §5, §8). */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 20;

/** The starting window, so a burst meeting a smaller capacity draws at most this many 429s. */
const INITIAL_WINDOW = 8;

/** Past the last accepted level the window grows one per this many round trips (a 429 pauses). */
const PROBE_ROUNDS = 128;

/** The outcome of one attempt, as the limiter learns from it. */
export type SlotOutcome = 'success' | 'rateLimited' | 'other';

/** A permission to send one request; `done` must be called once it is answered (or failed). */
export interface Slot {
	done(outcome: SlotOutcome): void;
}

/**
 * One account's in-flight window in this process, shared by its runs. AIMD-like: a 429 halves it;
 * success regrows it fast up to the level last accepted, then slowly, never above the limit.
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

	/** Waits (first come, first served) for a place and the pause's end; `signal` cancels. */
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
		// Below the accepted level one more per answer (doubling per round trip), above it slowly.
		const step = this.window < this.accepted ? 1 : 1 / (PROBE_ROUNDS * Math.max(1, this.window));
		this.window = Math.min(this.limit, this.window + step);
	}

	/** `sentInFlight`: in flight when the refused request was sent, itself included. */
	private shrink(epoch: number, sentInFlight: number, probing: boolean): void {
		const below = Math.max(1, Math.min(this.limit, sentInFlight - 1));
		// Later refusals of the same overload (sent before it was seen) only lower the estimate.
		if (epoch !== this.epoch) {
			this.accepted = Math.min(this.accepted, below);
			return;
		}
		this.epoch++;
		// Refused at the accepted level (not probing): the client's count ran ahead of the server's.
		this.accepted = !probing && below >= this.accepted ? Math.max(1, this.accepted - 1) : below;
		this.window = Math.max(1, this.window / 2);
	}
}

/** Every account's window in this process, by API URL and a hash of the key (never the key). */
const windows = new Map<string, { window: AccountWindow; runs: number }>();

function accountId(apiUrl: string, apiKey: string): string {
	return `${apiUrl}\n${createHash('sha256').update(apiKey).digest('hex')}`;
}

/** A run's hold on its account's window; `release` when the run ends, whatever happened. */
export interface AccountLease {
	readonly window: AccountWindow;
	release(): void;
}

/** Joins the account's window for one run; the last run's release drops it. */
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
