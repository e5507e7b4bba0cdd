/** The local Roboflow server's Workflows route over HTTP, and the fault plan's `failAttempts` / `when`. */
import {
	decodeImage,
	expectedBox,
	makeShapesPng,
	MESSAGES,
	SELF_HOSTED_URL_OPTIONS,
	WORKFLOW_IDS,
	WORKFLOWS,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { readAnswer, useServers } from '../harness/localServer';

const startServer = useServers();

async function request(
	server: Server,
	path: string,
	body: unknown,
	headers: Record<string, string> = { 'Content-Type': 'application/json' },
) {
	const response = await fetch(`${server.url}${path}`, {
		method: 'POST',
		body: typeof body === 'string' ? body : JSON.stringify(body),
		headers,
	});
	return await readAnswer(response);
}

const run = (server: Server, id: string, body: unknown, headers?: Record<string, string>) =>
	request(server, `/local-workspace/workflows/${id}`, body, headers);

const red = { colour: 'red' as const, x: 10, y: 10, width: 30, height: 20 };
// Equal confidence: boxes come larger first, so red (600 px) before blue (500 px).
const blue = { colour: 'blue' as const, x: 60, y: 40, width: 20, height: 25 };
const faint = { colour: 'green' as const, x: 50, y: 5, width: 20, height: 20, opacity: 0.6 };
const scene = makeShapesPng({ width: 100, height: 80, rects: [red, blue] });
const sceneB64 = scene.toString('base64');
const image = (value = sceneB64) => ({ type: 'base64', value });

const RUNTIME_CONTEXT = 'workflow_execution | runtime_input_validation';

describe('Workflows: detect-count-and-visualize', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('counts, detections with parent_id, annotated JPEG with video metadata', async () => {
		const { status, json } = await run(server, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: image() },
		});
		expect(status).toBe(200);
		expect(json.outputs).toHaveLength(1);
		const output = json.outputs[0];
		expect(Object.keys(output)).toEqual(['count_objects', 'predictions', 'output_image']);
		expect(output.count_objects).toBe(2);
		expect(output.predictions.image).toEqual({ width: 100, height: 80 });
		expect(output.predictions.predictions).toEqual([
			{
				...expectedBox(red),
				confidence: 0.95,
				class_id: 0,
				class: 'red',
				detection_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
				parent_id: 'image',
			},
			{
				...expectedBox(blue),
				confidence: 0.95,
				class_id: 2,
				class: 'blue',
				detection_id: expect.any(String),
				parent_id: 'image',
			},
		]);
		expect(Object.keys(output.predictions.predictions[0])).toEqual([
			'width',
			'height',
			'x',
			'y',
			'confidence',
			'class_id',
			'class',
			'detection_id',
			'parent_id',
		]);
		expect(output.output_image).toEqual({
			type: 'base64',
			value: expect.stringMatching(/^\/9j\//),
			video_metadata: {
				video_identifier: 'image',
				frame_number: 0,
				frame_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
				fps: 30,
				measured_fps: null,
				comes_from_video_file: null,
			},
		});
		const annotated = decodeImage(Buffer.from(output.output_image.value, 'base64'));
		expect([annotated.width, annotated.height]).toEqual([100, 80]);
	});

	test('confidence and classes parameters; defaults when absent; excluded_fields', async () => {
		const withFaint = makeShapesPng({ width: 100, height: 80, rects: [red, faint] }).toString(
			'base64',
		);
		const count = async (inputs: Json, extra: Json = {}) =>
			(await run(server, 'detect-count-and-visualize', { api_key: 'k', inputs, ...extra })).json
				.outputs[0];
		// The half-transparent rectangle scores about 0.57: kept at the default 0.4, not at 0.6.
		expect((await count({ image: image(withFaint) })).count_objects).toBe(2);
		expect((await count({ image: image(withFaint), confidence: 0.6 })).count_objects).toBe(1);
		// pydantic's lax mode takes numeric strings.
		expect((await count({ image: image(withFaint), confidence: '0.6' })).count_objects).toBe(1);
		expect((await count({ image: image(), classes: ['blue'] })).predictions.predictions).toEqual([
			expect.objectContaining({ class: 'blue' }),
		]);
		expect((await count({ image: image(), classes: null })).count_objects).toBe(2);
		// Nothing detected: Inference sends null image dimensions.
		expect((await count({ image: image(), classes: ['cyan'] })).predictions).toEqual({
			image: { width: null, height: null },
			predictions: [],
		});
		const trimmed = await count({ image: image() }, { excluded_fields: ['output_image', 'nope'] });
		expect(Object.keys(trimmed)).toEqual(['count_objects', 'predictions']);
	});

	test('image forms: data: prefix, bare string, URL (self-hosted rules), a batch', async () => {
		const dataUrl = `data:image/png;base64,${sceneB64}`;
		for (const value of [image(dataUrl), sceneB64]) {
			const { status, json } = await run(server, 'detect-count-and-visualize', {
				api_key: 'k',
				inputs: { image: value },
			});
			expect(status).toBe(200);
			expect(json.outputs[0].count_objects).toBe(2);
		}
		const selfHosted = await startServer(SELF_HOSTED_URL_OPTIONS);
		const imageUrl = selfHosted.addImage('scene.png', scene);
		const fromUrl = await run(selfHosted, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: { type: 'url', value: imageUrl } },
		});
		expect(fromUrl.json.outputs[0].count_objects).toBe(2);
		// The server looks only at `value`: a URL under `type: 'base64'` is still downloaded.
		const mislabelled = await run(selfHosted, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: { type: 'base64', value: imageUrl } },
		});
		expect(mislabelled.status).toBe(200);

		const one = makeShapesPng({ width: 60, height: 60, rects: [{ ...blue, x: 5, y: 5 }] });
		const batch = await run(server, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: [image(), image(one.toString('base64'))] },
		});
		expect(batch.json.outputs.map((o: Json) => o.count_objects)).toEqual([2, 1]);
		expect(batch.json.outputs[1].predictions.predictions[0].parent_id).toBe('image.[1]');
		expect(batch.json.outputs[1].output_image.video_metadata.video_identifier).toBe('image.[1]');
		const empty = await run(server, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: [] },
		});
		expect(empty.status).toBe(400);
		expect(empty.json.message).toBe(
			'Expected all batch-oriented workflow inputs be the same length, or of length 1 - but parameter: image provided with batch size 0, where expected batch size based on remaining parameters is: 1.',
		);
	});

	test('the deprecated alias /infer/workflows/{workspace}/{id} runs the same Workflow', async () => {
		const { status, json } = await request(
			server,
			'/infer/workflows/local-workspace/detect-count-and-visualize',
			{ api_key: 'k', inputs: { image: image() } },
		);
		expect(status).toBe(200);
		expect(json.outputs[0].count_objects).toBe(2);
	});
});

describe('Workflows: crop-and-classify and always-fails', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('crops: a list of {crop, class, confidence} with crop lineage, and crop_count', async () => {
		const { status, json } = await run(server, 'crop-and-classify', {
			api_key: 'k',
			inputs: { image: image() },
		});
		expect(status).toBe(200);
		const output = json.outputs[0];
		expect(Object.keys(output)).toEqual(['crops', 'crop_count']);
		expect(output.crop_count).toBe(2);
		expect(output.crops).toHaveLength(2);
		for (const [i, rect] of [red, blue].entries()) {
			const entry = output.crops[i];
			expect(Object.keys(entry)).toEqual(['crop', 'class', 'confidence']);
			expect(entry.class).toBe(rect.colour);
			expect(entry.confidence).toBeGreaterThan(0.9);
			expect(entry.confidence).toBeLessThanOrEqual(1);
			const origin = { offset_x: rect.x, offset_y: rect.y, width: 100, height: 80 };
			expect(entry.crop).toEqual({
				type: 'base64',
				value: expect.any(String),
				video_metadata: expect.objectContaining({
					video_identifier: entry.crop.parent_id,
					frame_number: 0,
					fps: 30,
				}),
				parent_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
				parent_origin: origin,
				root_parent_id: 'image',
				root_parent_origin: origin,
			});
			const pixels = decodeImage(Buffer.from(entry.crop.value, 'base64'));
			expect([pixels.width, pixels.height]).toEqual([rect.width, rect.height]);
		}
		// A half-transparent rectangle keeps its colour class.
		const faintScene = makeShapesPng({ width: 100, height: 80, rects: [red, faint] });
		const faintCrops = (
			await run(server, 'crop-and-classify', {
				api_key: 'k',
				inputs: { image: image(faintScene.toString('base64')) },
			})
		).json.outputs[0].crops as Json[];
		expect(faintCrops.map((c) => [c.class, c.confidence])).toEqual([
			['red', 0.98],
			['green', 0.98],
		]);
		const none = await run(server, 'crop-and-classify', {
			api_key: 'k',
			inputs: {
				image: image(makeShapesPng({ width: 20, height: 20, rects: [] }).toString('base64')),
			},
		});
		expect(none.json.outputs).toEqual([{ crops: [], crop_count: 0 }]);
	});

	test('always-fails: 500 StepExecutionError with blocks_errors; a missing image is 400 first', async () => {
		const failed = await run(server, 'always-fails', { api_key: 'k', inputs: { image: image() } });
		expect(failed.status).toBe(500);
		expect(failed.json).toEqual({
			message: 'division by zero',
			error_type: 'StepExecutionError',
			context: 'workflow_execution | step_execution',
			inner_error_type: 'ZeroDivisionError',
			inner_error_message: 'division by zero',
			blocks_errors: [
				{
					block_id: 'divide',
					block_type: 'roboflow_core/expression@v1',
					block_details: null,
					property_name: null,
					property_details: 'division by zero',
					block_traceback: {
						traceback: expect.stringContaining('ZeroDivisionError: division by zero'),
						error_line: null,
						code_snippet: null,
						stdout: null,
						stderr: null,
					},
				},
			],
			python_blocks_output_streams: null,
			python_blocks_debug_traces: null,
		});
		const missing = await run(server, 'always-fails', { api_key: 'k', inputs: {} });
		expect(missing.status).toBe(400);
		expect(missing.json.error_type).toBe('RuntimeInputError');
	});

	test('the table lists the Workflows with their declared inputs', () => {
		expect(WORKFLOW_IDS).toEqual([
			'detect-count-and-visualize',
			'crop-and-classify',
			'always-fails',
			'compare-front-and-back',
		]);
		expect(WORKFLOWS[0].specification.inputs).toEqual([
			{ type: 'WorkflowImage', name: 'image' },
			{
				type: 'WorkflowParameter',
				name: 'confidence',
				kind: ['float_zero_to_one'],
				default_value: 0.4,
			},
			{ type: 'WorkflowParameter', name: 'classes', kind: ['list_of_values'], default_value: null },
		]);
	});
});

describe('Workflows: input errors (400 RuntimeInputError)', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test('a missing image, with Inference text and nulls', async () => {
		for (const inputs of [{}, { image: null }, { confidence: 0.5 }]) {
			const { status, json } = await run(server, 'detect-count-and-visualize', {
				api_key: 'k',
				inputs,
			});
			expect(status).toBe(400);
			expect(json).toEqual({
				message:
					"Detected runtime parameter `image` defined as `WorkflowImage` (of kind `['image']`), but value is not provided.",
				error_type: 'RuntimeInputError',
				context: RUNTIME_CONTEXT,
				inner_error_type: null,
				inner_error_message: 'None',
			});
		}
	});

	test('an image that does not load: bad base64, refused URL, no value, not a string', async () => {
		const failure = async (value: unknown) => {
			const { status, json } = await run(server, 'detect-count-and-visualize', {
				api_key: 'k',
				inputs: { image: value },
			});
			expect(status).toBe(400);
			expect(json).toMatchObject({
				error_type: 'RuntimeInputError',
				context: RUNTIME_CONTEXT,
				inner_error_type: null,
				inner_error_message: 'None',
			});
			return json.message as string;
		};
		const prefix =
			'Failed to assemble `image`. Could not successfully use any deserializer for declared kinds. Details: \nKind: `image` - Error: ';
		const invalid = `${prefix}Detected runtime parameter \`image\` defined as \`WorkflowImage\` that is invalid. Failed on input validation. Details: `;
		expect(await failure(image('!!! not an image !!!'))).toBe(
			`${invalid}Input image format could not be inferred from string.`,
		);
		expect(await failure(image(Buffer.from('hello').toString('base64')))).toBe(
			`${invalid}Input image format could not be inferred from string.`,
		);
		// Hosted defaults: http:// and IP hosts are refused.
		expect(await failure({ type: 'url', value: `${server.url}/images/x.png` })).toBe(
			`${invalid}Providing images via non https:// URL is not supported in this configuration of \`inference\`.`,
		);
		expect(await failure({ type: 'base64' })).toBe(`${invalid}'value'`);
		expect(await failure({ type: 'base64', value: 42 })).toBe(
			`${prefix}Detected runtime parameter \`image\` defined as \`WorkflowImage\` with type <class 'int'> that is invalid. Workflows accept only np.arrays, \`WorkflowImageData\` and dicts with keys \`type\` and \`value\` compatible with \`inference\` (or list of them).`,
		);
		expect(await failure([image(), image('nope!')])).toContain('Failed to assemble `image.[1]`.');
	});

	test('a parameter of the wrong type: the step manifest check with a pydantic ValidationError', async () => {
		const failure = async (inputs: Json) => {
			const { status, json } = await run(server, 'detect-count-and-visualize', {
				api_key: 'k',
				inputs: { image: image(), ...inputs },
			});
			expect(status).toBe(400);
			expect(json).toMatchObject({
				error_type: 'RuntimeInputError',
				context: RUNTIME_CONTEXT,
				inner_error_type: 'ValidationError',
			});
			return json as { message: string; inner_error_message: string };
		};
		const text = await failure({ confidence: 'high' });
		expect(text.message).toBe(
			'Provided input is incompatible with manifest of step model regarding property confidence provided in input parameter named confidence. Details available in inner error object.',
		);
		expect(text.inner_error_message).toMatch(
			/^2 validation errors for BlockManifest\nconfidence\.constrained-float\n/,
		);
		expect(text.inner_error_message).toContain(
			"Input should be a valid number, unable to parse string as a number [type=float_parsing, input_value='high', input_type=str]",
		);
		expect((await failure({ confidence: 1.5 })).inner_error_message).toContain(
			'Input should be less than or equal to 1 [type=less_than_equal, input_value=1.5, input_type=float]',
		);
		expect((await failure({ confidence: null })).inner_error_message).toContain('[type=float_type');
		const classes = await failure({ classes: 'red' });
		expect(classes.message).toContain(
			'regarding property class_filter provided in input parameter named classes',
		);
		expect(classes.inner_error_message).toContain(
			"class_filter.list[str]\n  Input should be a valid list [type=list_type, input_value='red', input_type=str]",
		);
		expect((await failure({ classes: ['red', 3] })).inner_error_message).toContain(
			'class_filter.list[str].1\n  Input should be a valid string [type=string_type, input_value=3, input_type=int]',
		);
	});
});

describe('Workflows: request validation (422), keys, workspace, unknown ids', () => {
	test('body problems answer 422 {detail} like FastAPI', async () => {
		const server = await startServer();
		const detail = async (body: unknown, headers?: Record<string, string>) => {
			const answer = await run(server, 'detect-count-and-visualize', body, headers);
			expect(answer.status).toBe(422);
			return answer.json.detail as Json[];
		};
		expect(await detail('')).toEqual([
			{ type: 'missing', loc: ['body'], msg: 'Field required', input: null },
		]);
		expect(await detail('{"api_key": "k", inputs}')).toEqual([
			{
				type: 'json_invalid',
				loc: ['body', expect.any(Number)],
				msg: 'JSON decode error',
				input: {},
				ctx: { error: expect.any(String) },
			},
		]);
		expect(await detail({ api_key: 'k' })).toEqual([
			{ type: 'missing', loc: ['body', 'inputs'], msg: 'Field required', input: { api_key: 'k' } },
		]);
		expect(await detail([1, 2])).toEqual([
			expect.objectContaining({ type: 'model_attributes_type', loc: ['body'], input: [1, 2] }),
		]);
		expect(
			await detail(JSON.stringify({ api_key: 'k', inputs: {} }), { 'Content-Type': 'text/plain' }),
		).toEqual([expect.objectContaining({ type: 'model_attributes_type', loc: ['body'] })]);
		expect(
			await detail({ api_key: 3, inputs: [], excluded_fields: 'output_image', use_cache: 'maybe' }),
		).toEqual([
			expect.objectContaining({ type: 'string_type', loc: ['body', 'api_key'], input: 3 }),
			expect.objectContaining({ type: 'dict_type', loc: ['body', 'inputs'] }),
			expect.objectContaining({ type: 'list_type', loc: ['body', 'excluded_fields'] }),
			expect.objectContaining({ type: 'bool_parsing', loc: ['body', 'use_cache'], input: 'maybe' }),
		]);
		// No Content-Type at all: FastAPI still reads JSON.
		const bare = await fetch(`${server.url}/local-workspace/workflows/detect-count-and-visualize`, {
			method: 'POST',
			body: new Blob([JSON.stringify({ api_key: 'k', inputs: { image: image() } })]),
		});
		expect(bare.status).toBe(200);
		// use_cache / workflow_version_id are accepted; a version that was never saved is not found.
		const extras = await run(server, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: image() },
			use_cache: false,
			workflow_version_id: '1',
		});
		expect(extras.status).toBe(200);
		const unsaved = await run(server, 'detect-count-and-visualize', {
			api_key: 'k',
			inputs: { image: image() },
			workflow_version_id: '3',
		});
		expect(unsaved.status).toBe(404);
		expect(unsaved.json.message).toBe(MESSAGES.notFound);
	});

	test('key: Bearer > body, never the query (Inference, docs/roboflow-api.md §6.1); inference style 401 / 403 (workflow:read scope)', async () => {
		const server = await startServer({
			keyScopes: { 'no-workflows': ['project:read'], scoped: ['workflow:read'] },
		});
		const body = (key?: string) => ({
			...(key ? { api_key: key } : {}),
			inputs: { image: image() },
		});
		const path = '/local-workspace/workflows/detect-count-and-visualize';
		expect((await request(server, path, body('k'))).status).toBe(200);
		// The route ignores the query's key: a right one there does not save a wrong body key.
		expect((await request(server, `${path}?api_key=k`, body('wrong'))).status).toBe(401);
		expect(
			(
				await request(server, path, body('wrong'), {
					'Content-Type': 'application/json',
					Authorization: 'Bearer k',
				})
			).status,
		).toBe(200);
		expect((await request(server, `${path}?api_key=wrong`, body('k'))).status).toBe(200);
		expect(await request(server, path, body())).toMatchObject({
			status: 401,
			json: { message: MESSAGES.unauthorized },
		});
		expect((await request(server, path, body('wrong'))).status).toBe(401);
		expect(await request(server, path, body('no-workflows'))).toMatchObject({
			status: 403,
			json: { message: MESSAGES.forbidden },
		});
		expect((await request(server, path, body('scoped'))).status).toBe(200);
		// 422 comes before the key check (FastAPI validates the body first).
		expect((await request(server, path, {})).status).toBe(422);
	});

	test('legacy and serverless styles', async () => {
		const legacy = await startServer({ auth: 'legacy' });
		const path = '/local-workspace/workflows/detect-count-and-visualize';
		expect(await request(legacy, path, { inputs: { image: image() } })).toMatchObject({
			status: 401,
			json: { message: 'Unauthorized api_key' },
		});
		expect(
			await request(legacy, path, { api_key: 'wrong', inputs: { image: image() } }),
		).toMatchObject({
			status: 403,
			json: { message: 'Forbidden' },
		});
		const serverless = await startServer({ auth: 'serverless' });
		// The gateway answers before body validation.
		expect(await request(serverless, path, {})).toMatchObject({
			status: 401,
			json: { status: 401, message: 'Unauthorized api_key' },
		});
		expect(await request(serverless, path, { api_key: 'wrong', inputs: {} })).toMatchObject({
			status: 401,
			json: { status: 401, message: MESSAGES.gatewayRejectedKey },
		});
		expect(
			(await request(serverless, path, { api_key: 'k', inputs: { image: image() } })).status,
		).toBe(200);
	});

	test('another workspace in the path, or an unknown Workflow: 404; body limit 413', async () => {
		const server = await startServer({ workspace: 'acme', maxBodyBytes: 50_000 });
		const body = { api_key: 'k', inputs: { image: image() } };
		const notFound = { status: 404, json: { message: MESSAGES.notFound } };
		expect(
			await request(server, '/local-workspace/workflows/detect-count-and-visualize', body),
		).toMatchObject(notFound);
		expect(await request(server, '/acme/workflows/no-such-workflow', body)).toMatchObject(notFound);
		expect(await request(server, '/infer/workflows/other/crop-and-classify', body)).toMatchObject(
			notFound,
		);
		expect((await request(server, '/acme/workflows/detect-count-and-visualize', body)).status).toBe(
			200,
		);
		const big = { ...body, padding: 'x'.repeat(60_000) };
		expect((await request(server, '/acme/workflows/detect-count-and-visualize', big)).status).toBe(
			413,
		);
	});
});

describe('fault injection: failAttempts and when', () => {
	const other = makeShapesPng({ width: 64, height: 48, rects: [{ ...red, x: 4, y: 4 }] });
	const postModel = (server: Server, bytes: Buffer, query = '') =>
		request(server, `/shapes/1?api_key=k${query}`, bytes.toString('base64'), {
			'Content-Type': 'application/x-www-form-urlencoded',
		});

	test('failAttempts: a picked image fails that many times in a row, then succeeds', async () => {
		const server = await startServer();
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, failAttempts: 2, retryAfter: 1 }] });
		const statuses = [];
		for (let i = 0; i < 4; i++) statuses.push((await postModel(server, scene)).status);
		expect(statuses).toEqual([503, 503, 200, 200]);
		expect(server.stats.repeats).toBe(3);
		expect(server.stats.injected[503]).toBe(2);
		// Default: the first attempt only.
		server.reset();
		server.setFaults({ firstAttempt: [{ kind: '429', share: 1 }] });
		expect((await postModel(server, scene)).status).toBe(429);
		expect((await postModel(server, scene)).status).toBe(200);
		expect(server.stats.injected[429]).toBe(1);
	});

	test('when: the fault targets one image by body size, or a request by query value', async () => {
		const server = await startServer();
		const targetBytes = Buffer.byteLength(other.toString('base64'));
		server.setFaults({
			firstAttempt: [
				{ kind: '503', share: 1, failAttempts: 2, when: (call) => call.bodyBytes === targetBytes },
			],
		});
		expect((await postModel(server, scene)).status).toBe(200);
		expect((await postModel(server, other)).status).toBe(503);
		expect((await postModel(server, other)).status).toBe(503);
		expect((await postModel(server, other)).status).toBe(200);
		expect(server.stats.injected[503]).toBe(2);
		expect(server.stats.repeats).toBe(2);

		server.reset();
		server.setFaults({
			always: {
				kind: 'status',
				status: 418,
				message: 'teapot',
				when: ({ url }) => url.searchParams.get('confidence') === '0.9',
			},
		});
		expect((await postModel(server, scene, '&confidence=0.9')).status).toBe(418);
		expect((await postModel(server, scene, '&confidence=0.5')).status).toBe(200);
		expect(server.stats.injected.other).toBe(1);
		expect(server.stats.calls.map((call) => call.status)).toEqual([418, 200]);
	});

	test('Workflow runs get faults too; their calls are recorded as route "workflow"', async () => {
		const server = await startServer();
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, retryAfter: 1 }] });
		const body = { api_key: 'k', inputs: { image: image() } };
		const first = await run(server, 'detect-count-and-visualize', body);
		expect(first.status).toBe(503);
		expect(first.json).toEqual({ message: MESSAGES.notReady });
		expect((await run(server, 'detect-count-and-visualize', body)).status).toBe(200);
		expect(server.stats.requests).toBe(2);
		expect(server.stats.repeats).toBe(1);
		expect(server.stats.calls[1]).toMatchObject({
			route: 'workflow',
			workflow: 'detect-count-and-visualize',
			model: 'workflows/detect-count-and-visualize',
			method: 'POST',
			status: 200,
		});
	});
});

describe('Workflows: two image inputs, versions, sinks, describe_interface', () => {
	const front = makeShapesPng({ width: 100, height: 80, rects: [red, blue, faint] });
	const back = makeShapesPng({ width: 100, height: 80, rects: [blue] });
	const pair = {
		front: image(front.toString('base64')),
		back: image(back.toString('base64')),
	};
	const describe_ = (server: Server, id: string, body: unknown, headers?: Record<string, string>) =>
		request(server, `/local-workspace/workflows/${id}/describe_interface`, body, headers);

	test('compare-front-and-back reads both images and its typed parameters; its sink fires per image', async () => {
		const server = await startServer();
		const { status, json } = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: { ...pair, label: 'p', tolerance: '2' },
		});
		expect(status).toBe(200);
		expect(json.outputs).toEqual([
			{
				front_count: 3,
				back_count: 1,
				difference: 2,
				matches: true,
				label: 'p',
				note: null,
				notification: {
					error_status: false,
					throttling_status: false,
					message: 'Notification sent in the background task',
				},
			},
		]);
		expect(server.stats.sinks).toEqual([
			{
				at: expect.any(Number),
				workflow: 'compare-front-and-back',
				version: '2',
				block: 'notify',
				blockType: 'roboflow_core/webhook_sink@v1',
				payload: { label: 'p', front_count: 3, back_count: 1 },
			},
		]);
		// A missing second image is Inference's missing-input error; a fractional integer pydantic's.
		const missing = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: { front: pair.front },
		});
		expect(missing.status).toBe(400);
		expect(missing.json.message).toMatch(/`back` defined as `WorkflowImage`/);
		const fractional = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: { ...pair, tolerance: 1.5 },
		});
		expect(fractional.status).toBe(400);
		expect(fractional.json.inner_error_message).toMatch(/int_from_float/);
		expect(server.stats.sinks).toHaveLength(1);
	});

	test('disable_sinks: no delivery, the policy message; quiet: the parameter message', async () => {
		const server = await startServer();
		const skipped = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: pair,
			disable_sinks: true,
		});
		expect(skipped.json.outputs[0].notification.message).toBe(
			'Sink was disabled by workflow execution policy',
		);
		const quiet = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: { ...pair, quiet: 'yes' },
		});
		expect(quiet.json.outputs[0].notification.message).toBe(
			'Sink was disabled by parameter `disable_sink`',
		);
		expect(server.stats.sinks).toEqual([]);
	});

	test('workflow_version_id runs a saved version; an unknown one is 404', async () => {
		const server = await startServer();
		const v1 = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: pair,
			workflow_version_id: '1',
		});
		expect(v1.json.outputs).toEqual([{ front_count: 3, back_count: 1, difference: 2 }]);
		const unknown = await run(server, 'compare-front-and-back', {
			api_key: 'k',
			inputs: pair,
			workflow_version_id: '7',
		});
		expect(unknown.status).toBe(404);
		expect(server.stats.sinks).toEqual([]);
	});

	test('describe_interface: inputs in the order the steps use them, kinds, typing hints', async () => {
		const server = await startServer();
		const { status, json } = await describe_(server, 'compare-front-and-back', { api_key: 'k' });
		expect(status).toBe(200);
		expect(Object.keys(json)).toEqual(['inputs', 'outputs', 'typing_hints', 'kinds_schemas']);
		expect(Object.entries(json.inputs)).toEqual([
			['front', ['image']],
			['confidence', ['float_zero_to_one']],
			['classes', ['list_of_values']],
			['back', ['image']],
			['tolerance', ['integer']],
			['label', ['string']],
			['quiet', ['boolean']],
			['note', ['*']],
		]);
		expect(json.outputs.front_count).toEqual(['integer']);
		expect(json.typing_hints).toMatchObject({ image: 'dict', integer: 'int', '*': 'Any' });
		const v1 = await describe_(server, 'compare-front-and-back', {
			api_key: 'k',
			workflow_version_id: '1',
		});
		expect(Object.keys(v1.json.inputs)).toEqual(['front', 'confidence', 'back']);
		const detect = await describe_(
			server,
			'detect-count-and-visualize',
			{},
			{
				'Content-Type': 'application/json',
				Authorization: 'Bearer k',
			},
		);
		expect(Object.keys(detect.json.inputs)).toEqual(['image', 'confidence', 'classes']);
	});

	test('describe_interface errors: no key 400, wrong key 401, unknown 404; an older server lacks the route', async () => {
		const server = await startServer();
		const noKey = await describe_(server, 'compare-front-and-back', {});
		expect(noKey.status).toBe(400);
		expect(noKey.json.message).toMatch(/^Required Roboflow API key is missing\./);
		expect((await describe_(server, 'compare-front-and-back', { api_key: 'x' })).status).toBe(401);
		expect((await describe_(server, 'no-such-flow', { api_key: 'k' })).status).toBe(404);
		expect(
			(
				await describe_(server, 'compare-front-and-back', {
					api_key: 'k',
					workflow_version_id: '9',
				})
			).status,
		).toBe(404);
		const older = await startServer({ describeInterface: false });
		const answer = await describe_(older, 'compare-front-and-back', { api_key: 'k' });
		expect(answer.status).toBe(404);
		expect(answer.json).toEqual({ detail: 'Not Found' });
	});

	test('describe_interface over capacity: a 429 and nothing more, like a run; the server answers again after', async () => {
		const server = await startServer();
		server.setFaults({ capacity: 0 });
		const limited = await describe_(server, 'compare-front-and-back', { api_key: 'k' });
		expect(limited.status).toBe(429);
		expect(server.stats.rateLimited).toBe(1);
		// The refused call stays refused: the route does not go on to answer it a second time.
		expect(server.stats.calls.map((call) => call.status)).toEqual([429]);
		server.setFaults({});
		expect((await describe_(server, 'compare-front-and-back', { api_key: 'k' })).status).toBe(200);
	});

	test('the management API serves a saved version with ?workflow_version=', async () => {
		const server = await startServer();
		const get = async (query: string) => {
			const response = await fetch(
				`${server.url}/local-workspace/workflows/compare-front-and-back?api_key=k${query}`,
			);
			return await readAnswer(response);
		};
		const latest = JSON.parse((await get('')).json.workflow.config);
		expect(latest.specification.inputs.map((i: Json) => i.name)).toEqual([
			'front',
			'back',
			'confidence',
			'tolerance',
			'classes',
			'label',
			'quiet',
			'note',
		]);
		expect(latest.specification.inputs.find((i: Json) => i.name === 'label')).toEqual({
			type: 'WorkflowParameter',
			name: 'label',
			kind: ['string'],
		});
		const v1 = JSON.parse((await get('&workflow_version=1')).json.workflow.config);
		expect(v1.specification.inputs.map((i: Json) => i.name)).toEqual([
			'front',
			'back',
			'confidence',
		]);
		expect((await get('&workflow_version=5')).status).toBe(404);
	});
});
