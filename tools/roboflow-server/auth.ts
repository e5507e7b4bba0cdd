/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: the request type of node:http */
/**
 * API keys: where each route reads one (docs/roboflow-api.md §2; roboflow/inference
 * `inference/core/interfaces/http/api_key_resolution.py`) and how each deployment refuses one.
 */
import type { IncomingMessage } from 'node:http';

import { HttpError, MESSAGES } from './errors.ts';

/**
 * `legacy`: the Hosted API (Legacy) v1 hosts; `inference`: an Inference server (self-hosted,
 * dedicated); `serverless`: the Serverless Cloud API, whose gateway checks keys first.
 */
export type AuthStyle = 'legacy' | 'inference' | 'serverless';
export type KeyPlace = 'query' | 'header' | 'body';
export type KeySource = KeyPlace | 'none';

/**
 * Where each kind of route looks for the key, in order. The model route and the foundation
 * routes use `api_key_fallback` (query, then Bearer; foundation routes then their body field);
 * Workflow routes use `api_key_override` (Bearer, then body: never the query); the management
 * API documents only the query parameter.
 */
export const KEY_ORDER = {
	model: ['query', 'header'],
	foundation: ['query', 'header', 'body'],
	workflow: ['header', 'body'],
	management: ['query'],
} as const satisfies Record<string, readonly KeyPlace[]>;

export interface KeyFound {
	key?: string;
	/** Where the route found the key it uses. */
	source: KeySource;
	/** Every place the request carried a key, whether the route reads it there or not. */
	places: KeyPlace[];
}

/** The `Authorization: Bearer <key>` header's key (Inference splits at the first space). */
const bearer = (req: IncomingMessage): string | undefined => {
	const [scheme, ...rest] = (req.headers.authorization ?? '').split(' ');
	const token = rest.join(' ').trim();
	return scheme.toLowerCase() === 'bearer' && token ? token : undefined;
};

/**
 * The key a route reads, in `order`; `json` is the request's JSON body. The v1 hosts predate
 * the header, so `legacy` never reads it.
 */
export function findKey(
	req: IncomingMessage,
	url: URL,
	json: Record<string, unknown> | undefined,
	order: readonly KeyPlace[],
	style: AuthStyle,
): KeyFound {
	const query = url.searchParams.getAll('api_key');
	const sent: Record<KeyPlace, string | undefined> = {
		query: query.length ? query[query.length - 1] : undefined,
		header: bearer(req),
		body: typeof json?.api_key === 'string' ? json.api_key : undefined,
	};
	const places = (['query', 'header', 'body'] as const).filter(
		(place) => sent[place] !== undefined,
	);
	const readable = order.filter((place) => style !== 'legacy' || place !== 'header');
	const source = readable.find((place) => sent[place] !== undefined) ?? 'none';
	return { key: source === 'none' ? undefined : sent[source], source, places };
}

type Refusal = readonly [status: number, body: Record<string, unknown>];

/** How each deployment refuses a key: none sent, unknown, or without access to the resource. */
const REFUSALS: Record<'legacy' | 'inference' | 'gateway', Record<string, Refusal>> = {
	legacy: {
		missing: [401, { message: 'Unauthorized api_key' }],
		unknown: [403, { message: 'Forbidden' }],
		noAccess: [403, { message: 'Forbidden' }],
	},
	inference: {
		missing: [401, { message: MESSAGES.unauthorized }],
		unknown: [401, { message: MESSAGES.unauthorized }],
		noAccess: [403, { message: MESSAGES.forbidden }],
	},
	gateway: {
		missing: [401, { status: 401, message: MESSAGES.gatewayMissingKey }],
		unknown: [401, { status: 401, message: MESSAGES.gatewayRejectedKey }],
	},
};

const refuse = ([status, body]: Refusal) => new HttpError(status, body);

export interface Keys {
	known: (key: string) => boolean;
	/** Whether a known key may use a model (`project/version`). */
	mayUse: (key: string, modelId: string) => boolean;
}

/** `apiKeys` reach every model; `modelAccess` keys only theirs. */
export function makeKeys(apiKeys: readonly string[], modelAccess: Record<string, string[]>): Keys {
	const all = new Set(apiKeys);
	return {
		known: (key) => all.has(key) || Object.hasOwn(modelAccess, key),
		mayUse: (key, modelId) => all.has(key) || (modelAccess[key] ?? []).includes(modelId),
	};
}

/**
 * The serverless gateway's check, before anything else on every inference route: a key in the
 * query, the header or a JSON body, known.
 */
export function gatewayCheck(
	keys: Keys,
	req: IncomingMessage,
	url: URL,
	json: Record<string, unknown> | undefined,
): void {
	const key = findKey(req, url, json, KEY_ORDER.foundation, 'serverless').key;
	if (key === undefined) throw refuse(REFUSALS.gateway.missing);
	if (!keys.known(key)) throw refuse(REFUSALS.gateway.unknown);
}

/** The route's own check of its key (after the gateway's on serverless), in the style's words. */
export function checkKey(
	style: AuthStyle,
	keys: Keys,
	key: string | undefined,
	modelId?: string,
): void {
	const row = REFUSALS[style === 'legacy' ? 'legacy' : 'inference'];
	if (key === undefined) throw refuse(row.missing);
	if (!keys.known(key)) throw refuse(row.unknown);
	if (modelId !== undefined && !keys.mayUse(key, modelId)) throw refuse(row.noAccess);
}
