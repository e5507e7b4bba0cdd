/** The local server's api.roboflow.com routes (docs/roboflow-api.md §7, §10): workspace, projects, Workflows, uploads. */
import {
	COLOURS,
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

	test("GET / names the key's workspace; a wrong key is 401, echoing it", async () => {
		expect((await ask(server, '/?api_key=k')).json.workspace).toBe(WS);
		const refusal = { message: BAD_KEY, status: 401, type: 'OAuthException', key: 'nope' };
		expect(await ask(server, '/?api_key=nope')).toEqual(
			expect.objectContaining({ status: 401, json: { error: refusal } }),
		);
		expect((await ask(server, '/')).json.error).not.toHaveProperty('key');
	});

	test('GET /{workspace}/{project}: versions newest first, a model only where trained', async () => {
		const { json } = await ask(server, `/${WS}/shapes-retrained?api_key=k`);
		expect(json.versions.map((v: Json) => `${v.id} ${v.model?.endpoint}`)).toEqual([
			`${WS}/shapes-retrained/2 https://detect.roboflow.com/shapes-retrained/2`,
			`${WS}/shapes-retrained/1 undefined`,
		]);
	});

	test('every listed model answers on the model route; untrained, semantic and Florence-2 ones are 404', async () => {
		const scene = makeShapesPng({
			width: 40,
			height: 40,
			rects: [{ colour: 'red', x: 5, y: 5, width: 20, height: 20 }],
		});
		const statuses: string[] = [];
		for (const project of (await ask(server, `/${WS}?api_key=k`)).json.workspace.projects as Json[])
			for (const version of (await ask(server, `/${project.id}?api_key=k`)).json
				.versions as Json[]) {
				const id = version.id.slice(WS.length + 1);
				const answer = await ask(server, `/${id}?api_key=k`, {
					body: scene.toString('base64'),
					headers: { 'Content-Type': 'text/plain' },
				});
				statuses.push(`${id} ${answer.status}`);
			}
		expect(statuses.join(', ')).toBe(
			'colors/1 200, tones/1 200, shapes/1 200, shapes-seg/1 200, shapes-pose/1 200, shapes-retrained/2 200, shapes-retrained/1 404, shapes-untrained/1 404, shapes-semantic/1 404, shape-captions/1 404',
		);
	});

	test.each([
		'/someone-else?',
		'/someone-else/workflows?',
		`/${WS}/no-such-project?`,
		`/${WS}/workflows/no-such-workflow?`,
		`/${WS}/workflows/always-fails?workflow_version=5&`,
	])('%s: 404 {error}', async (path) => {
		expect(await ask(server, `${path}api_key=k`)).toMatchObject({
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
/** A PNG of its own (by its width), so each test uploads new images. */
const newPng = () => makePng(8 + nextImage++, 6, COLOURS.green);
const form = (bytes: Buffer, fields: Record<string, string> = {}, filename = 'photo.png') => {
	const body = new FormData();
	for (const [name, value] of Object.entries(fields)) body.append(name, value);
	body.append('file', new Blob([bytes], { type: 'image/png' }), filename);
	return body;
};
const upload = (server: Server, query: string, body?: unknown, project = 'shapes') =>
	ask(server, `/dataset/${project}/upload?${query}`, { body, method: 'POST' });
const DETECTION = JSON.stringify({
	image: { width: 40, height: 30 },
	predictions: [{ x: 10, y: 8, width: 6, height: 4, confidence: 0.95, class: 'red' }],
});
const annotation = (file: unknown = DETECTION, labelmap: unknown = null) => ({
	annotationFile: file,
	labelmap,
});
const annotate = (server: Server, id: string, query: string, body: unknown = annotation()) =>
	ask(server, `/dataset/shapes/annotate/${id}?api_key=k&${query}`, {
		body,
		headers: typeof body === 'string' ? { 'Content-Type': 'text/plain' } : undefined,
	});

describe('uploads', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer(SELF_HOSTED_URL_OPTIONS);
	});

	const url = (value: string) => `api_key=k&image=${encodeURIComponent(value)}`;
	test.each`
		name                      | query                              | body                                       | status | message
		${'a wrong key (echoed)'} | ${'api_key=nope'}                  | ${() => form(newPng())}                    | ${401} | ${BAD_KEY}
		${'text as the file'}     | ${'api_key=k'}                     | ${() => form(Buffer.from('not an image'))} | ${400} | ${'Invalid image.'}
		${'an unknown project'}   | ${'api_key=k'}                     | ${() => form(newPng())}                    | ${404} | ${'Project "nowhere"'}
		${'a URL answering 404'}  | ${'404'}                           | ${() => undefined}                         | ${400} | ${'Could not fetch image URL: the host answered HTTP 404.'}
		${'an unreachable host'}  | ${url('http://127.0.0.1:9/a.png')} | ${() => undefined}                         | ${502} | ${'Could not fetch image URL: the host could not be reached.'}
	`('$name: $status, nothing stored', async ({ name, query, body, status, message }) => {
		const before = server.received().images.length;
		const path = query === '404' ? url(`${server.url}/images/none.png`) : query;
		const project = name === 'an unknown project' ? 'nowhere' : 'shapes';
		const { json, ...answer } = await upload(server, path, body(), project);
		expect([answer.status, json.error.message]).toEqual([status, expect.stringContaining(message)]);
		expect(server.received().images).toHaveLength(before);
	});
});

describe('annotations', () => {
	let server: Server;
	let id: string;
	beforeEach(async () => {
		server ??= await startServer();
		id = (await upload(server, 'api_key=k', form(newPng()))).json.id;
	});
	const saved = () => server.received().images.find((image) => image.id === id)?.annotation;

	test.each`
		name                          | image             | query                         | body                               | status
		${'an unknown image'}         | ${'notAnImageId'} | ${'name=a.json'}              | ${annotation()}                    | ${404}
		${'no annotationFile'}        | ${undefined}      | ${'name=a.json'}              | ${{ labelmap: null }}              | ${400}
		${'an empty text'}            | ${undefined}      | ${'name=a.txt'}               | ${''}                              | ${400}
		${'a .json that is not JSON'} | ${undefined}      | ${'name=a.json'}              | ${annotation('{"predictions": [')} | ${400}
		${'a wrong key'}              | ${undefined}      | ${'api_key=nope&name=a.json'} | ${annotation()}                    | ${401}
	`('$name: $status, nothing saved', async ({ image, query, body, status }) => {
		expect((await annotate(server, image ?? id, query, body)).status).toBe(status);
		expect(saved()).toBeNull();
	});
});

describe('faults on uploads and annotations', () => {
	let server: Server;
	beforeEach(async () => {
		server ??= await startServer();
		server.reset();
	});

	test('latencyMs applies to the dataset routes; received() is a copy; reset() empties it', async () => {
		const delayed: string[] = [];
		server.setFaults({ latencyMs: (_body, url) => (delayed.push(url.pathname), 0) });
		await upload(server, 'api_key=k&tag=t', form(newPng()));
		expect(delayed).toEqual(['/dataset/shapes/upload']);
		server.received().images[0].tags.push('changed');
		expect([server.received('shapes').images[0].tags, server.received('colors')]).toEqual([
			['t'],
			{ images: [], calls: [] },
		]);
		server.reset();
		expect(server.received()).toEqual({ images: [], calls: [] });
	});
});
