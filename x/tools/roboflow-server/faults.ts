/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the local test server runs in Node, never inside n8n: node:http request types, and a timer that cuts a truncated answer's connection */
/**
 * Fault injection for tests and the benchmark. A plan (`setFaults`) has:
 *
 * - `latencyMs`: a delay before answering every inference request, or a function of the
 *   request body and URL giving it.
 * - `capacity`: K, the requests in flight Roboflow's rate limit lets through; one more is
 *   answered 429 `{message: 'Rate limit exceeded'}` with `Retry-After: 1` at once.
 * - `hold(call)`: after the latency, the request waits until the returned promise settles
 *   (undefined: no wait). Tests release answers on the server's own events (`events` of the
 *   server: a request arrived, an answer went out, a connection closed) instead of on timers.
 * - `always`: a fault every inference request gets (after the key and model checks).
 * - `firstAttempt`: `[{ kind, share, ... }]`, the fault an image's FIRST request gets, picked
 *   stably by a hash of the image (so a client's retry of that image succeeds); `share`s are
 *   fractions of images (0..1, summing to at most 1). `failAttempts: n` (default 1) gives the
 *   fault to the image's first n requests ("fails twice, then succeeds" is `failAttempts: 2`).
 * - `when(call)` on an `always` or `firstAttempt` fault: the fault applies only to requests
 *   for which it returns true, `call` = `{ url, bodyBytes, body }` (e.g. target one image by
 *   its body size, or a query value). For `firstAttempt` it narrows the share pick: an image
 *   picked for the fault whose request does not match goes on normally. Attempts are counted
 *   per image over every request, matching or not.
 *
 * Inference requests are those of the model route and of the Workflows route (for a Workflow,
 * "the image" is the whole request body, so a retry of the same request is a repeat). The
 * dataset routes (uploads and annotations, dataset.ts) get the same plan: see its FAULTS.
 *
 * Fault kinds:
 * - `'429' | '502' | '503' | '504'`: that status with a Roboflow-like `{message}`, plus
 *   `Retry-After: <retryAfter>` when `retryAfter` is given (Roboflow's 503 uses 1).
 * - `'drop'`: the connection is destroyed without an answer.
 * - `'status'`: any `status` with `{message}` (default "Injected HTTP <status>") and optional `headers`.
 * - `'html'`: an HTML page with `status` (default 502), as a proxy in front would send.
 * - `'truncated'`: a 200 whose JSON body is cut off mid-way (Content-Length promises more).
 * - `'notJson'`: a 200 `application/json` whose body is not JSON.
 * - `'noPredictions'`: a 200 JSON object without `predictions`.
 * - `'huge'`: a 200 JSON body of `bytes` (default 64 MB) of whitespace.
 * - `'redirectLoop'`: a 307 to the same URL, forever.
 * - `'hang'`: never answers (the client's timeout has to end it).
 * - `'dropAfterStore'`: only on the dataset routes (dataset.ts): the upload or annotation is
 *   stored as usual, then the connection is dropped without an answer. Elsewhere ignored.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { MESSAGES } from './errors.ts';

export type FaultKind =
	| '429'
	| '502'
	| '503'
	| '504'
	| 'drop'
	| 'status'
	| 'html'
	| 'truncated'
	| 'notJson'
	| 'noPredictions'
	| 'huge'
	| 'redirectLoop'
	| 'hang'
	| 'dropAfterStore';

/** What a fault's `when` sees of a request. */
export interface FaultCall {
	url: URL;
	/** The request body's size in bytes. */
	bodyBytes: number;
	body: Buffer;
}

export interface Fault {
	/** A `FaultKind`; any other string is ignored (the request goes on normally). */
	kind: FaultKind | (string & {});
	/** For `firstAttempt` plans: the fraction of images that get this fault. */
	share?: number;
	/** For `firstAttempt` plans: how many consecutive attempts of a picked image get it (default 1). */
	failAttempts?: number;
	/** Only requests for which this returns true get the fault (default: all). */
	when?: (call: FaultCall) => boolean;
	/** Seconds, sent as `Retry-After` (429/502/503/504). */
	retryAfter?: number | string;
	/** For `status` and `html`. */
	status?: number;
	/** For `status`. */
	message?: string;
	/** For `status`. */
	headers?: Record<string, string>;
	/** For `huge`. */
	bytes?: number;
}

export interface FaultPlan {
	latencyMs?: number | ((body: Buffer, url: URL) => number);
	/**
	 * The most inference requests in flight the server takes: one arriving while this many are
	 * open gets 429 with `Retry-After: 1` at once (counted in `stats.rateLimited`).
	 */
	capacity?: number;
	hold?: (call: FaultCall) => Promise<unknown> | undefined;
	always?: Fault;
	firstAttempt?: Fault[];
}

export interface InjectedCounts {
	429: number;
	503: number;
	drop: number;
	other: number;
}

/**
 * What makes two model-route requests "the same image" (the request body, or the `image=` URL):
 * the key of `pickFault` and of the attempt count, so a test can tell which images a plan picks.
 */
export function imageIdentity(imageUrlOrBody: string | Buffer): string {
	return crypto.createHash('sha1').update(imageUrlOrBody).digest('hex');
}

/** Which injected fault (if any) an image's first attempt gets: a stable pick by content hash. */
export function pickFault(plan: Fault[] | undefined, key: string): Fault | undefined {
	if (!plan?.length) return undefined;
	const hash = crypto.createHash('sha1').update(key).digest();
	const position = hash.readUInt32BE(0) / 0x1_0000_0000;
	let edge = 0;
	for (const fault of plan) {
		edge += fault.share ?? 0;
		if (position < edge) return fault;
	}
	return undefined;
}

/**
 * The faults a request gets, in the order to try them (`applyFault` may decline an unknown
 * kind): `always` (when it matches), then the image's `firstAttempt` pick while `attempt`
 * (1 = the image's first request) is within its `failAttempts` and it matches.
 */
export function faultsFor(
	plan: FaultPlan,
	identity: string,
	attempt: number,
	call: FaultCall,
): Fault[] {
	const matches = (fault: Fault) => !fault.when || fault.when(call);
	const faults: Fault[] = [];
	if (plan.always && matches(plan.always)) faults.push(plan.always);
	const picked = pickFault(plan.firstAttempt, identity);
	if (picked && attempt <= (picked.failAttempts ?? 1) && matches(picked)) faults.push(picked);
	return faults;
}

export type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** Answers with the fault; false when the kind is unknown (the request then goes on normally). */
export function applyFault(
	fault: Fault,
	req: IncomingMessage,
	res: ServerResponse,
	injected: InjectedCounts,
	send: Send,
): boolean {
	const kind = fault.kind;
	if (kind === '429' || kind === '503' || kind === '502' || kind === '504') {
		const status = Number(kind);
		if (status === 429 || status === 503) injected[status]++;
		else injected.other++;
		const message =
			status === 429
				? 'Rate limit exceeded'
				: status === 503
					? MESSAGES.notReady
					: 'Upstream failure';
		send(
			status,
			{ message },
			fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {},
		);
		return true;
	}
	if (kind === 'drop') {
		injected.drop++;
		req.socket.destroy();
		return true;
	}
	injected.other++;
	if (kind === 'status') {
		const status = fault.status ?? 500;
		send(status, { message: fault.message ?? `Injected HTTP ${status}` }, fault.headers ?? {});
	} else if (kind === 'html') {
		send(fault.status ?? 502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
	} else if (kind === 'truncated') {
		const text = '{"inference_id":"x","predictions":[{"class":"red","confid';
		res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 400 });
		res.write(text);
		setTimeout(() => req.socket.destroy(), 20);
	} else if (kind === 'notJson') {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end('this is not json');
	} else if (kind === 'noPredictions') {
		send(200, { inference_id: 'x', time: 0.01, image: { width: 1, height: 1 } });
	} else if (kind === 'huge') {
		const chunk = Buffer.alloc(64 * 1024, 0x20);
		let left = fault.bytes ?? 64 * 1024 * 1024;
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.write('{"predictions":[');
		const pump = () => {
			while (left > 0) {
				left -= chunk.length;
				if (!res.write(chunk)) {
					res.once('drain', pump);
					return;
				}
			}
			res.end(']}');
		};
		res.on('close', () => {
			left = 0;
		});
		pump();
	} else if (kind === 'redirectLoop') {
		res.writeHead(307, { Location: req.url });
		res.end();
	} else if (kind === 'hang') {
		// Never answers; the client's timeout has to end it.
	} else {
		injected.other--;
		return false;
	}
	return true;
}
