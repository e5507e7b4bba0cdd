import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { ShapesSpec } from '../tools/images';
import { COLOURS, makeJpeg, makePng, makeShapesPng } from '../tools/images';
import { createRoboflowServer } from '../tools/roboflow-server';
import type { RunOptions } from './harness/n8n';
import { runRoboflowNode, storeBinary } from './harness/n8n';

// A made-up key ("dummy" tells n8n's secret scanner it is not a real one); the local server
// accepts only this key, and the tests check it never appears in outputs, errors or logs.
export const API_KEY = 'rf_dummy_SECRET_key_5a1f';

export type LocalServer = ReturnType<typeof createRoboflowServer>;

/** Starts the local Roboflow server for one test file and stops it afterwards. */
export function useLocalServer(): {
	server: LocalServer;
	credentials: () => { apiKey: string; apiUrl: string };
} {
	// Serverless-style answers (the default endpoint) with Roboflow's own error texts; image URLs
	// relaxed as on a self-hosted server, since the tests serve images from 127.0.0.1.
	const server = createRoboflowServer({
		apiKeys: [API_KEY],
		auth: 'serverless',
		allowNonHttpsUrls: true,
		allowUrlsWithoutFqdn: true,
	});
	beforeAll(async () => {
		await server.start();
	});
	afterAll(async () => {
		await server.stop();
	});
	beforeEach(() => {
		server.reset();
		server.setFaults({});
	});
	return { server, credentials: () => ({ apiKey: API_KEY, apiUrl: server.url }) };
}

export type Colour = keyof typeof COLOURS;

/** An item whose `data` binary is a real image of `colour`, stored by n8n's binary data service. */
export async function imageItem(
	colour: Colour,
	json: Record<string, unknown> = {},
	{
		format = 'png',
		size = 24,
		mimeType,
	}: { format?: 'png' | 'jpeg'; size?: number; mimeType?: string } = {},
): Promise<INodeExecutionData> {
	const bytes =
		format === 'png'
			? makePng(size, size, COLOURS[colour], { noise: 10 })
			: makeJpeg(size, size, COLOURS[colour]);
	const type = mimeType ?? (format === 'png' ? 'image/png' : 'image/jpeg');
	return {
		json: { colour, ...json },
		binary: await storeBinary(bytes, type, `${colour}.${format}`),
	};
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
