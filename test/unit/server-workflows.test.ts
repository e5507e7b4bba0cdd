/** The local server's Workflow routes over HTTP (docs/roboflow-api.md §6). */
import type { ShapeRect } from '../../tools/images';
import { makeShapesPng } from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, useServers } from '../harness/localServer';

const startServer = useServers({ auth: 'inference' });

const red = { colour: 'red' as const, x: 10, y: 10, width: 30, height: 20 };
const blue = { colour: 'blue' as const, x: 60, y: 40, width: 20, height: 25 };
const faint = { colour: 'green' as const, x: 50, y: 5, width: 20, height: 20, opacity: 0.6 };
const png = (...rects: ShapeRect[]) => makeShapesPng({ width: 100, height: 80, rects });
const image = (bytes = png(red, blue)) => ({ type: 'base64', value: bytes.toString('base64') });
const run = (server: Server, id: string, body: unknown, headers?: Record<string, string>) =>
	ask(server, `/local-workspace/workflows/${id}`, { body, headers });
const detect = (server: Server, inputs: Json, extra: Json = {}) =>
	run(server, 'detect-count-and-visualize', { api_key: 'k', inputs, ...extra });
const describeInterface = (server: Server, id: string, body: unknown) =>
	ask(server, `/local-workspace/workflows/${id}/describe_interface`, { body });

describe('running Workflows', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test.each([
		['the default confidence 0.4 keeps the faint one', { image: image(png(red, faint)) }, 2],
		['confidence 0.6 drops it', { image: image(png(red, faint)), confidence: 0.6 }, 1],
		[
			'a numeric string is a number (lax pydantic)',
			{ image: image(png(red, faint)), confidence: '0.6' },
			1,
		],
		['classes keeps those', { image: image(), classes: ['blue'] }, 1],
	])('%s', async (_name, inputs, count) => {
		expect((await detect(server, inputs)).json.outputs[0].count_objects).toBe(count);
	});

	test('nothing detected: null image size, as Inference sends', async () => {
		expect(
			(await detect(server, { image: image(), classes: ['cyan'] })).json.outputs[0].predictions,
		).toEqual({ image: { width: null, height: null }, predictions: [] });
	});
});

describe('Workflow errors', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	const runtime = (message: unknown, inner: unknown = 'None') => ({
		status: 400,
		json: { message, inner_error_message: inner },
	});
	const failed = (name: string) =>
		runtime(expect.stringContaining(`Failed to assemble \`${name}\`. `));
	const manifest = (property: string, inner: string) =>
		runtime(
			expect.stringContaining(`regarding property ${property} provided`),
			expect.stringContaining(inner),
		);

	test.each([
		['bad base64', { image: { type: 'base64', value: '!!!' } }, failed('image')],
		[
			'a refused URL (hosted rules)',
			{ image: { type: 'url', value: 'http://example.com/a.png' } },
			failed('image'),
		],
		[
			'confidence 1.5',
			{ image: image(), confidence: 1.5 },
			manifest('confidence', 'less than or equal to 1'),
		],
		['classes "red"', { image: image(), classes: 'red' }, manifest('class_filter', 'list')],
	])('%s: 400 RuntimeInputError', async (_name, inputs, expected) => {
		expect(await detect(server, inputs)).toMatchObject(expected);
	});

	test.each([
		['an empty body', '', 'missing'],
		['not JSON', '{"inputs":', 'json_invalid'],
		['no inputs', '{"api_key": "k"}', 'missing'],
		['use_cache "maybe"', '{"inputs": {}, "use_cache": "maybe"}', 'bool_parsing'],
	])('%s: 422 {detail} before the key check', async (_name, body, type) => {
		const { status, json } = await run(server, 'detect-count-and-visualize', body, {
			'Content-Type': 'application/json',
		});
		expect([status, json.detail[0].type, json.detail[0].loc[0]]).toEqual([422, type, 'body']);
	});

	test.each([
		['another workspace', '../../acme/workflows/detect-count-and-visualize', {}],
		['an unsaved version', 'detect-count-and-visualize', { workflow_version_id: '3' }],
	])("%s: Roboflow's 404", async (_name, id, extra) => {
		expect(
			await run(server, id, { api_key: 'k', inputs: { image: image() }, ...extra }),
		).toMatchObject({
			status: 404,
			json: { message: expect.stringMatching(/^Requested Roboflow resource not found/) },
		});
	});
});

test("describe_interface of an unknown version: Roboflow's 404", async () => {
	const server = await startServer();
	const body = { api_key: 'k', workflow_version_id: '9' };
	expect((await describeInterface(server, 'compare-front-and-back', body)).status).toBe(404);
});
