/**
 * What a test of the Roboflow node uses: the local server it talks to (a fresh one per test, in
 * virtual time), items carrying real images in n8n's binary store, and a run of the node through
 * n8n-core.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { ShapesSpec } from '../../tools/images';
import { COLOURS, makeJpeg, makePng, makeShapesPng } from '../../tools/images';
import type { RoboflowServerOptions } from '../../tools/roboflow-server';
import { createRoboflowServer } from '../../tools/roboflow-server';
import type { RunOptions } from './n8n';
import { binaryDataService, runRoboflowNode, runsFinished, stopRuns, storeBinary } from './n8n';
import { startVirtualTime, stopVirtualTime } from './virtualTime';

// A made-up key ("dummy" tells n8n's secret scanner it is not a real one); the local server
// accepts only this key, and the tests check it never appears in outputs, errors or logs.
export const API_KEY = 'rf_dummy_SECRET_key_5a1f';

export type LocalServer = ReturnType<typeof createRoboflowServer>;

/** The Roboflow API credential's fields. */
export type Credential = {
	apiKey: string;
	apiUrl: string;
	managementUrl?: string;
	maxRequestsInFlight?: number;
	keyTransport?: 'header' | 'query';
};

/** The servers of this test file's `useLocalServer` calls (one module instance per test file). */
const slots: Array<{ options: RoboflowServerOptions; current?: LocalServer }> = [];

/**
 * A local Roboflow server for every test of the file: started before each test, stopped after it
 * (open connections cut), so a test counts only its own requests. Each test runs in virtual time
 * (virtualTime.ts). Runs of the node still going when a test ends (it failed or timed out) are
 * stopped first and waited for.
 *
 * The returned `server` always stands for the current test's server (`server.stats`,
 * `server.setFaults`, `server.events`...); between tests it throws. By default serverless-style
 * answers (the default endpoint) with Roboflow's own error texts, and image URLs relaxed as on a
 * self-hosted server, since the tests serve images from 127.0.0.1; `options` change that.
 */
export function useLocalServer(options: RoboflowServerOptions = {}): {
	server: LocalServer;
	credentials: () => Credential;
} {
	const slot: (typeof slots)[number] = {
		options: {
			apiKeys: [API_KEY],
			auth: 'serverless',
			allowNonHttpsUrls: true,
			allowUrlsWithoutFqdn: true,
			...options,
		},
	};
	if (slots.push(slot) === 1) {
		// n8n's services start their own timers once: on the real clock, before virtual time.
		beforeAll(async () => await binaryDataService());
		beforeEach(async () => {
			for (const each of slots) {
				each.current = createRoboflowServer(each.options);
				await each.current.start();
			}
			startVirtualTime();
		});
		afterEach(async () => {
			const servers = slots.map((each) => each.current);
			for (const each of slots) each.current = undefined;
			stopRuns();
			await Promise.all(servers.map(async (server) => await server?.stop()));
			await runsFinished();
			await stopVirtualTime();
		});
	}
	const current = (): LocalServer => {
		if (!slot.current) throw new Error('The local server exists only while a test runs');
		return slot.current;
	};
	const server = new Proxy({} as LocalServer, {
		get: (_target, key) => {
			const target = current();
			const value: unknown = Reflect.get(target, key, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
	return { server, credentials: () => ({ apiKey: API_KEY, apiUrl: current().url }) };
}

/** How much slower than an idle machine the tests may run: 2 cores, one kept busy elsewhere. */
const LOADED_MACHINE_FACTOR = 4;
/** One request's real work on an idle machine, end to end (image, engine, server), generously. */
const REQUEST_WORK_MS = 50;
/** Starting the run, n8n's engine, the binary store. */
const RUN_OVERHEAD_MS = 5_000;

/**
 * A test timeout derived from the `requests` a scenario makes (its injected faults included), not
 * from how fast one machine ran it. Pauses cost nothing: they pass in virtual time.
 */
export function scenarioTimeout(requests: number): number {
	return LOADED_MACHINE_FACTOR * (RUN_OVERHEAD_MS + requests * REQUEST_WORK_MS);
}

export type Colour = keyof typeof COLOURS;

/** The colours `distinctItems` takes in turn. */
export const PRIMARY = ['red', 'green', 'blue'] as const;

export interface ImageOptions {
	format?: 'png' | 'jpeg';
	/** Height, and width unless `width` says otherwise. */
	size?: number;
	width?: number;
	/** The seed of a PNG's noise: another seed, other bytes of the same size. */
	seed?: number;
	mimeType?: string;
}

/** Images built once per test file: encoding one takes long in jest's sandbox. */
const built = new Map<string, Buffer>();

function once(key: unknown, build: () => Buffer): Buffer {
	const id = JSON.stringify(key);
	let bytes = built.get(id);
	if (!bytes) built.set(id, (bytes = build()));
	return bytes;
}

/** The bytes of an image of `colour` (PNGs with a little seeded noise): the same every run. */
export function imageBytes(
	colour: Colour,
	{ format = 'png', size = 24, width = size, seed = 1 }: Omit<ImageOptions, 'mimeType'> = {},
): Buffer {
	return once([colour, format, size, width, seed], () =>
		format === 'png'
			? makePng(width, size, COLOURS[colour], { noise: 10, seed })
			: makeJpeg(width, size, COLOURS[colour]),
	);
}

/** An item whose `data` binary is a real image of `colour`, stored by n8n's binary data service. */
export async function imageItem(
	colour: Colour,
	json: IDataObject = {},
	options: ImageOptions = {},
): Promise<INodeExecutionData> {
	const format = options.format ?? 'png';
	const type = options.mimeType ?? (format === 'png' ? 'image/png' : 'image/jpeg');
	return {
		json: { colour, ...json },
		binary: await storeBinary(imageBytes(colour, options), type, `${colour}.${format}`),
	};
}

/**
 * `count` items (`json.index`) of red, green and blue in turn, each image a pixel wider than the
 * one before: the server's faults, picked by a hash of the image, differ between them, and a test
 * tells their requests apart by body size.
 */
export async function distinctItems(count: number): Promise<INodeExecutionData[]> {
	const items = [];
	for (let index = 0; index < count; index++)
		items.push(await imageItem(PRIMARY[index % 3], { index }, { size: 12, width: 8 + index }));
	const sizes = new Set(await Promise.all(items.map(bodyBytes)));
	if (sizes.size !== count) throw new Error('distinctItems: two images have the same size');
	return items;
}

/** The size of the request body the node sends for an item's image: its base64 text. */
export async function bodyBytes(item: INodeExecutionData): Promise<number> {
	const bytes = await (await binaryDataService()).getAsBuffer(item.binary!.data);
	return bytes.toString('base64').length;
}

/** Runs the node (classification unless `parameters` say otherwise) on `items`. */
export async function run(
	credentials: Credential,
	items: INodeExecutionData[],
	parameters: INodeParameters = {},
	extra: Partial<RunOptions> = {},
) {
	return await runRoboflowNode({
		parameters: {
			operation: 'classify',
			modelId: 'colors/1',
			inputType: 'binaryData',
			binaryPropertyName: 'data',
			options: {},
			...parameters,
		},
		items,
		credentials,
		...extra,
	});
}

/** A PNG of coloured rectangles (120 x 90 unless `spec` says otherwise), as the shape models read them. */
export function shapesBytes(spec: Partial<ShapesSpec> & Pick<ShapesSpec, 'rects'>): Buffer {
	const full = { width: 120, height: 90, ...spec };
	return once(full, () => makeShapesPng(full));
}

/** An item whose `data` binary is `shapesBytes(spec)`. */
export async function shapesItem(
	spec: Partial<ShapesSpec> & Pick<ShapesSpec, 'rects'>,
	json: IDataObject = {},
	fileName = 'shapes.png',
): Promise<INodeExecutionData> {
	return { json, binary: await storeBinary(shapesBytes(spec), 'image/png', fileName) };
}
