/** The local Roboflow server's management API (api.roboflow.com routes) over HTTP, and its routing next to the model route. */
import {
	COLOURS,
	makePng,
	makeShapesPng,
	MODEL_KINDS,
	PROJECTS,
	SELF_HOSTED_URL_OPTIONS,
	WORKFLOWS,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { readAnswer, useServers } from '../harness/localServer';

const startServer = useServers();

async function get(server: Server, path: string) {
	const { status, json } = await readAnswer(await fetch(`${server.url}${path}`));
	return { status, json };
}

const BAD_KEY = 'This API key does not exist (or has been revoked).';
const WS = 'local-workspace';

describe('management API: workspace and projects', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test("GET / names the key's workspace; a bad key is 401 {error: {message}}", async () => {
		expect(await get(server, '/?api_key=k')).toMatchObject({
			status: 200,
			json: { workspace: WS },
		});
		expect(await get(server, '/?api_key=nope')).toEqual({
			status: 401,
			json: {
				error: {
					message: BAD_KEY,
					status: 401,
					type: 'OAuthException',
					hint: expect.any(String),
					key: 'nope',
				},
			},
		});
	});

	test('GET /{workspace}: every project with the fields pickers read', async () => {
		const { status, json } = await get(server, `/${WS}?api_key=k`);
		expect(status).toBe(200);
		expect(json.workspace).toMatchObject({ name: WS, url: WS, members: 1 });
		const projects = json.workspace.projects as Json[];
		expect(projects.map((p) => [p.id, p.type, p.versions])).toEqual([
			[`${WS}/colors`, 'classification', 1],
			[`${WS}/tones`, 'classification', 1],
			[`${WS}/shapes`, 'object-detection', 1],
			[`${WS}/shapes-seg`, 'instance-segmentation', 1],
			[`${WS}/shapes-pose`, 'keypoint-detection', 1],
			[`${WS}/shapes-retrained`, 'object-detection', 2],
			[`${WS}/shapes-untrained`, 'object-detection', 1],
			[`${WS}/shapes-semantic`, 'semantic-segmentation', 1],
		]);
		expect(projects[1].multilabel).toBe(true);
		expect(projects[0].multilabel).toBeUndefined();
		for (const project of projects) {
			expect(project).toEqual({
				id: expect.any(String),
				type: expect.any(String),
				name: expect.any(String),
				created: expect.any(Number),
				updated: expect.any(Number),
				images: expect.any(Number),
				unannotated: expect.any(Number),
				annotation: expect.any(String),
				versions: expect.any(Number),
				public: false,
				splits: { train: expect.any(Number), test: expect.any(Number), valid: expect.any(Number) },
				colors: expect.any(Object),
				classes: expect.any(Object),
				...(project.multilabel ? { multilabel: true } : {}),
			});
		}
		expect(projects[0].classes).toEqual({ red: 48, green: 52, blue: 50 });
		expect(Object.keys(projects[2].classes)).toEqual([...MODEL_KINDS.shapes.classes]);
	});

	test('GET /{workspace}/{project}: versions newest first, model only where trained', async () => {
		const retrained = await get(server, `/${WS}/shapes-retrained?api_key=k`);
		expect(retrained.status).toBe(200);
		expect(retrained.json.workspace).toEqual({ name: WS, url: WS, members: 1 });
		expect(retrained.json.project).toMatchObject({
			id: `${WS}/shapes-retrained`,
			type: 'object-detection',
			versions: 2,
		});
		const [v2, v1] = retrained.json.versions as Json[];
		expect(v2).toMatchObject({
			id: `${WS}/shapes-retrained/2`,
			name: expect.any(String),
			created: expect.any(Number),
			images: expect.any(Number),
			splits: expect.any(Object),
			model: {
				id: 'shapes-retrained/2',
				endpoint: 'https://detect.roboflow.com/shapes-retrained/2',
				start: expect.any(Number),
				end: expect.any(Number),
				recall: expect.any(String),
				precision: expect.any(String),
				map: expect.any(String),
			},
		});
		expect(v1.id).toBe(`${WS}/shapes-retrained/1`);
		expect(v1.model).toBeUndefined();
		const untrained = (await get(server, `/${WS}/shapes-untrained?api_key=k`)).json
			.versions as Json[];
		expect(untrained.map((v) => Boolean(v.model))).toEqual([false]);
		const colors = (await get(server, `/${WS}/colors?api_key=k`)).json.versions as Json[];
		expect(colors[0].model.endpoint).toBe('https://classify.roboflow.com/colors/1');
	});

	test('every listed trained model id answers on the model route; untrained and semantic ones 404', async () => {
		const projects = (await get(server, `/${WS}?api_key=k`)).json.workspace.projects as Json[];
		const trained: string[] = [];
		const idle: string[] = [];
		for (const project of projects) {
			const versions = (await get(server, `/${project.id}?api_key=k`)).json.versions as Json[];
			for (const version of versions) {
				const modelId = version.id.split('/').slice(1).join('/');
				if (version.model && project.type !== 'semantic-segmentation') {
					expect(version.model.id).toBe(modelId);
					trained.push(modelId);
				} else idle.push(modelId);
			}
		}
		expect(trained.sort()).toEqual(
			[
				'colors/1',
				'tones/1',
				'shapes/1',
				'shapes-seg/1',
				'shapes-pose/1',
				'shapes-retrained/2',
			].sort(),
		);
		expect(idle.sort()).toEqual(['shapes-retrained/1', 'shapes-semantic/1', 'shapes-untrained/1']);
		const scene = makeShapesPng({
			width: 60,
			height: 60,
			rects: [{ colour: 'red', x: 5, y: 5, width: 20, height: 20 }],
		});
		const infer = (modelId: string) =>
			fetch(`${server.url}/${modelId}?api_key=k`, {
				method: 'POST',
				body: scene.toString('base64'),
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			});
		for (const modelId of trained) expect((await infer(modelId)).status).toBe(200);
		const retrained = (await (await infer('shapes-retrained/2')).json()) as Json;
		expect(retrained.predictions).toEqual([
			expect.objectContaining({ class: 'red', x: 15, y: 15 }),
		]);
		for (const modelId of idle) expect((await infer(modelId)).status).toBe(404);
	});

	test('the table matches what the routes serve', () => {
		expect(PROJECTS.map((p) => p.slug)).toEqual([
			'colors',
			'tones',
			'shapes',
			'shapes-seg',
			'shapes-pose',
			'shapes-retrained',
			'shapes-untrained',
			'shapes-semantic',
		]);
	});
});

describe('management API: workflows', () => {
	test('GET /{workspace}/workflows and /{workspace}/workflows/{url} with the declared inputs', async () => {
		const server = await startServer();
		const list = await get(server, `/${WS}/workflows?api_key=k`);
		expect(list.status).toBe(200);
		expect(list.json).toEqual({
			workflows: WORKFLOWS.map((w) => ({
				id: expect.stringMatching(/^wf_/),
				name: w.name,
				url: w.url,
				createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			})),
			status: 'ok',
		});
		expect(list.json.workflows.map((w: Json) => w.url)).toEqual([
			'detect-count-and-visualize',
			'crop-and-classify',
			'always-fails',
			'compare-front-and-back',
		]);
		for (const entry of list.json.workflows as Json[]) {
			const detail = await get(server, `/${WS}/workflows/${entry.url}?api_key=k`);
			expect(detail.status).toBe(200);
			expect(detail.json).toMatchObject({
				workflow: { id: entry.id, name: entry.name, url: entry.url, config: expect.any(String) },
				status: 'ok',
			});
			const config = JSON.parse(detail.json.workflow.config as string);
			expect(Object.keys(config.specification)).toEqual(['version', 'inputs', 'steps', 'outputs']);
			expect(config.specification.inputs).toEqual(
				WORKFLOWS.find((w) => w.url === entry.url)!.specification.inputs,
			);
		}
		const detect = JSON.parse(
			(await get(server, `/${WS}/workflows/detect-count-and-visualize?api_key=k`)).json.workflow
				.config,
		);
		expect(detect.specification.inputs).toEqual([
			{ type: 'WorkflowImage', name: 'image' },
			{
				type: 'WorkflowParameter',
				name: 'confidence',
				kind: ['float_zero_to_one'],
				default_value: 0.4,
			},
			{ type: 'WorkflowParameter', name: 'classes', kind: ['list_of_values'], default_value: null },
		]);
		expect(detect.specification.outputs.map((o: Json) => o.name)).toEqual([
			'count_objects',
			'predictions',
			'output_image',
		]);
	});

	test('errors: 401 bad key, 404 unknown workspace / project / workflow, 403 without workflow:read', async () => {
		const server = await startServer({
			keyScopes: { projects: ['project:read'], reader: ['workflow:read'] },
		});
		for (const path of [
			`/${WS}`,
			`/${WS}/shapes`,
			`/${WS}/workflows`,
			`/${WS}/workflows/always-fails`,
		]) {
			expect(await get(server, `${path}?api_key=nope`)).toMatchObject({
				status: 401,
				json: { error: { message: BAD_KEY } },
			});
			expect(await get(server, path)).toMatchObject({
				status: 401,
				json: { error: { message: BAD_KEY } },
			});
		}
		const notFound = { status: 404, json: { error: { message: expect.any(String), status: 404 } } };
		expect(await get(server, '/someone-else?api_key=k')).toMatchObject(notFound);
		expect(await get(server, '/someone-else/workflows?api_key=k')).toMatchObject(notFound);
		expect(await get(server, '/someone-else/workflows/always-fails?api_key=k')).toMatchObject(
			notFound,
		);
		expect(await get(server, `/${WS}/no-such-project?api_key=k`)).toMatchObject(notFound);
		expect(await get(server, `/${WS}/workflows/no-such-workflow?api_key=k`)).toMatchObject(
			notFound,
		);
		const forbidden = {
			status: 403,
			json: { error: { message: expect.stringContaining('workflow:read'), status: 403 } },
		};
		expect(await get(server, `/${WS}/workflows?api_key=projects`)).toMatchObject(forbidden);
		expect(await get(server, `/${WS}/workflows/always-fails?api_key=projects`)).toMatchObject(
			forbidden,
		);
		// Without workflow:read the projects are still listed; with only workflow:read the workflows are.
		expect((await get(server, `/${WS}?api_key=projects`)).status).toBe(200);
		expect((await get(server, `/${WS}/workflows?api_key=reader`)).status).toBe(200);
		expect(server.stats.requests).toBe(0);
		expect(server.stats.managementCalls.length).toBeGreaterThan(10);
		expect(server.stats.managementCalls[0]).toEqual({
			at: expect.any(Number),
			path: `/${WS}`,
			status: 401,
		});
	});
});

describe('routing: management GETs next to the model route', () => {
	test('GET /{project}/{version}?image= is still the model route, even when the workspace has that name', async () => {
		for (const workspace of ['local-workspace', 'colors']) {
			const server = await startServer({ ...SELF_HOSTED_URL_OPTIONS, workspace });
			const imageUrl = server.addImage('red.png', makePng(8, 8, COLOURS.red));
			const answer = await get(server, `/colors/1?api_key=k&image=${encodeURIComponent(imageUrl)}`);
			expect(answer.status).toBe(200);
			expect(answer.json.top).toBe('red');
			expect(server.stats.requests).toBe(1);
		}
		// With workspace "colors", a non-numeric second segment is a management path.
		const server = await startServer({ workspace: 'colors' });
		expect(await get(server, '/colors/tones?api_key=k')).toMatchObject({
			status: 200,
			json: { project: { id: 'colors/tones' } },
		});
		expect((await get(server, '/colors/nothing?api_key=k')).status).toBe(404);
		expect((await get(server, '/colors?api_key=k')).json.workspace.projects[0].id).toBe(
			'colors/colors',
		);
		expect(server.stats.requests).toBe(0);
	});

	test('other paths keep their meaning: POST /{a}/{b} and GET /{project}/{digits} are the model route', async () => {
		const server = await startServer();
		// GET without image= on the model route: Content-Type missing (400), not a management answer.
		expect(await get(server, '/shapes/1?api_key=k')).toMatchObject({
			status: 400,
			json: { message: 'Content-Type header not provided with request.' },
		});
		expect(await get(server, `/${WS}/1?api_key=k`)).toMatchObject({ status: 400 });
		const posted = await fetch(`${server.url}/${WS}/shapes?api_key=k`, {
			method: 'POST',
			body: makePng(4, 4, COLOURS.red).toString('base64'),
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		expect(posted.status).toBe(404);
		expect(server.stats.requests).toBe(3);
		expect(server.stats.managementCalls).toEqual([]);
	});

	test('options.models adds its project or version to the workspace, listed and served', async () => {
		const server = await startServer({
			models: { 'fruit/3': 'shapes', 'shapes/2': 'shapes-seg', odd: 'colors' },
		});
		const projects = (await get(server, `/${WS}?api_key=k`)).json.workspace.projects as Json[];
		expect(projects.find((p) => p.id === `${WS}/fruit`)).toMatchObject({
			type: 'object-detection',
			versions: 1,
		});
		expect(projects.find((p) => p.id === `${WS}/shapes`)).toMatchObject({ versions: 2 });
		const versions = (await get(server, `/${WS}/fruit?api_key=k`)).json.versions as Json[];
		expect(versions).toEqual([
			expect.objectContaining({
				id: `${WS}/fruit/3`,
				model: expect.objectContaining({ id: 'fruit/3' }),
			}),
		]);
		const shapes = (await get(server, `/${WS}/shapes?api_key=k`)).json.versions as Json[];
		expect(shapes.map((v) => v.id)).toEqual([`${WS}/shapes/2`, `${WS}/shapes/1`]);
		const infer = await fetch(`${server.url}/fruit/3?api_key=k`, {
			method: 'POST',
			body: makeShapesPng({
				width: 30,
				height: 30,
				rects: [{ colour: 'blue', x: 2, y: 2, width: 10, height: 10 }],
			}).toString('base64'),
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		expect(infer.status).toBe(200);
	});
});
