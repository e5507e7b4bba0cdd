/**
 * Upload Image to Project (docs/roboflow-api.md §10) through n8n-core's real engine against the
 * local server's dataset routes: what arrived is read back from the server (`received`), not
 * inferred from the node's output.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { ReceivedImage } from '../tools/roboflow-server';
import { DROP_AFTER_STORE, isAnnotateRequest, isUploadRequest } from '../tools/roboflow-server';
import {
	API_KEY,
	imageBytes,
	imageItem,
	run,
	shapesItem,
	useLocalServer,
} from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

/** The credential with the management API on the local server too (uploads go there). */
const account = (apiKey = API_KEY) => ({ ...credentials(), apiKey, managementUrl: server.url });

// Two red rectangles and a blue one: the local detector finds three boxes.
const SCENE = {
	rects: [
		{ colour: 'red' as const, x: 5, y: 5, width: 20, height: 15 },
		{ colour: 'red' as const, x: 40, y: 10, width: 25, height: 20 },
		{ colour: 'blue' as const, x: 80, y: 50, width: 30, height: 30 },
	],
};

const uploadParams = (extra: INodeParameters = {}): INodeParameters => ({
	operation: 'upload',
	projectId: { __rl: true, mode: 'list', value: 'shapes' },
	inputType: 'binaryData',
	binaryPropertyName: 'data',
	split: 'train',
	annotation: 'none',
	options: {},
	...extra,
});

async function upload(
	items: INodeExecutionData[],
	extra: INodeParameters = {},
	options: { apiKey?: string; continueOnFail?: boolean } = {},
) {
	return await run(account(options.apiKey), items, uploadParams(extra), {
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	});
}

/** Runs a model operation first, as a node upstream would: its output items feed the upload. */
async function predicted(items: INodeExecutionData[], parameters: INodeParameters) {
	const { outputs, error } = await run(credentials(), items, parameters);
	expect(error).toBeUndefined();
	return outputs[0];
}

/** The scene (or `spec`) detected by the shapes model, as the item an upload gets. */
const detected = async (spec = SCENE, options = {}) =>
	await predicted([await shapesItem(spec, {}, 'scene.png')], {
		operation: 'detect',
		modelId: 'shapes/1',
		options,
	});

const images = (project = 'shapes'): ReceivedImage[] => server.received(project).images;
const calls = (route: 'upload' | 'annotate') =>
	server.received().calls.filter((call) => call.route === route);

describe('upload: the image', () => {
	test('a binary goes as the file form, with split, batch, tags and metadata; the item keeps its JSON and binary', async () => {
		const item = await imageItem('red', { camera: 'gate' });
		const { outputs, error } = await upload([item], {
			split: 'valid',
			options: {
				batchName: 'gate camera',
				tags: 'low-confidence, gate ,',
				metadata: {
					pair: [
						{ name: 'camera_id', value: 'cam001' },
						{ name: 'site', value: 'north' },
					],
				},
				inferenceId: 'abc-123',
			},
		});
		expect(error).toBeUndefined();
		const [out] = outputs[0];
		const [stored] = images();
		expect(out.json).toEqual({
			colour: 'red',
			camera: 'gate',
			image_id: stored.id,
			duplicate: false,
			annotated: false,
			annotation_status: 'not requested',
			project: 'shapes',
			split: 'valid',
			batch: 'gate camera',
			tags: ['low-confidence', 'gate'],
		});
		expect(out.pairedItem).toEqual({ item: 0 });
		expect(out.binary).toEqual(item.binary);
		expect(stored).toMatchObject({
			name: 'red.png',
			split: 'valid',
			batch: 'gate camera',
			tags: ['low-confidence', 'gate'],
			metadata: { camera_id: 'cam001', site: 'north' },
			inferenceId: 'abc-123',
			source: 'file',
			format: 'png',
			bytes: imageBytes('red').length,
			annotation: null,
		});
		expect(calls('annotate')).toHaveLength(0);
	});

	test('without options: batch "n8n", no tags, no metadata; Image Name names it', async () => {
		const { outputs } = await upload([await imageItem('green')], {
			options: { imageName: 'gate-1.png' },
		});
		expect(outputs[0][0].json).toMatchObject({ batch: 'n8n', tags: [] });
		expect(images()[0]).toMatchObject({
			name: 'gate-1.png',
			batch: 'n8n',
			tags: [],
			metadata: null,
			inferenceId: null,
		});
	});

	test('an image URL goes as the URL form: Roboflow downloads it, named after its last path segment', async () => {
		const url = server.addImage('porch.png', imageBytes('red', { size: 20 }));
		const { outputs, error } = await upload([{ json: { url } }], {
			inputType: 'imageUrl',
			imageUrl: '={{ $json.url }}',
			options: { tags: 'a,b' },
		});
		expect(error).toBeUndefined();
		const [stored] = images();
		expect(stored).toMatchObject({ source: 'url', url, name: 'porch.png', tags: ['a', 'b'] });
		expect(outputs[0][0].json).toMatchObject({ image_id: stored.id, duplicate: false });
	});

	test('a URL Roboflow cannot fetch: the item says so, quoting "Could not fetch image URL"', async () => {
		const { outputs } = await upload(
			[{ json: { url: `${server.url}/images/missing.png` } }],
			{ inputType: 'imageUrl', imageUrl: '={{ $json.url }}' },
			{ continueOnFail: true },
		);
		const json = outputs[0][0].json;
		expect(json.error).toBe('Roboflow could not fetch or read the image URL [item 0]');
		expect(String(json.message)).toContain('Could not fetch image URL');
		expect(images()).toHaveLength(0);
	});

	test('several images per item: split into items, or combined under results', async () => {
		const item = await imageItem('red');
		const second = await imageItem('blue');
		item.binary = { photo_a: item.binary!.data, photo_b: second.binary!.data };
		const split = await upload([item], { binaryPropertyName: '*' });
		expect(split.error).toBeUndefined();
		expect(split.outputs[0].map((out) => out.json.binary_field)).toEqual(['photo_a', 'photo_b']);
		expect(split.outputs[0].map((out) => Object.keys(out.binary!))).toEqual([
			['photo_a'],
			['photo_b'],
		]);
		const ids = split.outputs[0].map((out) => out.json.image_id);
		// Both at once (Max Concurrency): the project may receive them in either order.
		expect(
			images()
				.map((image) => image.id)
				.sort(),
		).toEqual([...ids].sort());

		const combined = await upload([item], {
			binaryPropertyName: 'photo_a, photo_b',
			options: { splitImages: false },
		});
		const results = combined.outputs[0][0].json.results as Array<Record<string, unknown>>;
		// The same bytes again: duplicates of the first run's images, with their ids.
		expect(results.map((r) => [r.binary_field, r.image_id, r.duplicate])).toEqual([
			['photo_a', ids[0], true],
			['photo_b', ids[1], true],
		]);
	});
});

describe('upload: binary data objects in Input Binary Field (an expression)', () => {
	test('a chat upload named by an expression is sent as a file under its own name', async () => {
		const upload1 = await imageItem('blue');
		const item = { json: { chatInput: 'add this' }, binary: { data0: upload1.binary!.data } };
		const { outputs, error } = await upload([item], { binaryPropertyName: '={{ $binary.data0 }}' });
		expect(error).toBeUndefined();
		const [stored] = images();
		expect(stored).toMatchObject({
			name: 'blue.png',
			source: 'file',
			bytes: imageBytes('blue').length,
		});
		expect(outputs[0][0].json).toMatchObject({ image_id: stored.id, chatInput: 'add this' });
	});
});

describe('upload: duplicates', () => {
	test('the same image again is a duplicate with the first id, not an error', async () => {
		const first = await upload([await imageItem('red')]);
		const again = await upload([await imageItem('red', { second: true })]);
		expect(again.error).toBeUndefined();
		expect(again.outputs[0][0].json).toMatchObject({
			image_id: first.outputs[0][0].json.image_id,
			duplicate: true,
		});
		expect(images()).toHaveLength(1);
	});
});

describe('upload: the prediction as a pre-annotation', () => {
	test('detection: the prediction JSON ({image, predictions}) as a .json text body, marked as a prediction', async () => {
		const scene = await detected();
		const { outputs, error } = await upload(scene, {
			annotation: 'prediction',
			options: { jobName: 'review low confidence' },
		});
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		expect(out.json).toMatchObject({ annotated: true, annotation_status: 'attached', count: 3 });
		const { annotation } = images()[0];
		expect(annotation).toMatchObject({
			name: 'scene.json',
			bodyForm: 'text',
			prediction: true,
			jobName: 'review low confidence',
			saves: 1,
		});
		const sent = JSON.parse(annotation!.text) as Record<string, unknown>;
		expect(sent).toEqual({ image: scene[0].json.image, predictions: scene[0].json.predictions });
		expect(calls('annotate')[0].imageId).toBe(out.json.image_id);
	});

	test('classification: the class name as .txt; multi-label: the predicted classes joined by commas', async () => {
		const single = await predicted([await imageItem('red')], {
			operation: 'classify',
			modelId: 'colors/1',
		});
		await upload(single, { annotation: 'prediction' });
		expect(images()[0].annotation).toMatchObject({ name: 'red.txt', text: 'red' });

		const multi = await predicted([await imageItem('blue', {}, { size: 30 })], {
			operation: 'classify',
			modelId: 'tones/1',
		});
		const classes = multi[0].json.predicted_classes as string[];
		expect(classes.length).toBeGreaterThan(0);
		await upload(multi, { annotation: 'prediction' });
		expect(images()[1].annotation?.text).toBe(classes.join(','));
	});

	test('Mark as Prediction off: the annotation is sent as ground truth', async () => {
		const scene = await detected();
		await upload(scene, { annotation: 'prediction', options: { asPrediction: false } });
		expect(images()[0].annotation?.prediction).toBe(false);
		expect(calls('annotate')[0].query.prediction).toBeUndefined();
	});

	test('under an Output Field: Prediction Field finds it', async () => {
		const scene = await detected(SCENE, { outputField: 'roboflow' });
		const { outputs } = await upload(scene, {
			annotation: 'prediction',
			options: { predictionField: 'roboflow', outputField: 'upload' },
		});
		expect(outputs[0][0].json.upload).toMatchObject({ annotation_status: 'attached' });
		expect(outputs[0][0].json.roboflow).toEqual(scene[0].json.roboflow);
		expect(JSON.parse(images()[0].annotation!.text).predictions).toHaveLength(3);
	});

	test('nothing found: the image is uploaded and the item says there was nothing to attach', async () => {
		const scene = await detected({ rects: [] });
		expect(scene[0].json.count).toBe(0);
		const { outputs } = await upload(scene, { annotation: 'prediction' });
		expect(outputs[0][0].json).toMatchObject({
			annotated: false,
			annotation_status: 'nothing to attach',
		});
		expect(images()).toHaveLength(1);
		expect(calls('annotate')).toHaveLength(0);
	});

	test('an item without a prediction fails before anything is uploaded, naming the fix; other items go on', async () => {
		const scene = await detected();
		const plain = await imageItem('green');
		const { outputs } = await upload(
			[plain, ...scene],
			{ annotation: 'prediction' },
			{
				continueOnFail: true,
			},
		);
		expect(outputs[0][0].json.error).toBe(
			"The item has no Roboflow prediction at the item's top level [item 0]",
		);
		expect(outputs[0][0].json.message).toContain('Prediction Field');
		expect(outputs[0][1].json).toMatchObject({ annotation_status: 'attached' });
		expect(outputs[0].map((out) => out.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(images()).toHaveLength(1);
	});

	test('an image that already has an annotation: "already annotated", not an error; Overwrite replaces it', async () => {
		const scene = await detected();
		await upload(scene, { annotation: 'prediction' });
		const again = await upload(scene, { annotation: 'prediction' });
		expect(again.error).toBeUndefined();
		expect(again.outputs[0][0].json).toMatchObject({
			duplicate: true,
			annotated: false,
			annotation_status: 'already annotated',
		});
		expect(calls('annotate').map((call) => call.status)).toEqual([200, 409]);
		expect(images()[0].annotation?.saves).toBe(1);

		const overwritten = await upload(scene, {
			annotation: 'prediction',
			options: { overwriteAnnotation: true },
		});
		expect(overwritten.outputs[0][0].json).toMatchObject({ annotation_status: 'attached' });
		expect(calls('annotate')[2].query.overwrite).toBe('true');
		expect(images()[0].annotation?.saves).toBe(2);
	});
});

describe('upload: a custom annotation file', () => {
	test('the file and labelmap as JSON ({annotationFile, labelmap}), as ground truth', async () => {
		const yolo = '0 0.5 0.5 0.25 0.25\n1 0.2 0.2 0.1 0.1';
		const { outputs, error } = await upload([await imageItem('red', { yolo })], {
			annotation: 'custom',
			annotationFile: '={{ $json.yolo }}',
			annotationFileName: 'red.txt',
			labelmap: '{"0": "red", "1": "blue"}',
		});
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ annotation_status: 'attached', annotated: true });
		expect(images()[0].annotation).toMatchObject({
			name: 'red.txt',
			text: yolo,
			bodyForm: 'json',
			labelmap: { '0': 'red', '1': 'blue' },
			prediction: false,
		});
	});

	test('a file name without an extension, or a labelmap that is not JSON, fails the item before the upload', async () => {
		const item = await imageItem('red');
		const noExtension = await upload(
			[item],
			{ annotation: 'custom', annotationFile: '<annotation/>', annotationFileName: 'voc' },
			{ continueOnFail: true },
		);
		expect(noExtension.outputs[0][0].json.error).toBe(
			'The annotation file name "voc" has no extension [item 0]',
		);
		const badMap = await upload(
			[item],
			{
				annotation: 'custom',
				annotationFile: '0 0.5 0.5 0.1 0.1',
				annotationFileName: 'a.txt',
				labelmap: '{0: red}',
			},
			{ continueOnFail: true },
		);
		expect(badMap.outputs[0][0].json.error).toBe('The labelmap is not a JSON object [item 0]');
		expect(calls('upload')).toHaveLength(0);
	});

	test('Roboflow refuses the file: the error quotes it and says the image itself was uploaded', async () => {
		const { outputs } = await upload(
			[await imageItem('red')],
			{ annotation: 'custom', annotationFile: 'not json', annotationFileName: 'a.json' },
			{ continueOnFail: true },
		);
		const json = outputs[0][0].json;
		expect(json.error).toBe('Roboflow refused the annotation [item 0]');
		expect(json.message).toContain('it is not JSON');
		expect(json.message).toContain(`image_id ${images()[0].id}`);
		expect(calls('upload')).toHaveLength(1);
	});
});

describe('upload: faults', () => {
	test('a failing upload is retried; the annotation after it is sent once', async () => {
		server.setFaults({
			firstAttempt: [{ kind: '503', share: 1, retryAfter: 0, when: isUploadRequest }],
		});
		const scene = await detected();
		const { outputs, error, hints } = await upload(scene, { annotation: 'prediction' });
		expect(error).toBeUndefined();
		expect(calls('upload').map((call) => call.status)).toEqual([503, 200]);
		expect(calls('annotate').map((call) => call.status)).toEqual([200]);
		expect(outputs[0][0].json).toMatchObject({ duplicate: false, annotation_status: 'attached' });
		expect(hints.map((hint) => hint.message).join()).toContain('1 Roboflow request was retried');
	});

	test('a failing annotation is retried on its own: the image is never uploaded again', async () => {
		server.setFaults({
			firstAttempt: [
				{ kind: '429', share: 1, retryAfter: 0, failAttempts: 2, when: isAnnotateRequest },
			],
		});
		const scene = await detected();
		const { outputs, error } = await upload(scene, { annotation: 'prediction' });
		expect(error).toBeUndefined();
		expect(calls('upload')).toHaveLength(1);
		expect(calls('annotate').map((call) => call.status)).toEqual([429, 429, 200]);
		expect(outputs[0][0].json).toMatchObject({ annotation_status: 'attached' });
	});

	test('an annotation that keeps failing fails the item, never re-uploads, and names the uploaded image', async () => {
		server.setFaults({ always: { kind: '503', retryAfter: 0, when: isAnnotateRequest } });
		const scene = await detected();
		const { outputs } = await upload(
			scene,
			{ annotation: 'prediction', options: { maxRetries: 2 } },
			{ continueOnFail: true },
		);
		const json = outputs[0][0].json;
		expect(json.error).toBe('Roboflow is unavailable right now [item 0]');
		expect(json.message).toContain(`The image itself was uploaded (image_id ${images()[0].id}`);
		expect(calls('upload')).toHaveLength(1);
		expect(calls('annotate')).toHaveLength(3);
		expect(outputs[0][0].binary).toEqual(scene[0].binary);
	});

	test('an upload stored but whose answer was lost: the retry comes back as a duplicate with the same id', async () => {
		server.setFaults({
			firstAttempt: [{ kind: DROP_AFTER_STORE, share: 1, when: isUploadRequest }],
		});
		const { outputs, error } = await upload([await imageItem('blue')]);
		expect(error).toBeUndefined();
		const uploads = calls('upload');
		expect(uploads.map((call) => call.outcome)).toEqual(['stored', 'duplicate']);
		expect(uploads[0].imageId).toBe(uploads[1].imageId);
		expect(outputs[0][0].json).toMatchObject({ image_id: uploads[0].imageId, duplicate: true });
		expect(images()).toHaveLength(1);
	});

	test('a URL Roboflow could not reach (502 retryable) is sent again', async () => {
		const url = server.addImage('later.png', imageBytes('green', { size: 18 }));
		server.setFaults({
			firstAttempt: [
				{
					kind: 'status',
					status: 502,
					message: 'Could not fetch image URL: the host answered HTTP 503.',
					share: 1,
					when: isUploadRequest,
				},
			],
		});
		const { outputs, error } = await upload([{ json: {} }], {
			inputType: 'imageUrl',
			imageUrl: url,
		});
		expect(error).toBeUndefined();
		expect(calls('upload').map((call) => call.status)).toEqual([502, 200]);
		expect(outputs[0][0].json).toMatchObject({ duplicate: false });
	});
});

describe('upload: refusals', () => {
	test('an unknown project: a plain message naming it', async () => {
		const { error } = await upload([await imageItem('red')], {
			projectId: { __rl: true, mode: 'id', value: 'no-such-project' },
		});
		expect(error?.message).toBe(
			'Roboflow found no project "no-such-project" in the workspace of the API key [item 0]',
		);
		expect(error?.description).toContain('not found');
	});

	test("a refused key: Roboflow's 401 echoes it, the node shows it nowhere", async () => {
		const wrong = 'rf_dummy_WRONG_key_77aa';
		const { error, outputs } = await upload([await imageItem('red')], {}, { apiKey: wrong });
		expect(error?.message).toBe('Roboflow rejected the API key [item 0]');
		const answered = calls('upload')[0];
		expect(answered.status).toBe(401);
		const shown = JSON.stringify({
			message: error?.message,
			description: error?.description,
			context: error?.context,
			outputs,
		});
		expect(shown).not.toContain(wrong);
		const failed = await upload(
			[await imageItem('red')],
			{},
			{
				apiKey: wrong,
				continueOnFail: true,
			},
		);
		expect(JSON.stringify(failed.outputs)).not.toContain(wrong);
	});

	test('the project from a Roboflow app URL (By URL)', async () => {
		const { outputs, error } = await upload([await imageItem('red')], {
			projectId: {
				__rl: true,
				mode: 'url',
				value: 'https://app.roboflow.com/my-workspace/colors/upload',
			},
		});
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.project).toBe('colors');
		expect(images('colors')).toHaveLength(1);
	});
});
