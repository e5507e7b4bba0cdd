/** The local Roboflow server's dataset routes (uploads and annotations, docs/roboflow-api.md §10) over HTTP, their faults and the read-back. */
import crypto from 'node:crypto';

import type { DatasetSnapshot } from '../../tools/roboflow-server';
import {
	COLOURS,
	createRoboflowServer,
	DROP_AFTER_STORE,
	isAnnotateRequest,
	isUploadRequest,
	makeJpeg,
	makePng,
	RECEIVED_PATH,
	SELF_HOSTED_URL_OPTIONS,
} from '../../tools/roboflow-server';
import type { Json, Server } from '../harness/localServer';
import { readAnswer, useServers } from '../harness/localServer';

const startServer = useServers();

const BAD_KEY = 'This API key does not exist (or has been revoked).';

/** A PNG unique to `n` (its width), so each test uploads its own images. */
let nextImage = 0;
const newPng = () => makePng(8 + nextImage++, 6, COLOURS.green);
const sha1 = (bytes: Buffer) => crypto.createHash('sha1').update(bytes).digest('hex');

interface FileForm {
	bytes: Buffer;
	filename?: string;
	type?: string;
	fields?: Record<string, string>;
}

/** `POST /dataset/{project}/upload` with a multipart body (the file form), like roboflow-python. */
async function uploadFile(server: Server, project: string, query: string, form: FileForm) {
	const body = new FormData();
	for (const [name, value] of Object.entries(form.fields ?? {})) body.append(name, value);
	body.append(
		'file',
		new Blob([form.bytes], { type: form.type ?? 'image/png' }),
		form.filename ?? 'photo.png',
	);
	return await readAnswer(
		await fetch(`${server.url}/dataset/${project}/upload?${query}`, { method: 'POST', body }),
	);
}

/** A POST with any body and headers (URL form, base64 form, annotations). */
async function post(server: Server, path: string, body?: string, headers?: Record<string, string>) {
	return await readAnswer(await fetch(`${server.url}${path}`, { method: 'POST', body, headers }));
}

const annotateJson = (
	server: Server,
	path: string,
	annotationFile: unknown,
	labelmap: unknown = null,
) =>
	post(server, path, JSON.stringify({ annotationFile, labelmap }), {
		'Content-Type': 'application/json',
	});

const DETECTION = JSON.stringify({
	image: { width: 40, height: 30 },
	predictions: [{ x: 10, y: 8, width: 6, height: 4, confidence: 0.95, class: 'red' }],
});

const imageOf = (server: Server, id: string) =>
	server.received().images.find((image) => image.id === id);

describe('upload: the file form', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});

	test("roboflow-python's request: name, split and metadata in the body, batch and tags in the query", async () => {
		const bytes = newPng();
		const { status, json } = await uploadFile(
			server,
			'shapes',
			'api_key=k&batch=From%20n8n&tag=camera-1&tag=night',
			{ bytes, fields: { name: 'door.png', split: 'valid', metadata: '{"camera_id":"cam001"}' } },
		);
		expect(status).toBe(200);
		expect(json).toEqual({ success: true, id: expect.stringMatching(/^[A-Za-z0-9]{20}$/) });
		expect(imageOf(server, json.id)).toEqual({
			id: json.id,
			project: 'shapes',
			name: 'door.png',
			split: 'valid',
			batch: 'From n8n',
			tags: ['camera-1', 'night'],
			metadata: { camera_id: 'cam001' },
			inferenceId: null,
			sequenceNumber: null,
			sequenceSize: null,
			source: 'file',
			url: null,
			format: 'png',
			width: bytes.readUInt32BE(16),
			height: 6,
			bytes: bytes.length,
			sha1: sha1(bytes),
			at: expect.any(Number),
			annotation: null,
		});
	});

	test("Inference's request: file part 'imageToUpload', inference_id in the query; defaults: split train, no batch", async () => {
		const bytes = makeJpeg(12, 9, COLOURS.blue);
		const { status, json } = await uploadFile(
			server,
			'colors',
			'api_key=k&inference_id=inf-123&sequence_number=4',
			{ bytes, filename: 'imageToUpload', type: 'image/jpeg', fields: { name: 'local-7.jpg' } },
		);
		expect(status).toBe(200);
		expect(imageOf(server, json.id)).toMatchObject({
			project: 'colors',
			name: 'local-7.jpg',
			split: 'train',
			batch: null,
			tags: [],
			metadata: null,
			inferenceId: 'inf-123',
			sequenceNumber: 4,
			sequenceSize: 100_000,
			format: 'jpeg',
			width: 12,
			height: 9,
		});
	});

	test('without a name field the file part names the image; every project type takes uploads', async () => {
		for (const project of [
			'tones',
			'shapes-seg',
			'shapes-pose',
			'shapes-untrained',
			'shapes-semantic',
		]) {
			const { status, json } = await uploadFile(server, project, 'api_key=k', {
				bytes: newPng(),
				filename: `${project}.png`,
			});
			expect({ project, status }).toEqual({ project, status: 200 });
			expect(imageOf(server, json.id)).toMatchObject({ project, name: `${project}.png` });
		}
	});

	test('the same bytes again answer {duplicate: true} with the first id; the first upload is kept; per project', async () => {
		const bytes = newPng();
		const first = await uploadFile(server, 'shapes', 'api_key=k&batch=one', { bytes });
		const again = await uploadFile(server, 'shapes', 'api_key=k&batch=two&tag=x', {
			bytes,
			filename: 'other-name.png',
		});
		expect(again).toMatchObject({ status: 200, json: { duplicate: true, id: first.json.id } });
		expect(again.json.success).toBeUndefined();
		const stored = server.received('shapes').images.filter((image) => image.sha1 === sha1(bytes));
		expect(stored).toHaveLength(1);
		expect(stored[0]).toMatchObject({ batch: 'one', tags: [], name: 'photo.png' });
		// Another project has its own images.
		const elsewhere = await uploadFile(server, 'colors', 'api_key=k', { bytes });
		expect(elsewhere.json).toEqual({ success: true, id: expect.any(String) });
		expect(elsewhere.json.id).not.toBe(first.json.id);
	});

	test('the base64 body of the older docs is a third form', async () => {
		const bytes = newPng();
		const { status, json } = await post(
			server,
			'/dataset/shapes/upload?api_key=k&name=b64.png',
			`data:image/png;base64,${bytes.toString('base64')}`,
			{ 'Content-Type': 'application/x-www-form-urlencoded' },
		);
		expect(status).toBe(200);
		expect(imageOf(server, json.id)).toMatchObject({
			source: 'base64',
			name: 'b64.png',
			sha1: sha1(bytes),
		});
	});
});

describe('upload: refusals', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer({ maxBodyBytes: 4096 });
	});

	test('a wrong key is 401 and the body echoes it; no key is 401 without one; nothing is stored', async () => {
		const wrong = await uploadFile(server, 'shapes', 'api_key=nope', { bytes: newPng() });
		expect(wrong).toMatchObject({
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
		const none = await uploadFile(server, 'shapes', 'batch=x', { bytes: newPng() });
		expect(none.status).toBe(401);
		expect(none.json.error.key).toBeUndefined();
		// The key is only read from the query (management API, §7), not a Bearer header.
		const bearer = await readAnswer(
			await fetch(`${server.url}/dataset/shapes/upload`, {
				method: 'POST',
				body: newPng().toString('base64'),
				headers: { Authorization: 'Bearer k' },
			}),
		);
		expect(bearer.status).toBe(401);
		expect(server.received().images).toEqual([]);
	});

	test('an unknown project is 404 {error: {message}}', async () => {
		const { status, json } = await uploadFile(server, 'no-such-project', 'api_key=k', {
			bytes: newPng(),
		});
		expect(status).toBe(404);
		expect(json.error.message).toContain('no-such-project');
	});

	test('no image, not an image, a bad split, metadata, tag or sequence number are 400', async () => {
		const empty = await post(server, '/dataset/shapes/upload?api_key=k');
		expect(empty.status).toBe(400);
		expect(empty.json.error.message).toMatch(/No image/);
		const noFile = new FormData();
		noFile.append('name', 'x.png');
		const noFilePart = await readAnswer(
			await fetch(`${server.url}/dataset/shapes/upload?api_key=k`, {
				method: 'POST',
				body: noFile,
			}),
		);
		expect(noFilePart.status).toBe(400);
		const text = await uploadFile(server, 'shapes', 'api_key=k', {
			bytes: Buffer.from('not an image at all'),
			type: 'text/plain',
		});
		expect(text).toMatchObject({
			status: 400,
			json: { error: { message: 'Invalid image.', type: 'InvalidImageException' } },
		});
		const gif = await uploadFile(server, 'shapes', 'api_key=k', {
			bytes: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
			type: 'image/gif',
		});
		expect(gif.status).toBe(400);
		const split = await uploadFile(server, 'shapes', 'api_key=k&split=training', {
			bytes: newPng(),
		});
		expect(split.status).toBe(400);
		expect(split.json.error.message).toContain('training');
		const metadata = await uploadFile(server, 'shapes', 'api_key=k', {
			bytes: newPng(),
			fields: { metadata: '["not", "an", "object"]' },
		});
		expect(metadata.status).toBe(400);
		expect(metadata.json.error.message).toMatch(/metadata/);
		const tag = await uploadFile(server, 'shapes', 'api_key=k&tag=ok&tag=shapes/1', {
			bytes: newPng(),
		});
		expect(tag.status).toBe(400);
		expect(tag.json.error.message).toContain('shapes/1');
		const sequence = await uploadFile(server, 'shapes', 'api_key=k&sequence_number=first', {
			bytes: newPng(),
		});
		expect(sequence.status).toBe(400);
		expect(server.received().images).toEqual([]);
	});

	test('a body over the limit is 413 before the key is looked at', async () => {
		const big = makePng(300, 300, COLOURS.red, { noise: 40 });
		expect(big.length).toBeGreaterThan(4096);
		const { status } = await uploadFile(server, 'shapes', 'api_key=nope', { bytes: big });
		expect(status).toBe(413);
	});
});

describe('upload: the URL form', () => {
	let server: Server;
	let strict: Server;
	let busyUrl: string;
	let closedUrl: string;
	beforeAll(async () => {
		server = await startServer(SELF_HOSTED_URL_OPTIONS);
		strict = await startServer();
		// A host that answers 503: another local server whose model route always does.
		const busy = await startServer();
		busy.setFaults({ always: { kind: '503' } });
		busyUrl = `${busy.url}/colors/1?api_key=k&image=${encodeURIComponent('https://example.com/a.png')}`;
		// A host that is gone: a server's address after it stopped.
		const gone = createRoboflowServer();
		closedUrl = `${await gone.start()}/images/x.png`;
		await gone.stop();
	});

	test('the server downloads image= (no body); the name defaults to the URL file name; metadata in the query', async () => {
		const bytes = newPng();
		const url = server.addImage('from-url.png', bytes);
		const { status, json } = await post(
			server,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(url)}&split=test&batch=b&tag=t&metadata=${encodeURIComponent('{"site":"north"}')}`,
		);
		expect(status).toBe(200);
		expect(imageOf(server, json.id)).toMatchObject({
			source: 'url',
			url,
			name: 'from-url.png',
			split: 'test',
			batch: 'b',
			tags: ['t'],
			metadata: { site: 'north' },
			sha1: sha1(bytes),
		});
		// The same picture as a file is a duplicate: duplicates are found by content.
		const asFile = await uploadFile(server, 'shapes', 'api_key=k', { bytes });
		expect(asFile.json).toEqual({ duplicate: true, id: json.id });
	});

	test('a URL answering 404 is 400 "Could not fetch image URL"; a 5xx host or no connection is 502 retryable', async () => {
		const missing = await post(
			server,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(`${server.url}/images/none.png`)}`,
		);
		expect(missing.status).toBe(400);
		expect(missing.json.error.message).toMatch(/^Could not fetch image URL/);
		const busy = await post(
			server,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(busyUrl)}`,
		);
		expect(busy.status).toBe(502);
		expect(busy.json.error).toMatchObject({
			message: expect.stringMatching(/^Could not fetch image URL/),
			retryable: true,
		});
		const closed = await post(
			server,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(closedUrl)}`,
		);
		expect(closed.status).toBe(502);
		const notImage = await post(
			server,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(server.addImage('text.png', Buffer.from('hello'), 'text/plain'))}`,
		);
		expect(notImage).toMatchObject({ status: 400, json: { error: { message: 'Invalid image.' } } });
		expect(server.received('shapes').images.map((image) => image.name)).not.toContain('none.png');
	});

	test('as on Roboflow, a private address is refused (400) unless the server allows them', async () => {
		const url = strict.addImage('private.png', newPng());
		const { status, json } = await post(
			strict,
			`/dataset/shapes/upload?api_key=k&image=${encodeURIComponent(url)}`,
		);
		expect(status).toBe(400);
		expect(json.error.message).toMatch(/^Could not fetch image URL/);
		const bad = await post(
			strict,
			'/dataset/shapes/upload?api_key=k&image=ftp%3A%2F%2Fexample.com%2Fa.png',
		);
		expect(bad.status).toBe(400);
	});
});

describe('annotate', () => {
	let server: Server;
	let imageId: string;
	beforeAll(async () => {
		server = await startServer();
		imageId = (await uploadFile(server, 'shapes', 'api_key=k', { bytes: newPng() })).json.id;
	});

	test("roboflow-python's JSON body: {annotationFile, labelmap}, jobName; a second annotation is 409, overwrite=true replaces it", async () => {
		const path = `/dataset/shapes/annotate/${imageId}?api_key=k&name=door.json&jobName=Review`;
		const first = await annotateJson(server, path, DETECTION, { 0: 'red' });
		expect(first).toMatchObject({ status: 200, json: { success: true } });
		expect(imageOf(server, imageId)?.annotation).toEqual({
			name: 'door.json',
			text: DETECTION,
			bodyForm: 'json',
			labelmap: { 0: 'red' },
			prediction: false,
			jobName: 'Review',
			saves: 1,
		});

		const again = await annotateJson(server, path, DETECTION);
		expect(again.status).toBe(409);
		expect(again.json.error.message).toContain('already annotated');
		expect(imageOf(server, imageId)?.annotation?.saves).toBe(1);

		const replaced = await post(
			server,
			`/dataset/shapes/annotate/${imageId}?api_key=k&name=door.txt&prediction=true&overwrite=true`,
			'blue',
			{ 'Content-Type': 'text/plain' },
		);
		expect(replaced).toMatchObject({ status: 200, json: { success: true } });
		expect(imageOf(server, imageId)?.annotation).toEqual({
			name: 'door.txt',
			text: 'blue',
			bodyForm: 'text',
			labelmap: null,
			prediction: true,
			jobName: null,
			saves: 2,
		});
	});

	test("Inference's text body: a detection JSON as text/plain, prediction=true; a duplicate's id takes it", async () => {
		const bytes = newPng();
		const { json } = await uploadFile(server, 'shapes', 'api_key=k', { bytes });
		const duplicate = await uploadFile(server, 'shapes', 'api_key=k', { bytes });
		expect(duplicate.json.id).toBe(json.id);
		const { status } = await post(
			server,
			`/dataset/shapes/annotate/${duplicate.json.id}?api_key=k&name=local-1.json&prediction=true`,
			DETECTION,
			{ 'Content-Type': 'text/plain' },
		);
		expect(status).toBe(200);
		expect(imageOf(server, json.id)?.annotation).toMatchObject({
			name: 'local-1.json',
			text: DETECTION,
			bodyForm: 'text',
			prediction: true,
		});
	});

	test('refusals: key 401, unknown project or image 404 (also an image of another project), 400 for a missing name or annotation, or a .json that is not JSON', async () => {
		const { json } = await uploadFile(server, 'shapes', 'api_key=k', { bytes: newPng() });
		const id = json.id as string;
		const wrongKey = await annotateJson(
			server,
			`/dataset/shapes/annotate/${id}?api_key=nope&name=a.json`,
			DETECTION,
		);
		expect(wrongKey).toMatchObject({
			status: 401,
			json: { error: { message: BAD_KEY, key: 'nope' } },
		});
		const noProject = await annotateJson(
			server,
			`/dataset/nowhere/annotate/${id}?api_key=k&name=a.json`,
			DETECTION,
		);
		expect(noProject.status).toBe(404);
		const otherProject = await annotateJson(
			server,
			`/dataset/colors/annotate/${id}?api_key=k&name=a.json`,
			DETECTION,
		);
		expect(otherProject.status).toBe(404);
		const noImage = await annotateJson(
			server,
			'/dataset/shapes/annotate/notAnImageId?api_key=k&name=a.json',
			DETECTION,
		);
		expect(noImage.status).toBe(404);
		expect(noImage.json.error.message).toContain('notAnImageId');
		const noName = await annotateJson(
			server,
			`/dataset/shapes/annotate/${id}?api_key=k`,
			DETECTION,
		);
		expect(noName.status).toBe(400);
		const noFile = await post(
			server,
			`/dataset/shapes/annotate/${id}?api_key=k&name=a.json`,
			JSON.stringify({ labelmap: null }),
			{ 'Content-Type': 'application/json' },
		);
		expect(noFile.status).toBe(400);
		const emptyText = await post(
			server,
			`/dataset/shapes/annotate/${id}?api_key=k&name=a.txt`,
			'',
			{
				'Content-Type': 'text/plain',
			},
		);
		expect(emptyText.status).toBe(400);
		const notJson = await annotateJson(
			server,
			`/dataset/shapes/annotate/${id}?api_key=k&name=a.json`,
			'{"predictions": [',
		);
		expect(notJson.status).toBe(400);
		expect(imageOf(server, id)?.annotation).toBeNull();
	});
});

describe('faults on the dataset routes', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer();
	});
	beforeEach(() => {
		server.reset();
		server.setFaults({});
	});

	const upload = (bytes: Buffer) => uploadFile(server, 'shapes', 'api_key=k', { bytes });
	const annotate = (id: string) =>
		annotateJson(
			server,
			`/dataset/shapes/annotate/${id}?api_key=k&name=a.json&prediction=true`,
			DETECTION,
		);
	const routes = () => server.received().calls.map((call) => [call.route, call.status ?? 'none']);

	test('a 503 on the annotate call only: the upload is untouched, a retry of the annotation succeeds', async () => {
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, when: isAnnotateRequest }] });
		const { json } = await upload(newPng());
		expect((await annotate(json.id)).status).toBe(503);
		expect((await annotate(json.id)).status).toBe(200);
		expect(routes()).toEqual([
			['upload', 200],
			['annotate', 503],
			['annotate', 200],
		]);
		expect(server.received().calls[1]).toMatchObject({ outcome: 'fault', fault: '503' });
		expect(server.stats.injected[503]).toBe(1);
	});

	test('a 429 on uploads (always, with Retry-After) stores nothing', async () => {
		server.setFaults({ always: { kind: '429', retryAfter: 2, when: isUploadRequest } });
		const response = await fetch(`${server.url}/dataset/shapes/upload?api_key=k`, {
			method: 'POST',
			body: newPng().toString('base64'),
		});
		expect(response.status).toBe(429);
		expect(response.headers.get('retry-after')).toBe('2');
		expect(server.received().images).toEqual([]);
	});

	test('a dropped upload stored nothing: its retry is a new image, not a duplicate', async () => {
		server.setFaults({ firstAttempt: [{ kind: 'drop', share: 1, when: isUploadRequest }] });
		const bytes = newPng();
		await expect(upload(bytes)).rejects.toThrow();
		const retry = await upload(bytes);
		expect(retry.json).toEqual({ success: true, id: expect.any(String) });
		expect(server.received().images).toHaveLength(1);
		expect(server.stats.injected.drop).toBe(1);
	});

	test('dropAfterStore on the upload: stored, no answer; the retry comes back as a duplicate with the same id', async () => {
		server.setFaults({
			firstAttempt: [{ kind: DROP_AFTER_STORE, share: 1, when: isUploadRequest }],
		});
		const bytes = newPng();
		await expect(upload(bytes)).rejects.toThrow();
		const [stored] = server.received().images;
		expect(stored.sha1).toBe(sha1(bytes));
		const retry = await upload(bytes);
		expect(retry).toMatchObject({ status: 200, json: { duplicate: true, id: stored.id } });
		expect(server.received().calls).toEqual([
			expect.objectContaining({
				route: 'upload',
				outcome: 'stored',
				fault: DROP_AFTER_STORE,
				imageId: stored.id,
			}),
			expect.objectContaining({
				route: 'upload',
				outcome: 'duplicate',
				status: 200,
				imageId: stored.id,
			}),
		]);
		expect(server.received().calls[0].status).toBeUndefined();
		expect(server.stats.injected.drop).toBe(1);
	});

	test('dropAfterStore on the annotation: saved, no answer; the retry is 409 already annotated', async () => {
		server.setFaults({
			firstAttempt: [{ kind: DROP_AFTER_STORE, share: 1, when: isAnnotateRequest }],
		});
		const { json } = await upload(newPng());
		await expect(annotate(json.id)).rejects.toThrow();
		expect(imageOf(server, json.id)?.annotation?.prediction).toBe(true);
		const retry = await annotate(json.id);
		expect(retry.status).toBe(409);
		expect(routes()).toEqual([
			['upload', 200],
			['annotate', 'none'],
			['annotate', 409],
		]);
	});

	test('latencyMs delays the dataset routes too (a function of the URL picks them)', async () => {
		const delayed: string[] = [];
		server.setFaults({
			latencyMs: (_body, url) => {
				delayed.push(url.pathname);
				return 1;
			},
		});
		await upload(newPng());
		expect(delayed).toEqual(['/dataset/shapes/upload']);
	});
});

describe('the read-back', () => {
	let server: Server;
	beforeAll(async () => {
		server = await startServer({ apiKeys: ['readback-key'] });
	});

	test(`GET ${RECEIVED_PATH}: the same as received(), per project or all; never the key; reset() empties it`, async () => {
		const params = 'api_key=readback-key';
		const a = await uploadFile(server, 'shapes', `${params}&batch=b1&tag=t1`, { bytes: newPng() });
		await uploadFile(server, 'colors', params, { bytes: newPng() });
		await annotateJson(
			server,
			`/dataset/shapes/annotate/${a.json.id}?${params}&name=x.json`,
			DETECTION,
		);

		const all = await readAnswer(await fetch(`${server.url}${RECEIVED_PATH}`));
		expect(all.status).toBe(200);
		expect(all.json).toEqual(server.received());
		expect(all.text).not.toContain('readback-key');
		const snapshot = all.json as DatasetSnapshot;
		expect(snapshot.images.map((image) => image.project)).toEqual(['shapes', 'colors']);
		expect(snapshot.calls.map((call) => [call.route, call.project, call.status])).toEqual([
			['upload', 'shapes', 200],
			['upload', 'colors', 200],
			['annotate', 'shapes', 200],
		]);
		expect(snapshot.calls[0].query).toEqual({ batch: 'b1', tag: 't1' });

		const shapes = await readAnswer(await fetch(`${server.url}${RECEIVED_PATH}?project=shapes`));
		expect(shapes.json).toEqual(server.received('shapes'));
		expect((shapes.json as Json).images).toHaveLength(1);
		expect((await fetch(`${server.url}${RECEIVED_PATH}?project=nope`)).status).toBe(404);

		// A copy: changing it does not change the server's record.
		server.received().images[0].tags.push('changed');
		expect(server.received().images[0].tags).toEqual(['t1']);

		server.reset();
		expect(server.received()).toEqual({ images: [], calls: [] });
	});

	test('the other routes are unchanged: GET on the upload path is 404, the management API still answers', async () => {
		expect((await fetch(`${server.url}/dataset/shapes/upload?api_key=readback-key`)).status).toBe(
			404,
		);
		const workspace = await readAnswer(
			await fetch(`${server.url}/local-workspace?api_key=readback-key`),
		);
		expect(workspace.status).toBe(200);
	});
});
