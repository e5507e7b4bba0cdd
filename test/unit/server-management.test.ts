/** The local server's api.roboflow.com routes (docs/roboflow-api.md §7, §10): workspace, projects, Workflows, uploads. */
import crypto from 'node:crypto';

import {
	COLOURS,
	DROP_AFTER_STORE,
	isAnnotateRequest,
	isUploadRequest,
	makeJpeg,
	makePng,
	makeShapesPng,
	SELF_HOSTED_URL_OPTIONS,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { ask, useServers } from '../harness/localServer';

const startServer = useServers();
const WS = 'local-workspace';
const BAD_KEY = 'This API key does not exist (or has been revoked).';

describe('workspace, projects and Workflows', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test("GET / names the key's workspace; a wrong key is 401 echoing it", async () => {
		expect(await ask(server, '/?api_key=k')).toMatchObject({
			status: 200,
			json: { workspace: WS },
		});
		expect((await ask(server, '/?api_key=nope')).json).toEqual({
			error: {
				message: BAD_KEY,
				status: 401,
				type: 'OAuthException',
				hint: expect.any(String),
				key: 'nope',
			},
		});
		expect((await ask(server, '/')).json.error).not.toHaveProperty('key');
	});

	test('GET /{workspace}: every project with the fields pickers read', async () => {
		const projects = (await ask(server, `/${WS}?api_key=k`)).json.workspace.projects as Json[];
		expect(projects.map((p) => [p.id, p.type, p.versions, p.multilabel])).toEqual([
			[`${WS}/colors`, 'classification', 1, undefined],
			[`${WS}/tones`, 'classification', 1, true],
			[`${WS}/shapes`, 'object-detection', 1, undefined],
			[`${WS}/shapes-seg`, 'instance-segmentation', 1, undefined],
			[`${WS}/shapes-pose`, 'keypoint-detection', 1, undefined],
			[`${WS}/shapes-retrained`, 'object-detection', 2, undefined],
			[`${WS}/shapes-untrained`, 'object-detection', 1, undefined],
			[`${WS}/shapes-semantic`, 'semantic-segmentation', 1, undefined],
		]);
		expect(projects[0]).toEqual({
			id: `${WS}/colors`,
			type: 'classification',
			name: 'Colors',
			created: expect.any(Number),
			updated: expect.any(Number),
			images: 150,
			unannotated: 0,
			annotation: 'colors',
			versions: 1,
			public: false,
			splits: { train: 105, test: 15, valid: 30 },
			colors: { red: '#DC1E1E', green: '#1EC828', blue: '#1E28DC' },
			classes: { red: 48, green: 52, blue: 50 },
		});
	});

	test('GET /{workspace}/{project}: versions newest first, a model only where trained', async () => {
		const { json } = await ask(server, `/${WS}/shapes-retrained?api_key=k`);
		expect(json.workspace).toEqual({ name: WS, url: WS, members: 1 });
		expect(json.versions.map((v: Json) => [v.id, v.model?.id, v.model?.endpoint])).toEqual([
			[
				`${WS}/shapes-retrained/2`,
				'shapes-retrained/2',
				'https://detect.roboflow.com/shapes-retrained/2',
			],
			[`${WS}/shapes-retrained/1`, undefined, undefined],
		]);
	});

	test('every listed model answers on the model route; untrained and semantic ones are 404', async () => {
		const projects = (await ask(server, `/${WS}?api_key=k`)).json.workspace.projects as Json[];
		const statuses: Record<string, number> = {};
		const scene = makeShapesPng({
			width: 40,
			height: 40,
			rects: [{ colour: 'red', x: 5, y: 5, width: 20, height: 20 }],
		});
		for (const project of projects)
			for (const version of (await ask(server, `/${project.id}?api_key=k`)).json
				.versions as Json[]) {
				const id = version.id.split('/').slice(1).join('/');
				statuses[id] = (
					await ask(server, `/${id}?api_key=k`, {
						body: scene.toString('base64'),
						headers: { 'Content-Type': 'text/plain' },
					})
				).status;
			}
		expect(statuses).toEqual({
			'colors/1': 200,
			'tones/1': 200,
			'shapes/1': 200,
			'shapes-seg/1': 200,
			'shapes-pose/1': 200,
			'shapes-retrained/2': 200,
			'shapes-retrained/1': 404,
			'shapes-untrained/1': 404,
			'shapes-semantic/1': 404,
		});
	});

	test('GET /{workspace}/workflows and each Workflow with its specification; ?workflow_version=', async () => {
		const list = (await ask(server, `/${WS}/workflows?api_key=k`)).json;
		expect(list.workflows.map((w: Json) => w.url)).toEqual([
			'detect-count-and-visualize',
			'crop-and-classify',
			'always-fails',
			'compare-front-and-back',
		]);
		expect(list.workflows[0]).toEqual({
			id: expect.stringMatching(/^wf_/),
			name: 'Detect, Count and Visualize',
			url: 'detect-count-and-visualize',
			createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		const config = async (query: string) =>
			JSON.parse(
				(await ask(server, `/${WS}/workflows/compare-front-and-back?api_key=k${query}`)).json
					.workflow.config,
			).specification;
		const latest = await config('');
		expect(latest.inputs.map((i: Json) => i.name)).toEqual([
			'front',
			'back',
			'confidence',
			'tolerance',
			'classes',
			'label',
			'quiet',
			'note',
		]);
		expect(latest.inputs[5]).toEqual({
			type: 'WorkflowParameter',
			name: 'label',
			kind: ['string'],
		});
		expect((await config('&workflow_version=1')).inputs.map((i: Json) => i.name)).toEqual([
			'front',
			'back',
			'confidence',
		]);
	});

	test.each([`/${WS}`, `/${WS}/shapes`, `/${WS}/workflows`, `/${WS}/workflows/always-fails`])(
		'%s: 401 without a key, with a wrong one, and with one only in the header',
		async (path) => {
			for (const request of [
				ask(server, path),
				ask(server, `${path}?api_key=nope`),
				ask(server, path, { headers: { Authorization: 'Bearer k' } }),
			])
				expect(await request).toMatchObject({ status: 401, json: { error: { message: BAD_KEY } } });
		},
	);

	test.each([
		'/someone-else',
		'/someone-else/workflows',
		`/${WS}/no-such-project`,
		`/${WS}/workflows/no-such-workflow`,
		`/${WS}/workflows/always-fails?workflow_version=5`,
	])('%s: 404 {error}', async (path) => {
		expect(await ask(server, `${path}${path.includes('?') ? '&' : '?'}api_key=k`)).toMatchObject({
			status: 404,
			json: { error: { message: expect.any(String), status: 404 } },
		});
	});

	test('routing: GET /{project}/{digits} is the model route; management calls are recorded apart', async () => {
		const own = await startServer(SELF_HOSTED_URL_OPTIONS);
		const imageUrl = own.addImage('red.png', makePng(8, 8, COLOURS.red));
		expect(
			(await ask(own, `/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`)).json.top,
		).toBe('red');
		expect((await ask(own, `/${WS}/1?api_key=k`)).json.message).toBe(
			'Content-Type header not provided with request.',
		);
		expect((await ask(own, `/${WS}?api_key=k`)).status).toBe(200);
		expect(own.stats.requests).toBe(2);
		expect(own.stats.managementCalls).toEqual([
			{
				at: expect.any(Number),
				path: `/${WS}`,
				keySource: 'query',
				keyPlaces: ['query'],
				status: 200,
			},
		]);
	});
});

let nextImage = 0;
/** A PNG of its own (its width), so each test uploads new images. */
const newPng = () => makePng(8 + nextImage++, 6, COLOURS.green);
const sha1 = (bytes: Buffer) => crypto.createHash('sha1').update(bytes).digest('hex');
const form = (bytes: Buffer, fields: Record<string, string> = {}, filename = 'photo.png') => {
	const body = new FormData();
	for (const [name, value] of Object.entries(fields)) body.append(name, value);
	body.append('file', new Blob([bytes], { type: 'image/png' }), filename);
	return body;
};
const upload = (server: Server, query: string, body: unknown, project = 'shapes') =>
	ask(server, `/dataset/${project}/upload?${query}`, { body, method: 'POST' });
const annotate = (
	server: Server,
	id: string,
	query: string,
	body: unknown,
	headers?: Record<string, string>,
) => ask(server, `/dataset/shapes/annotate/${id}?api_key=k&${query}`, { body, headers });
const DETECTION = JSON.stringify({
	image: { width: 40, height: 30 },
	predictions: [{ x: 10, y: 8, width: 6, height: 4, confidence: 0.95, class: 'red' }],
});

describe('uploads', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer({ ...SELF_HOSTED_URL_OPTIONS, maxBodyBytes: 4096 });
	});
	const stored = (id: string) => server.received().images.find((image) => image.id === id);

	test("roboflow-python's form: name, split, metadata in the body, batch and tags in the query", async () => {
		const bytes = newPng();
		const { status, json } = await upload(
			server,
			'api_key=k&batch=From%20n8n&tag=camera-1&tag=night&inference_id=inf-1',
			form(bytes, { name: 'door.png', split: 'valid', metadata: '{"camera_id":"cam001"}' }),
		);
		expect(status).toBe(200);
		expect(json).toEqual({ success: true, id: expect.stringMatching(/^[A-Za-z0-9]{20}$/) });
		expect(stored(json.id)).toEqual({
			id: json.id,
			project: 'shapes',
			name: 'door.png',
			split: 'valid',
			batch: 'From n8n',
			tags: ['camera-1', 'night'],
			metadata: { camera_id: 'cam001' },
			inferenceId: 'inf-1',
			source: 'file',
			url: null,
			format: 'png',
			bytes: bytes.length,
			sha1: sha1(bytes),
			annotation: null,
		});
	});

	test('defaults: named after the file part; the URL form, after its file', async () => {
		const jpeg = makeJpeg(12, 9, COLOURS.blue);
		const file = (await upload(server, 'api_key=k', form(jpeg, {}, 'gate.jpg'), 'shapes-semantic'))
			.json;
		expect(stored(file.id)).toMatchObject({
			project: 'shapes-semantic',
			name: 'gate.jpg',
			split: 'train',
			batch: null,
			tags: [],
			metadata: null,
			format: 'jpeg',
		});
		const bytes = newPng();
		const url = server.addImage('from-url.png', bytes);
		const fetched = (
			await upload(server, `api_key=k&image=${encodeURIComponent(url)}&split=test`, undefined)
		).json;
		expect(stored(fetched.id)).toMatchObject({
			source: 'url',
			url,
			name: 'from-url.png',
			split: 'test',
			sha1: sha1(bytes),
		});
	});

	test('the same bytes again: {duplicate: true} with the first id, the first upload kept; per project', async () => {
		const bytes = newPng();
		const first = (await upload(server, 'api_key=k&batch=one', form(bytes))).json;
		expect(
			(await upload(server, 'api_key=k&batch=two', form(bytes, {}, 'other.png'))).json,
		).toEqual({ duplicate: true, id: first.id });
		expect(stored(first.id)).toMatchObject({ batch: 'one', name: 'photo.png' });
		expect((await upload(server, 'api_key=k', form(bytes), 'colors')).json).toEqual({
			success: true,
			id: expect.not.stringMatching(first.id),
		});
	});

	test.each([
		[
			'a wrong key (echoed)',
			'api_key=nope',
			() => form(newPng()),
			401,
			{ error: { message: BAD_KEY, key: 'nope' } },
		],
		['no key', 'batch=x', () => form(newPng()), 401, { error: { message: BAD_KEY } }],
		[
			'no image',
			'api_key=k',
			() => '',
			400,
			{ error: { message: expect.stringMatching(/^No image/) } },
		],
		[
			'a form without a file',
			'api_key=k',
			() => Object.assign(new FormData(), {}),
			400,
			{ error: { message: expect.stringMatching(/^No image/) } },
		],
		[
			'text as the file',
			'api_key=k',
			() => form(Buffer.from('not an image')),
			400,
			{ error: { message: 'Invalid image.', type: 'InvalidImageException' } },
		],
		[
			'a bad split',
			'api_key=k&split=training',
			() => form(newPng()),
			400,
			{ error: { message: expect.stringContaining('training') } },
		],
		[
			'metadata not an object',
			'api_key=k&metadata=%5B1%5D',
			() => form(newPng()),
			400,
			{ error: { message: expect.stringContaining('metadata') } },
		],
		[
			'a tag with "/"',
			'api_key=k&tag=ok&tag=shapes/1',
			() => form(newPng()),
			400,
			{ error: { message: expect.stringContaining('shapes/1') } },
		],
		[
			'a body over the limit (before the key)',
			'api_key=nope',
			() => form(makePng(80, 80, COLOURS.red, { noise: 40 })),
			413,
			{},
		],
		[
			'an unreachable URL host',
			'api_key=k&image=http%3A%2F%2F127.0.0.1%3A9%2Fnone.png',
			() => undefined,
			502,
			{ error: { retryable: true } },
		],
		[
			'an ftp URL',
			'api_key=k&image=ftp%3A%2F%2Fexample.com%2Fa.png',
			() => undefined,
			400,
			{ error: { message: expect.stringMatching(/^Could not fetch image URL/) } },
		],
	])('%s: %i, nothing stored', async (_name, query, body, status, json) => {
		const before = server.received().images.length;
		expect(await upload(server, query, body())).toMatchObject({ status, json });
		expect(server.received().images).toHaveLength(before);
	});

	test('an unknown project is 404; a private URL on a hosted server 400; a missing image URL 400', async () => {
		expect(
			(await upload(server, 'api_key=k', form(newPng()), 'no-such-project')).json.error.message,
		).toContain('no-such-project');
		expect(
			(
				await upload(
					server,
					`api_key=k&image=${encodeURIComponent(`${server.url}/images/none.png`)}`,
					undefined,
				)
			).json.error.message,
		).toBe('Could not fetch image URL: the host answered HTTP 404.');
		const hosted = await startServer();
		expect(
			(
				await upload(
					hosted,
					`api_key=k&image=${encodeURIComponent(server.addImage('p.png', newPng()))}`,
					undefined,
				)
			).json.error.message,
		).toMatch(/is not a public address/);
	});
});

describe('annotations', () => {
	let server: Server;
	let id: string;
	beforeEach(async () => {
		server ??= await startServer();
		id = (await upload(server, 'api_key=k', form(newPng()))).json.id;
	});
	const json = (file: unknown, labelmap: unknown = null) => ({ annotationFile: file, labelmap });

	test("roboflow-python's JSON body, then 409 already annotated, then overwrite=true with a text body", async () => {
		expect(
			await annotate(server, id, 'name=door.json&jobName=Review', json(DETECTION, { 0: 'red' })),
		).toMatchObject({ status: 200, json: { success: true } });
		const annotation = () => server.received().images.find((image) => image.id === id)?.annotation;
		expect(annotation()).toEqual({
			name: 'door.json',
			text: DETECTION,
			bodyForm: 'json',
			labelmap: { 0: 'red' },
			prediction: false,
			jobName: 'Review',
			saves: 1,
		});
		expect(await annotate(server, id, 'name=door.json', json(DETECTION))).toMatchObject({
			status: 409,
			json: { error: { message: expect.stringContaining('already annotated') } },
		});
		expect(
			(
				await annotate(server, id, 'name=door.txt&prediction=true&overwrite=true', 'blue', {
					'Content-Type': 'text/plain',
				})
			).status,
		).toBe(200);
		expect(annotation()).toEqual({
			name: 'door.txt',
			text: 'blue',
			bodyForm: 'text',
			labelmap: null,
			prediction: true,
			jobName: null,
			saves: 2,
		});
	});

	test.each([
		['an unknown image', () => 'notAnImageId', 'name=a.json', json(DETECTION), 404],
		['no name', () => undefined, '', json(DETECTION), 400],
		['no annotationFile', () => undefined, 'name=a.json', { labelmap: null }, 400],
		['an empty text', () => undefined, 'name=a.txt', '', 400],
		['a .json that is not JSON', () => undefined, 'name=a.json', json('{"predictions": ['), 400],
		['a wrong key', () => undefined, 'api_key=nope&name=a.json', json(DETECTION), 401],
	])('%s: %i', async (_name, imageId, query, body, status) => {
		expect(
			(
				await annotate(
					server,
					imageId() ?? id,
					query,
					body,
					typeof body === 'string' ? { 'Content-Type': 'text/plain' } : undefined,
				)
			).status,
		).toBe(status);
		expect(server.received().images.find((image) => image.id === id)?.annotation).toBeNull();
	});
});

describe('faults on uploads and annotations', () => {
	let server: Server;
	beforeEach(async () => {
		server ??= await startServer();
		server.reset();
	});
	const calls = () =>
		server.received().calls.map((call) => [call.route, call.status ?? 'none', call.outcome]);

	test('a 503 on the annotation only; a retry of it succeeds', async () => {
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, when: isAnnotateRequest }] });
		const { id } = (await upload(server, 'api_key=k', form(newPng()))).json;
		for (let i = 0; i < 2; i++)
			await annotate(server, id, 'name=a.json', { annotationFile: DETECTION });
		expect(calls()).toEqual([
			['upload', 200, 'stored'],
			['annotate', 503, 'fault'],
			['annotate', 200, 'annotated'],
		]);
	});

	test('a 429 on uploads (with Retry-After) and a drop store nothing: the retry is a new image', async () => {
		server.setFaults({ always: { kind: '429', retryAfter: 2, when: isUploadRequest } });
		const limited = await upload(server, 'api_key=k', form(newPng()));
		expect([limited.status, limited.retryAfter]).toEqual([429, '2']);
		server.setFaults({ firstAttempt: [{ kind: 'drop', share: 1, when: isUploadRequest }] });
		const bytes = newPng();
		await expect(upload(server, 'api_key=k', form(bytes))).rejects.toThrow();
		expect((await upload(server, 'api_key=k', form(bytes))).json).toEqual({
			success: true,
			id: expect.any(String),
		});
		expect(server.stats.injected).toMatchObject({ 429: 1, drop: 1 });
	});

	test('dropAfterStore: the upload is stored unanswered, its retry is a duplicate; an annotation, a 409', async () => {
		server.setFaults({ firstAttempt: [{ kind: DROP_AFTER_STORE, share: 1 }] });
		const bytes = newPng();
		await expect(upload(server, 'api_key=k', form(bytes))).rejects.toThrow();
		const [image] = server.received().images;
		expect((await upload(server, 'api_key=k', form(bytes))).json).toEqual({
			duplicate: true,
			id: image.id,
		});
		await expect(
			annotate(server, image.id, 'name=a.json', { annotationFile: DETECTION }),
		).rejects.toThrow();
		expect(
			(await annotate(server, image.id, 'name=a.json', { annotationFile: DETECTION })).status,
		).toBe(409);
		expect(calls()).toEqual([
			['upload', 'none', 'stored'],
			['upload', 200, 'duplicate'],
			['annotate', 'none', 'annotated'],
			['annotate', 409, 'refused'],
		]);
		expect(server.received().calls[0]).toMatchObject({
			fault: DROP_AFTER_STORE,
			imageId: image.id,
			query: {},
		});
	});

	test('latencyMs applies to the dataset routes; received() is a copy; reset() empties it', async () => {
		const delayed: string[] = [];
		server.setFaults({ latencyMs: (_body, url) => (delayed.push(url.pathname), 0) });
		await upload(server, 'api_key=k&tag=t', form(newPng()));
		expect(delayed).toEqual(['/dataset/shapes/upload']);
		server.received().images[0].tags.push('changed');
		expect(server.received('shapes').images[0].tags).toEqual(['t']);
		expect(server.received('colors')).toEqual({ images: [], calls: [] });
		server.reset();
		expect(server.received()).toEqual({ images: [], calls: [] });
	});
});
