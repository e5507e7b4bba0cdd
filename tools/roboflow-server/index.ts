/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server is an HTTP server in Node, never inside n8n */
/**
 * A local server that answers as Roboflow does (docs/roboflow-api.md), for the tests, the demo
 * and the benchmark; answers are computed from the real pixels of the images sent.
 *
 *   const server = createRoboflowServer({ apiKeys: ['k'], auth: 'inference' });
 *   const url = await server.start(); // http://127.0.0.1:<free port>
 *
 * One server plays every host:
 * - inference (§3-§6, §11): the model route `POST|GET /{project}/{version}` (modelRoute.ts), the
 *   Workflow routes `POST /{workspace}/workflows/{id}[/describe_interface]` (workflowRuns.ts),
 *   the foundation models' `POST /clip/compare`, `/yolo_world/infer`, `/sam3/concept_segment`,
 *   `/doctr/ocr`, `/easy_ocr/ocr`, `/infer/lmm` (foundation.ts);
 * - api.roboflow.com (§7, §10): `GET /`, `GET /{workspace}[/{project} | /workflows[/{url}]]`,
 *   `POST /dataset/{project}/upload | annotate/{id}` (management.ts, dataset.ts); a GET of two
 *   segments is the model route when the second is all digits (a version);
 * - `GET /images/{name}`: bytes registered with `addImage`, for image URLs.
 * Its workspace `local-workspace` holds the projects of workspace.ts (trained versions answer
 * on the model route) and the Workflows of workflows.ts. Faults, capacity and held answers:
 * faults.ts. What it saw: `stats` (calls.ts), `events`, `received()` (dataset.ts).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';

import { close, listen } from '../local-http/index.ts';
import type { AuthStyle } from './auth.ts';
import { makeKeys } from './auth.ts';
import type { InferenceCall, ServerContext, ServerEvents, ServerStats } from './calls.ts';
import { beginCall, newStats, send } from './calls.ts';
import { createDataset } from './dataset.ts';
import { internalError } from './errors.ts';
import type { FaultPlan } from './faults.ts';
import { faultInjector } from './faults.ts';
import { FOUNDATION_ROUTES, foundationRoute } from './foundation.ts';
import { datasetRoute, managementRoute } from './management.ts';
import { modelRoute } from './modelRoute.ts';
import { workflowRoute } from './workflowRuns.ts';
import { WORKSPACE } from './workspace.ts';

export type { AuthStyle, KeyPlace, KeySource } from './auth.ts';
export type * from './calls.ts';
export type { DatasetCall, ReceivedAnnotation, ReceivedImage } from './dataset.ts';
export { DROP_AFTER_STORE, isAnnotateRequest, isUploadRequest } from './dataset.ts';
export { analyseImage, postProcess } from './detect.ts';
export type { Fault, FaultCall, FaultKind, FaultPlan } from './faults.ts';
export { imageIdentity, pickFault } from './faults.ts';
export { decodeImage, encodeJpeg, readImageSize } from './image.ts';
export * from '../images/index.ts';

export interface RoboflowServerOptions {
	/** Keys with access to everything (default `['local-test-key']`). */
	apiKeys?: string[];
	/** `{key: ['project/version', ...]}`: known keys limited to those models (403 for others). */
	modelAccess?: Record<string, string[]>;
	/** Which deployment's key checks and refusals (auth.ts); default `serverless`. */
	auth?: AuthStyle;
	/** The benchmark's mode: classification JSON from a PNG's header and a hash, not its pixels. */
	headerOnly?: boolean;
	/** false: an Inference server older than describe_interface (404 for it). */
	describeInterface?: boolean;
	/** Inference's flags that relax its URL rules (default: every hosted deployment's, §3.1). */
	allowNonHttpsUrls?: boolean;
	allowUrlsWithoutFqdn?: boolean;
}

/** What a self-hosted server started with relaxed URL flags accepts: http:// and IP hosts (`addImage` URLs). */
export const SELF_HOSTED_URL_OPTIONS = {
	allowNonHttpsUrls: true,
	allowUrlsWithoutFqdn: true,
} as const;

const decode = (part: string) => {
	try {
		return decodeURIComponent(part);
	} catch {
		return part;
	}
};

/** What the routes share, built from the options; `state` holds what `reset` and `setFaults` replace. */
function serverContext(
	options: RoboflowServerOptions,
	state: { stats: ServerStats; plan: FaultPlan },
): ServerContext {
	return {
		style: options.auth ?? 'serverless',
		keys: makeKeys(options.apiKeys ?? ['local-test-key'], options.modelAccess ?? {}),
		rules: {
			allowNonHttps: options.allowNonHttpsUrls ?? false,
			allowWithoutFqdn: options.allowUrlsWithoutFqdn ?? false,
		},
		headerOnly: options.headerOnly ?? false,
		stats: () => state.stats,
		plan: () => state.plan,
		injector: faultInjector(() => state.stats),
		events: new EventEmitter<ServerEvents>(),
	};
}

interface Hosted {
	context: ServerContext;
	options: RoboflowServerOptions;
	dataset: ReturnType<typeof createDataset>;
	images: Map<string, { bytes: Buffer; mimeType: string }>;
}

/** The inference route a request is: its record and its handler (see the header). */
function inferenceRoute({ context, options }: Hosted, method: string | undefined, parts: string[]) {
	const [a, b, c, d, ...rest] = parts;
	const foundation = method === 'POST' ? FOUNDATION_ROUTES[`/${parts.join('/')}`] : undefined;
	if (foundation) {
		const handle = (call: InferenceCall) => foundationRoute(context, call, foundation);
		return { route: foundation.route, model: parts.join('/'), handle };
	}
	const workflow = method === 'POST' && b === 'workflows' && c && !rest.length;
	const describe = d === 'describe_interface' && options.describeInterface !== false;
	if (workflow && (d === undefined || describe)) {
		const handle = (call: InferenceCall) => workflowRoute(context, call, a, c);
		return {
			route: d ? 'describe' : 'workflow',
			model: `workflows/${c}`,
			workflow: c,
			handle,
		} as const;
	}
	if ((method === 'POST' || method === 'GET') && b !== undefined && c === undefined) {
		const handle = (call: InferenceCall) => modelRoute(context, call, `${a}/${b}`);
		return { route: 'model', model: `${a}/${b}`, handle } as const;
	}
	return undefined;
}

async function route(
	hosted: Hosted,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
	parts: string[],
) {
	const { context, dataset, images } = hosted;
	const [a, b, c, d] = parts;
	if (req.method === 'GET' && a === 'images' && parts.length === 2) {
		const image = images.get(b);
		if (!image) return send(context, res, 404, { message: 'No such image' });
		res.writeHead(200, { 'Content-Type': image.mimeType, 'Content-Length': image.bytes.length });
		return res.end(image.bytes);
	}
	const upload = (parts.length === 3 && c === 'upload') || (parts.length === 4 && c === 'annotate');
	if (req.method === 'POST' && a === 'dataset' && upload)
		return await datasetRoute(context, dataset, req, res, {
			route: c,
			project: b,
			imageId: d ?? null,
			url,
		});
	// api.roboflow.com's GETs; a second segment of digits is a model version instead.
	const management =
		parts.length <= 1 ||
		(b === 'workflows' && parts.length <= 3) ||
		(parts.length === 2 && a === WORKSPACE && !/^\d+$/.test(b));
	if (req.method === 'GET' && management) return managementRoute(context, req, res, url, parts);
	const inference = inferenceRoute(hosted, req.method, parts);
	if (!inference) return send(context, res, 404, { detail: 'Not Found' });
	const call = await beginCall(context, req, res, url, inference);
	if (call) await inference.handle(call);
}

export function createRoboflowServer(options: RoboflowServerOptions = {}) {
	const state = { stats: newStats(), plan: {} as FaultPlan };
	const context = serverContext(options, state);
	const hosted: Hosted = {
		context,
		options,
		dataset: createDataset(context.rules),
		images: new Map(),
	};
	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		route(hosted, req, res, url, url.pathname.split('/').filter(Boolean).map(decode)).catch(() => {
			if (!res.headersSent) send(context, res, 500, internalError().body);
		});
	});
	server.keepAliveTimeout = 5_000;

	return {
		server,
		url: '',
		get stats(): ServerStats {
			return state.stats;
		},
		/** Inference requests as they happen (`ServerEvents`), for tests that act on them. */
		events: context.events,
		/** Replaces the fault plan; `{}` turns every fault off. */
		setFaults(faults: FaultPlan | null | undefined): void {
			state.plan = faults ?? {};
		},
		/** Clears the stats, the images already seen and what the projects received. */
		reset(): void {
			state.stats = newStats();
			context.injector.reset();
			hosted.dataset.reset();
		},
		/** What the projects received through the dataset routes (one project's, or all). */
		received: hosted.dataset.received,
		/** Serves `bytes` at `${url}/images/${name}` (needs `SELF_HOSTED_URL_OPTIONS` for image URLs). */
		addImage(name: string, bytes: Buffer, mimeType = 'image/png'): string {
			hosted.images.set(name, { bytes, mimeType });
			return `${this.url}/images/${encodeURIComponent(name)}`;
		},
		async start(port = 0, host = '127.0.0.1'): Promise<string> {
			this.url = await listen(server, port, host);
			return this.url;
		},
		async stop(): Promise<void> {
			await close(server);
		},
	};
}

export type RoboflowServer = ReturnType<typeof createRoboflowServer>;
