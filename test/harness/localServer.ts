/**
 * The local Roboflow server (tools/roboflow-server) as the jest tests use it: servers for the
 * server's own HTTP tests (`useServers`, `ask`), and what tests use to act on the server's events
 * instead of on timers: a gate that holds answers until something happens, waiting for an event.
 */
import { sleep } from 'n8n-workflow';

import type {
	CallRecord,
	FaultCall,
	RoboflowServerOptions,
	ServerEvents,
} from '../../tools/roboflow-server';
import { createRoboflowServer } from '../../tools/roboflow-server';

export type Server = ReturnType<typeof createRoboflowServer>;
/** Roboflow's ids (`inference_id`, `detection_id`, ...). */
export const UUID = /^[0-9a-f-]{36}$/;
/** An answer's JSON, read loosely: the tests assert on its shape. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A starter of servers (key `k`, `defaults` under each call's options), all stopped after the file. */
export function useServers(
	defaults: RoboflowServerOptions = {},
): (options?: RoboflowServerOptions) => Promise<Server> {
	const servers: Server[] = [];
	afterAll(async () => {
		await Promise.all(servers.map(async (s) => await s.stop()));
	});
	return async (options = {}) => {
		const server = createRoboflowServer({ apiKeys: ['k'], ...defaults, ...options });
		await server.start();
		servers.push(server);
		return server;
	};
}

export interface Ask {
	/** A Buffer or string is sent as is, FormData as multipart, anything else as JSON. */
	body?: unknown;
	headers?: Record<string, string>;
	method?: string;
}

/**
 * One request to a server (a POST when it has a body): status, JSON (empty when not JSON), the
 * bytes, the Content-Type and the Retry-After header of the answer.
 */
export async function ask(
	server: Pick<Server, 'url'>,
	path: string,
	{ body, headers = {}, method }: Ask = {},
) {
	const raw = Buffer.isBuffer(body) || typeof body === 'string' || body instanceof FormData;
	const response = await fetch(`${server.url}${path}`, {
		method: method ?? (body === undefined ? 'GET' : 'POST'),
		body:
			body === undefined ? undefined : raw ? (body as RequestInit['body']) : JSON.stringify(body),
		headers:
			raw || body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
	});
	const bytes = Buffer.from(await response.arrayBuffer());
	let json: Json = {};
	try {
		json = JSON.parse(bytes.toString('utf8')) as Json;
	} catch {
		// not JSON: json stays empty
	}
	return {
		status: response.status,
		json,
		bytes,
		type: response.headers.get('content-type'),
		retryAfter: response.headers.get('retry-after'),
	};
}

/** A promise and the function that settles it: answers held until an event opens it. */
export function gate(): { opened: Promise<void>; open: () => void } {
	let open: () => void = () => {};
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { opened, open };
}

/**
 * Resolves with the first `event` of `server` for which `test(call)` is true: a test waits on
 * what the server saw, not on a clock. Without an end it waits for the test's timeout.
 */
export async function when(
	server: Pick<Server, 'events'>,
	event: keyof ServerEvents,
	test: (call: CallRecord) => boolean = () => true,
): Promise<CallRecord> {
	return await new Promise<CallRecord>((resolve) => {
		const listener = (call: CallRecord) => {
			if (!test(call)) return;
			server.events.off(event, listener);
			resolve(call);
		};
		server.events.on(event, listener);
	});
}

/** How long a full round of `inRounds` stays held for requests beyond it to show up. */
const ROUND_GRACE_MS = 100;

/**
 * A `hold` for a fault plan that answers in rounds of `width`: every answer waits until `width`
 * requests are waiting at once (or, for the last round, all of the `total` requests still to
 * come), then, after a grace in which any request beyond the round would arrive too, the round
 * is answered last-arrived first. With `width` = the node's concurrency this shows its limit
 * whatever the machine's speed: a node that sends fewer at once never completes a round (the
 * test times out), one that sends more puts more than `width` in flight during the grace.
 */
export function inRounds(width: number, total: number): (call: FaultCall) => Promise<void> {
	let waiting: Array<() => void> = [];
	let released = 0;
	let closing = false;
	const release = () => {
		const round = waiting.reverse();
		waiting = [];
		closing = false;
		released += round.length;
		for (const answer of round) answer();
	};
	return async () =>
		await new Promise<void>((resolve) => {
			waiting.push(resolve);
			if (closing || waiting.length < Math.min(width, total - released)) return;
			closing = true;
			void sleep(ROUND_GRACE_MS).then(release);
		});
}
