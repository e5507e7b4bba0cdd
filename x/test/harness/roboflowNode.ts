/**
 * What a test of the Roboflow node uses: the local server it talks to (a fresh one per test),
 * items carrying real images in n8n's binary store, and a run of the node through n8n-core.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { ShapesSpec } from '../../tools/images';
import { COLOURS, makeJpeg, makePng, makeShapesPng } from '../../tools/images';
import type { RoboflowServerOptions } from '../../tools/roboflow-server';
import { createRoboflowServer } from '../../tools/roboflow-server';
import type { Server } from './localServer';
import type { RunOptions } from './n8n';
import { binaryDataService, runRoboflowNode, runsFinished, stopRuns, storeBinary } from './n8n';

// A made-up key ("dummy" tells n8n's secret scanner it is not a real one); the local server
// accepts only this key, and the tests check it never appears in outputs, errors or logs.
export const API_KEY = 'rf_dummy_SECRET_key_5a1f';

export type LocalServer = Server;

/** The servers of this test file's `useLocalServer` calls (one module instance per test file). */
const slots: Array<{ options: RoboflowServerOptions; current?: Server }> = [];

/**
 * A local Roboflow server for every test of the file: started before each test, stopped after it
 * (open connections cut), so a test counts only its own requests. Runs of the node still going
 * when a test ends (it failed or timed out) are stopped first and waited for.
 *
 * The returned `server` always stands for the current test's server (`server.stats`,
 * `server.setFaults`, `server.events`...); between tests it throws. By default serverless-style
 * answers (the default endpoint) with Roboflow's own error texts, and image URLs relaxed as on a
 * self-hosted server, since the tests serve images from 127.0.0.1; `options` change that.
 */
export function useLocalServer(options: RoboflowServerOptions = {}): {
	server: LocalServer;
	credentials: () => { apiKey: string; apiUrl: string };
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
		beforeEach(async () => {
			for (const each of slots) {
				each.current = createRoboflowServer(each.options);
				await each.current.start();
			}
		});
		afterEach(async () => {
			const servers = slots.map((each) => each.current);
			for (const each of slots) each.current = undefined;
			stopRuns();
			await Promise.all(servers.map(async (server) => await server?.stop()));
			await runsFinished();
		});
	}
	const current = (): Server => {
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

/**
 * How much slower than an idle machine the tests may run: a 2-core machine where another process
 * keeps one core busy and the other jest project shares the second.
 */
const LOADED_MACHINE_FACTOR = 4;
/** The work of one request on an idle machine, end to end (image, engine, server), generously. */
const REQUEST_WORK_MS = 50;
/** Starting the run, n8n's engine, the binary store. */
const RUN_OVERHEAD_MS = 5_000;

/**
 * A test timeout derived from what a scenario does, not from how fast one machine ran it: the
 * pauses its fault plan injects (`pausesMs`: Retry-After and backoff, counted end to end as if
 * none overlapped, the longest they can take) plus its `requests`' work on a loaded machine.
 */
export function scenarioTimeout({ pausesMs, requests }: { pausesMs: number; requests: number }) {
	return pausesMs + LOADED_MACHINE_FACTOR * (RUN_OVERHEAD_MS + requests * REQUEST_WORK_MS);
}

export type Colour = keyof typeof COLOURS;

export interface ImageOptions {
	format?: 'png' | 'jpeg';
	size?: number;
	mimeType?: string;
}

/** The bytes of a square image of `colour` (PNGs with a little seeded noise): the same every run. */
export function imageBytes(
	colour: Colour,
	{ format = 'png', size = 24 }: Omit<ImageOptions, 'mimeType'> = {},
): Buffer {
	return format === 'png'
		? makePng(size, size, COLOURS[colour], { noise: 10 })
		: makeJpeg(size, size, COLOURS[colour]);
}

/** An item whose `data` binary is a real image of `colour`, stored by n8n's binary data service. */
export async function imageItem(
	colour: Colour,
	json: Record<string, unknown> = {},
	{ format = 'png', size = 24, mimeType }: ImageOptions = {},
): Promise<INodeExecutionData> {
	const type = mimeType ?? (format === 'png' ? 'image/png' : 'image/jpeg');
	return {
		json: { colour, ...json },
		binary: await storeBinary(imageBytes(colour, { format, size }), type, `${colour}.${format}`),
	};
}

/** The size of the request body the node sends for an item's image: its base64 text. */
export async function bodyBytes(item: INodeExecutionData): Promise<number> {
	const bytes = await (await binaryDataService()).getAsBuffer(item.binary!.data);
	return bytes.toString('base64').length;
}

export function classifyParams(overrides: INodeParameters = {}): INodeParameters {
	return {
		operation: 'classify',
		modelId: 'colors/1',
		inputType: 'binaryData',
		binaryPropertyName: 'data',
		options: {},
		...overrides,
	};
}

/** Runs the node (classification unless `parameters` say otherwise) on `items`. */
export async function run(
	credentials: { apiKey: string; apiUrl: string },
	items: INodeExecutionData[],
	parameters: INodeParameters = {},
	extra: Partial<RunOptions> = {},
) {
	return await runRoboflowNode({
		parameters: classifyParams(parameters),
		items,
		credentials,
		...extra,
	});
}

/** An item whose `data` binary is a PNG of coloured rectangles, as the local shape models read them. */
export async function shapesItem(
	spec: Partial<ShapesSpec> & Pick<ShapesSpec, 'rects'>,
	json: IDataObject = {},
	fileName = 'shapes.png',
): Promise<INodeExecutionData> {
	const bytes = makeShapesPng({ width: 120, height: 90, ...spec });
	return { json, binary: await storeBinary(bytes, 'image/png', fileName) };
}
