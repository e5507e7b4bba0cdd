/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the local test server runs in Node, never inside n8n: node:http types, and a timer that cuts a truncated answer's connection */
/**
 * Fault injection (`server.setFaults(plan)`) for every inference and dataset route. A plan has:
 * - `latencyMs`: a delay before each answer (or a function of the body and URL giving it);
 * - `capacity`: K; a request arriving while K are in flight gets 429 with `Retry-After: 1` at
 *   once, as Roboflow's rate limit answers at its front end;
 * - `hold(call)`: each request waits for the promise it returns (tests release answers on the
 *   server's events instead of on timers);
 * - `always`: a fault every request gets, after the key and model checks;
 * - `firstAttempt`: faults given to an image's first request (its first `failAttempts`),
 *   picked stably by a hash of the image for a `share` of images, so a client's retry succeeds.
 * `when(call)` limits an `always` or `firstAttempt` fault to the requests it returns true for.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { MESSAGES } from './errors.ts';

/** What a fault's `when`, `hold` and `latencyMs` see of a request. */
export interface FaultCall {
	url: URL;
	bodyBytes: number;
	body: Buffer;
}

export interface Fault {
	/** Any other string is no fault: the request goes on. */
	kind: FaultKind | (string & {});
	/** `firstAttempt`: the fraction of images (0..1) that get this fault. */
	share?: number;
	/** `firstAttempt`: how many attempts in a row a picked image gets it (default 1). */
	failAttempts?: number;
	when?: (call: FaultCall) => boolean;
	retryAfter?: number | string;
	status?: number;
	message?: string;
	bytes?: number;
}

export interface FaultPlan {
	latencyMs?: number | ((body: Buffer, url: URL) => number);
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

export type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** A request a fault may answer. */
export interface FaultTarget extends FaultCall {
	req: IncomingMessage;
	res: ServerResponse;
	reply: Send;
}

/** Waits the plan's latency for a request. */
export async function waitLatency(plan: FaultPlan, body: Buffer, url: URL): Promise<void> {
	const delay = typeof plan.latencyMs === 'function' ? plan.latencyMs(body, url) : plan.latencyMs;
	if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
}

/** What makes two requests "the same image": the key of `pickFault` and of attempt counts. */
export const imageIdentity = (imageUrlOrBody: string | Buffer): string =>
	crypto.createHash('sha1').update(imageUrlOrBody).digest('hex');

/** The `firstAttempt` fault an image gets, if any: a stable pick by hash of its identity. */
export function pickFault(plan: Fault[] | undefined, identity: string): Fault | undefined {
	const position = crypto.createHash('sha1').update(identity).digest().readUInt32BE(0) / 2 ** 32;
	let edge = 0;
	for (const fault of plan ?? []) {
		edge += fault.share ?? 0;
		if (position < edge) return fault;
	}
	return undefined;
}

const status =
	(message: string) =>
	(fault: Fault, { reply }: FaultTarget) =>
		reply(
			Number(fault.kind),
			{ message },
			fault.retryAfter === undefined ? {} : { 'Retry-After': `${fault.retryAfter}` },
		);

/** How each kind of fault answers (Roboflow's texts for its statuses). */
const ANSWERS = {
	429: status(MESSAGES.rateLimited),
	503: status(MESSAGES.notReady),
	/** Any status, with `message`. */
	status: (fault: Fault, { reply }: FaultTarget) =>
		reply(fault.status ?? 500, {
			message: fault.message ?? `Injected HTTP ${fault.status ?? 500}`,
		}),
	/** The connection destroyed without an answer. */
	drop: (_fault: Fault, { req }: FaultTarget) => req.socket.destroy(),
	/** A proxy's page instead of JSON. */
	html: (fault: Fault, { reply }: FaultTarget) =>
		reply(fault.status ?? 502, '<html><body><h1>502 Bad Gateway</h1></body></html>'),
	truncated: (_fault: Fault, { req, res }: FaultTarget) => {
		res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 400 });
		res.write('{"inference_id":"x","predictions":[{"class":"red","confid');
		setTimeout(() => req.socket.destroy(), 20);
	},
	notJson: (_fault: Fault, { res }: FaultTarget) => {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end('this is not json');
	},
	noPredictions: (_fault: Fault, { reply }: FaultTarget) =>
		reply(200, { inference_id: 'x', time: 0.01, image: { width: 1, height: 1 } }),
	/** A 200 JSON body of `bytes` (default 64 MB). */
	huge: (fault: Fault, { res }: FaultTarget) => sendHuge(res, fault.bytes ?? 64 * 1024 * 1024),
	redirectLoop: (_fault: Fault, { req, res }: FaultTarget) => {
		res.writeHead(307, { Location: req.url });
		res.end();
	},
	/** Never answers: the client's timeout has to end it. */
	hang: () => {},
};

/** A kind of `ANSWERS`, or `dropAfterStore` (dataset routes: stored, then dropped unanswered). */
export type FaultKind = `${keyof typeof ANSWERS}` | 'dropAfterStore';

/** A 200 JSON body of `bytes` of whitespace, written as fast as the client reads. */
function sendHuge(res: ServerResponse, bytes: number): void {
	const chunk = Buffer.alloc(64 * 1024, 0x20);
	let left = bytes;
	res.writeHead(200, { 'Content-Type': 'application/json' });
	res.write('{"predictions":[');
	const pump = () => {
		for (; left > 0; left -= chunk.length)
			if (!res.write(chunk)) return void res.once('drain', pump);
		res.end(']}');
	};
	res.on('close', () => (left = 0));
	pump();
}

/**
 * Counts each image's attempts and answers the ones the plan picks. `apply` returns the kind of
 * the fault that answered, `dropAfterStore` when the route is to store and then drop, or undefined.
 */
export function faultInjector(stats: () => { injected: InjectedCounts; repeats: number }) {
	const attempts = new Map<string, number>();
	return {
		apply(plan: FaultPlan, identity: string, target: FaultTarget): FaultKind | undefined {
			const attempt = (attempts.get(identity) ?? 0) + 1;
			attempts.set(identity, attempt);
			if (attempt > 1) stats().repeats++;
			const picked = pickFault(plan.firstAttempt, identity);
			const faults = [plan.always, attempt <= (picked?.failAttempts ?? 1) ? picked : undefined];
			const fault = faults.find((each) => each && (!each.when || each.when(target)));
			const kind = fault?.kind as FaultKind | undefined;
			if (kind === 'dropAfterStore') return kind;
			if (!fault || !kind || !(kind in ANSWERS)) return undefined;
			ANSWERS[kind as keyof typeof ANSWERS](fault, target);
			stats().injected[kind === '429' || kind === '503' || kind === 'drop' ? kind : 'other']++;
			return kind;
		},
		reset: () => attempts.clear(),
	};
}
