import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import type { AccountWindow } from './accountLimiter';
import type { RoboflowCredentials } from './credentials';
import { attemptOnce } from './attempt';
import type { ErrorAdvice } from './errorMapping';
import type { SharedPause } from './retry';
import { BACKOFF_BASE_MS, retryDelayMs, systemClock } from './retry';

/** A model's JSON answer is a few KB; anything far larger is not one and is not buffered. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** Pictures come back as base64 inside the JSON: room for a large photo's annotated copy. */
export const MAX_IMAGE_RESPONSE_BYTES = 48 * 1024 * 1024;
/** Waits are sliced so a stopped execution is noticed within this time. */
const SLEEP_SLICE_MS = 200;

/** One field of a `multipart/form-data` body: a text value, or a file with its name and type. */
export type FormPart =
	| { field: string; value: string }
	| { field: string; fileName: string; contentType: string; data: Buffer };

/** What is sent: the transport knows nothing about tasks, only about this. */
export interface RoboflowRequest {
	/** Which API it goes to: the key travels differently (docs/roboflow-api.md §2, §7). */
	api: 'inference' | 'management';
	/** POST unless said otherwise (the management API's lookups are GETs). */
	method?: 'GET' | 'POST';
	/** The full URL, without the key. */
	url: string;
	/** Query parameters besides the key. */
	query: IDataObject;
	/** None when Roboflow downloads the image from a URL. */
	body?:
		| { kind: 'base64'; text: string }
		| { kind: 'json'; text: string }
		| { kind: 'text'; text: string }
		| { kind: 'multipart'; parts: FormPart[] };
	/** The route reads the key from the header or body, not the query (docs/roboflow-api.md §6.1). */

	keyInBody?: boolean;
	/** Answers larger than this are refused without being buffered. */
	maxResponseBytes: number;
	/** What the answer should have been, for messages: "a classification result". */
	expected: string;
	/** The operation's own wording for some error answers. */
	advice?: ErrorAdvice;
}

/** Sends one request as its caller's policy says and returns Roboflow's parsed JSON answer. */
export type Send = (request: RoboflowRequest) => Promise<unknown>;

/** How requests are sent: per item (timeout, retries) and per run (pause, signal, credential). */
export interface RequestPolicy {
	/** The credential's fields, read once per run: the transport puts the key where it belongs. */
	credentials: RoboflowCredentials;
	timeoutMs: number;
	maxRetries: number;
	pause: SharedPause;
	/** The account's in-flight window in this n8n process, for inference requests. */
	window?: AccountWindow;
	signal?: AbortSignal;
	onRetry: () => void;
}

/** Where requests are sent from: a run of the node, or the editor asking a picker for its list. */
export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

/** Signals that the user stopped the execution; never retried, never mapped to an item error. */
export class RequestCancelledError extends Error {
	constructor() {
		super('The execution was stopped');
		this.name = 'RequestCancelledError';
	}
}

async function pauseFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
	const clock = systemClock;
	const end = clock.now() + ms;
	for (let left = ms; left > 0; left = end - clock.now()) {
		if (signal?.aborted) throw new RequestCancelledError();
		await clock.sleep(Math.min(left, SLEEP_SLICE_MS));
	}
	if (signal?.aborted) throw new RequestCancelledError();
}

/** Sends one request, retrying temporary failures; a 429 pauses the policy's requests too. */
export async function sendRoboflowRequest(
	this: RequestContext,
	request: RoboflowRequest,
	policy: RequestPolicy,
): Promise<unknown> {
	for (let attempt = 1; ; attempt++) {
		await pauseFor(policy.pause.remainingMs(), policy.signal);
		const slot = await policy.window?.acquire(policy.signal, () => new RequestCancelledError());
		const result = await attemptOnce.call(this, request, policy).catch((error: unknown) => {
			slot?.done('other');
			throw error;
		});
		if (result.ok) {
			slot?.done('success');
			return result.body;
		}
		if (result.cancelled) {
			slot?.done('other');
			throw new RequestCancelledError();
		}
		const delay = retryDelayMs(result, attempt, policy.maxRetries);
		// Paused before the slot is given back, so no waiting request slips in first.
		if (result.status === 429)
			policy.pause.extend(delay ?? retryDelayMs(result, 1, 1) ?? BACKOFF_BASE_MS);
		slot?.done(result.status === 429 ? 'rateLimited' : 'other');
		if (delay === undefined) throw result.error;
		policy.onRetry();
		await pauseFor(delay, policy.signal);
	}
}
