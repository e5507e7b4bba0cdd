/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: node:http types */
/**
 * What every inference request goes through before its route's own work: it is recorded and
 * counted (stats and events), its body read, refused at once when over `capacity`, then held
 * for the plan's latency and `hold`. Answers go out through `send`, which counts statuses.
 */
import type { EventEmitter } from 'node:events';
import type http from 'node:http';

import type { AuthStyle, Keys, KeyPlace, KeySource } from './auth.ts';
import { checkKey, findKey, gatewayCheck } from './auth.ts';
import type { Json } from './body.ts';
import { peekJson } from './body.ts';
import { answerOf, MESSAGES } from './errors.ts';
import type { FaultPlan, FaultTarget, InjectedCounts, faultInjector } from './faults.ts';
import { waitLatency } from './faults.ts';
import type { UrlRules } from './input.ts';
import { readBody } from './input.ts';
import type { SinkDelivery } from './workflows.ts';

/** One inference request as the server saw it. */
export interface CallRecord {
	/** Date.now() at arrival. */
	at: number;
	method: string;
	route:
		| 'model'
		| 'workflow'
		| 'describe'
		| 'clip'
		| 'yolo_world'
		| 'sam3'
		| 'doctr'
		| 'easy_ocr'
		| 'lmm';
	/** `project/version` for the model route, `workflows/{id}` for Workflows, else the path. */
	model: string;
	/** The Workflow's id, on Workflow routes. */
	workflow?: string;
	/** Every query parameter as sent (the last of a repeated one). */
	query: Record<string, string>;
	bodyBytes: number;
	/** Where the route found the key it used (its own order, docs/roboflow-api.md §2). */
	keySource: KeySource;
	/** Every place the request carried a key. */
	keyPlaces: KeyPlace[];
	/** The status answered; undefined for dropped or hanging requests. */
	status?: number;
}

/** Inference requests as they happen: arrived (before the body is read), answered, closed. */
export interface ServerEvents {
	request: [CallRecord];
	answer: [CallRecord];
	close: [CallRecord];
}

export interface SinkRecord extends SinkDelivery {
	at: number;
	workflow: string;
	version: string;
}

/** One management API request (`GET /`, `GET /{workspace}...`). */
export interface ManagementCallRecord {
	at: number;
	/** The path, without the query (which holds the key). */
	path: string;
	keySource: KeySource;
	keyPlaces: KeyPlace[];
	status: number;
}

export interface ServerStats {
	/** Inference requests (every route but the management and dataset ones). */
	requests: number;
	inFlight: number;
	maxInFlight: number;
	/** Every answer's status, counted. */
	statuses: Record<number, number>;
	injected: InjectedCounts;
	/** Requests for an image already seen: a client's retries. */
	repeats: number;
	/** Content-Type headers of model-route requests without `image=`. */
	contentTypes: Record<string, number>;
	calls: CallRecord[];
	managementCalls: ManagementCallRecord[];
	/** Requests answered 429 because `capacity` were in flight. */
	rateLimited: number;
	sinks: SinkRecord[];
}

export const newStats = (): ServerStats => ({
	requests: 0,
	inFlight: 0,
	maxInFlight: 0,
	statuses: {},
	injected: { 429: 0, 503: 0, drop: 0, other: 0 },
	repeats: 0,
	contentTypes: {},
	calls: [],
	managementCalls: [],
	rateLimited: 0,
	sinks: [],
});

/** What the routes share of a server. */
export interface ServerContext {
	style: AuthStyle;
	keys: Keys;
	rules: UrlRules;
	headerOnly: boolean;
	stats: () => ServerStats;
	plan: () => FaultPlan;
	injector: ReturnType<typeof faultInjector>;
	events: EventEmitter<ServerEvents>;
}

/** Sends a JSON (or, for a string, HTML) answer and counts its status. */
export function send(
	context: ServerContext,
	res: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const stats = context.stats();
	stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
	const html = typeof body === 'string';
	const bytes = Buffer.from(html ? body : JSON.stringify(body));
	const type = html ? 'text/html; charset=utf-8' : 'application/json';
	res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, ...headers });
	res.end(bytes);
}

/** An inference request past its common steps: its record, body, and the answer that ends it. */
export interface InferenceCall extends FaultTarget {
	call: CallRecord;
	/** Answers (a JSON body) and records the status. */
	reply: (status: number, body: unknown, headers?: Record<string, string>) => void;
}

/**
 * Records and counts the request, reads its body, answers 429 over `capacity` (undefined is
 * returned then), and waits the plan's latency and `hold`.
 */
export async function beginCall(
	context: ServerContext,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
	route: Pick<CallRecord, 'route' | 'model' | 'workflow'>,
): Promise<InferenceCall | undefined> {
	const stats = context.stats();
	const call: CallRecord = {
		at: Date.now(),
		method: req.method ?? 'POST',
		route: route.route,
		model: route.model,
		...(route.workflow ? { workflow: route.workflow } : {}),
		query: Object.fromEntries(url.searchParams),
		bodyBytes: 0,
		keySource: 'none',
		keyPlaces: [],
	};
	stats.requests++;
	stats.inFlight++;
	stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
	stats.calls.push(call);
	res.on('finish', () => context.events.emit('answer', call));
	res.on('close', () => {
		stats.inFlight--;
		context.events.emit('close', call);
	});
	context.events.emit('request', call);
	const { capacity } = context.plan();
	const overCapacity = capacity !== undefined && stats.inFlight > capacity;
	const body = await readBody(req);
	const bytes = (call.bodyBytes = body.length);
	const reply: InferenceCall['reply'] = (status, answer, headers) => {
		call.status = status;
		send(context, res, status, answer, headers);
	};
	if (overCapacity) {
		stats.rateLimited++;
		reply(429, { message: MESSAGES.rateLimited }, { 'Retry-After': '1' });
		return undefined;
	}
	await waitLatency(context.plan(), body, url);
	await context.plan().hold?.({ url, bodyBytes: bytes, body });
	return { req, res, url, call, body, bodyBytes: bytes, reply };
}

/**
 * What every inference route checks first: on serverless the gateway's key check (401).
 * Returns the body's JSON object, if it is one.
 */
export function screen(context: ServerContext, call: InferenceCall): Json | undefined {
	const json = peekJson(call.req.headers['content-type'], call.body);
	if (context.style === 'serverless') gatewayCheck(context.keys, call.req, call.url, json);
	return json;
}

/** The route's own key check, reading the key in its `order` and recording where it came from. */
export function routeKey(
	context: ServerContext,
	call: InferenceCall,
	order: readonly KeyPlace[],
	json: Json | undefined,
	modelId?: string,
): void {
	const found = findKey(call.req, call.url, json, order, context.style);
	Object.assign(call.call, { keySource: found.source, keyPlaces: found.places });
	checkKey(context.style, context.keys, found.key, modelId);
}

/** Runs a route's work, answering its errors. */
export async function answering(
	call: Pick<InferenceCall, 'reply'>,
	work: () => Promise<void> | void,
): Promise<void> {
	try {
		await work();
	} catch (error) {
		const { status, body, headers } = answerOf(error);
		call.reply(status, body, headers);
	}
}
