/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: the request type of node:http */
/**
 * API keys and the three ways Roboflow's hosts answer a bad one (docs/roboflow-api.md §2, §5):
 *
 * - `legacy` (v1 hosts such as classify.roboflow.com, and this server's historic behaviour):
 *   no key -> 401 `{"message":"Unauthorized api_key"}`; unknown key, or a key without access to
 *   the model -> 403 `{"message":"Forbidden"}`.
 * - `inference` (a current Roboflow Inference server, e.g. self-hosted): no key or unknown key ->
 *   401 "Unauthorized access to roboflow API - check API key ..."; a valid key without access to
 *   the model -> 403 "... have required scopes ...".
 * - `serverless` (serverless.roboflow.com's gateway, before the route runs): no key -> 401
 *   `{"status":401,"message":"Unauthorized api_key"}`; unknown key -> 401 `{"status":401,
 *   "message":"Unauthorized api_key. This key is not authorized for serverless inference."}`;
 *   then the route itself answers 403 like `inference` for a key without access to the model.
 *
 * Key lookup: `api_key` query parameter (last value), else `Authorization: Bearer <key>`; the
 * serverless gateway also reads `api_key` from a JSON body sent as `application/json`, and the
 * Workflows route (like Inference's `api_key_override`) falls back to the body's `api_key`.
 *
 * Scopes (`keyScopes`): a key listed there has exactly the scopes listed (e.g. `workflow:read`);
 * every other known key has all scopes. The server checks `workflow:read` on the Workflows
 * routes (running one fetches its definition with the key) and on the management API's
 * workflow routes.
 */
import type { IncomingMessage } from 'node:http';

import { HttpError, MESSAGES } from './errors.ts';
import { lastValue } from './params.ts';

export type AuthStyle = 'legacy' | 'inference' | 'serverless';
export const AUTH_STYLES: readonly AuthStyle[] = ['legacy', 'inference', 'serverless'];

export interface KeyTable {
	/** Keys with access to every model. */
	keys: ReadonlySet<string>;
	/** Keys limited to the listed model ids (`project/version`); they are valid keys too. */
	modelAccess: ReadonlyMap<string, ReadonlySet<string>>;
	/** Keys with only the listed scopes (valid keys too); keys not listed have every scope. */
	scopes: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The scope a key needs to read (and so to run) a Workflow. */
export const WORKFLOW_READ_SCOPE = 'workflow:read';

export function makeKeyTable(
	apiKeys: readonly string[],
	modelAccess: Record<string, readonly string[]> = {},
	keyScopes: Record<string, readonly string[]> = {},
): KeyTable {
	return {
		keys: new Set(apiKeys),
		modelAccess: new Map(
			Object.entries(modelAccess).map(([key, models]) => [key, new Set(models)]),
		),
		scopes: new Map(Object.entries(keyScopes).map(([key, scopes]) => [key, new Set(scopes)])),
	};
}

export const isKnownKey = (table: KeyTable, key: string): boolean =>
	table.keys.has(key) || table.modelAccess.has(key) || table.scopes.has(key);

/** Whether a known key has a scope (keys without a `keyScopes` entry have them all). */
export const hasScope = (table: KeyTable, key: string, scope: string): boolean =>
	table.scopes.get(key)?.has(scope) ?? true;

/** The request's API key as the route sees it: query (last value), then Bearer header. */
export function requestKey(req: IncomingMessage, query: URLSearchParams): string | undefined {
	const fromQuery = lastValue(query, 'api_key');
	if (fromQuery !== null) return fromQuery;
	return bearerKey(req);
}

/**
 * The key of a `Authorization: Bearer` header. Inference's Workflow routes read the key from that
 * header or their JSON body, never from the query (docs/roboflow-api.md §6.1); only the serverless
 * gateway in front of them looks at the query.
 */
export function bearerKey(req: IncomingMessage): string | undefined {
	return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
}

/** The serverless gateway also looks in a JSON body (`Content-Type: application/json`). */
function keyFromJsonBody(req: IncomingMessage, body: Buffer): string | undefined {
	const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (type !== 'application/json' || body.length === 0) return undefined;
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
			const key = (parsed as Record<string, unknown>).api_key;
			if (typeof key === 'string') return key;
		}
	} catch {
		// Legacy routes abuse the Content-Type: not JSON is fine here.
	}
	return undefined;
}

/**
 * The serverless gateway's check, which runs before anything else on every route except `/`.
 * Returns the key the route should use, or throws the gateway's 401.
 */
export function gatewayCheck(
	table: KeyTable,
	req: IncomingMessage,
	query: URLSearchParams,
	body: Buffer,
): string {
	const key = requestKey(req, query) ?? keyFromJsonBody(req, body);
	if (key === undefined)
		throw new HttpError(401, { status: 401, message: MESSAGES.gatewayMissingKey });
	if (!isKnownKey(table, key))
		throw new HttpError(401, { status: 401, message: MESSAGES.gatewayRejectedKey });
	return key;
}

/**
 * The route's own check when it loads the model (all styles): throws 401/403 in the style's
 * shape. Call after `gatewayCheck` for `serverless`.
 */
export function modelAccessCheck(
	style: AuthStyle,
	table: KeyTable,
	key: string | undefined,
	modelId: string,
): void {
	if (style === 'legacy') {
		if (!key) throw new HttpError(401, { message: 'Unauthorized api_key' });
		if (!isKnownKey(table, key)) throw new HttpError(403, { message: 'Forbidden' });
		if (!hasModelAccess(table, key, modelId)) throw new HttpError(403, { message: 'Forbidden' });
		return;
	}
	if (!key || !isKnownKey(table, key)) throw new HttpError(401, { message: MESSAGES.unauthorized });
	if (!hasModelAccess(table, key, modelId))
		throw new HttpError(403, { message: MESSAGES.forbidden });
}

function hasModelAccess(table: KeyTable, key: string, modelId: string): boolean {
	if (table.keys.has(key)) return true;
	const limited = table.modelAccess.get(key);
	if (limited) return limited.has(modelId);
	// A key known only through `keyScopes` reaches every model.
	return table.scopes.has(key);
}

/**
 * The Workflows route's key check (after `gatewayCheck` for `serverless`): no key or an unknown
 * key answers 401 (legacy: 401 "Unauthorized api_key" / 403 "Forbidden"), a key without the
 * `workflow:read` scope 403, in the style's shape.
 */
export function workflowAccessCheck(
	style: AuthStyle,
	table: KeyTable,
	key: string | undefined,
): void {
	if (style === 'legacy') {
		if (!key) throw new HttpError(401, { message: 'Unauthorized api_key' });
		if (!isKnownKey(table, key) || !hasScope(table, key, WORKFLOW_READ_SCOPE))
			throw new HttpError(403, { message: 'Forbidden' });
		return;
	}
	if (!key || !isKnownKey(table, key)) throw new HttpError(401, { message: MESSAGES.unauthorized });
	if (!hasScope(table, key, WORKFLOW_READ_SCOPE))
		throw new HttpError(403, { message: MESSAGES.forbidden });
}
