/**
 * Run Workflow through n8n's real execution engine against the local server's Workflows route
 * (fixed Workflows driven by the image's pixels) and management API (the key's workspace).
 */
import type { INodeParameters } from 'n8n-workflow';

import { binaryDataService } from './harness/n8n';
import { run, shapesItem, useLocalServer } from './harness/roboflowNode';
import { decodeImage } from '../tools/roboflow-server';

const { server, credentials } = useLocalServer();
const withManagement = () => ({ ...credentials(), managementUrl: server.url });

const SCENE = {
	rects: [
		{ colour: 'red' as const, x: 5, y: 5, width: 20, height: 15 },
		{ colour: 'blue' as const, x: 60, y: 40, width: 30, height: 30 },
		{ colour: 'blue' as const, x: 20, y: 50, width: 20, height: 20, opacity: 0.6 },
	],
};

function workflow(parameters: INodeParameters = {}): INodeParameters {
	return {
		operation: 'runWorkflow',
		workspace: 'local-workspace',
		workflowId: 'detect-count-and-visualize',
		inputType: 'binaryData',
		binaryPropertyName: 'data',
		options: {},
		...parameters,
	};
}

test('detect, count and visualise: numbers as JSON, the picture as a binary, the base64 nowhere', async () => {
	const item = await shapesItem(SCENE, { site: 'north' }, 'cam.png');
	const { outputs, error } = await run(credentials(), [item], workflow());
	expect(error).toBeUndefined();
	const out = outputs[0][0];
	expect(out.pairedItem).toEqual({ item: 0 });
	expect(out.json).toMatchObject({ site: 'north', count_objects: 3 });
	expect((out.json.predictions as { predictions: unknown[] }).predictions).toHaveLength(3);
	expect(out.json.output_image).toEqual({ type: 'binary', binary_field: 'output_image' });
	expect(out.binary?.data).toEqual(item.binary?.data);
	const picture = out.binary?.output_image;
	expect(picture).toMatchObject({ mimeType: 'image/jpeg', fileName: 'output_image.jpg' });
	expect(decodeImage(await (await binaryDataService()).getAsBuffer(picture!))).toMatchObject({
		width: 120,
		height: 90,
	});
	expect(JSON.stringify(out.json).length).toBeLessThan(5000);
});

test('further inputs arrive typed: a number and a list from expressions', async () => {
	const item = await shapesItem(SCENE, { min: 0.7, keep: ['blue'] });
	const { outputs } = await run(
		credentials(),
		[item],
		workflow({
			workflowInputs: {
				input: [
					{ name: 'confidence', value: '={{ $json.min }}' },
					{ name: 'classes', value: '={{ JSON.stringify($json.keep) }}' },
				],
			},
		}),
	);
	// 0.7 drops the translucent blue box; the list keeps only blue.
	expect(outputs[0][0].json.count_objects).toBe(1);
});

test('nested images: a list of crops, each its own binary named by its path', async () => {
	const { outputs } = await run(
		credentials(),
		[await shapesItem(SCENE)],
		workflow({ workflowId: 'crop-and-classify' }),
	);
	const out = outputs[0][0];
	const crops = out.json.crops as Array<{ crop: { binary_field: string }; class: string }>;
	expect(crops).toHaveLength(3);
	expect(crops.map((c) => c.crop.binary_field)).toEqual([
		'crops_0_crop',
		'crops_1_crop',
		'crops_2_crop',
	]);
	expect(crops.map((c) => c.class).sort()).toEqual(['blue', 'blue', 'red']);
	for (const field of ['crops_0_crop', 'crops_1_crop', 'crops_2_crop'])
		expect(out.binary?.[field]?.mimeType).toMatch(/^image\//);
	expect(JSON.stringify(out.json)).not.toMatch(/"value"/);
});

test('Excluded Outputs are not returned', async () => {
	const { outputs } = await run(
		credentials(),
		[await shapesItem(SCENE)],
		workflow({ options: { excludedFields: 'output_image, predictions' } }),
	);
	expect(outputs[0][0].json.count_objects).toBe(3);
	expect(outputs[0][0].json).not.toHaveProperty('output_image');
	expect(outputs[0][0].binary).not.toHaveProperty('output_image');
});

test("an empty Workspace is the key's, looked up once per run", async () => {
	const items = [await shapesItem(SCENE), await shapesItem(SCENE), await shapesItem(SCENE)];
	const { outputs, error } = await run(withManagement(), items, workflow({ workspace: '' }));
	expect(error).toBeUndefined();
	expect(outputs[0].map((i) => i.json.count_objects)).toEqual([3, 3, 3]);
});

describe('Workflow errors quote Roboflow', () => {
	test.each([
		[
			'an unknown Workflow',
			{ workflowId: 'no-such-flow' },
			'Roboflow found no Workflow with this ID [item 0]',
			/Workspace and Workflow ID/,
		],
		[
			'a wrong Image Input Name: the input the Workflow misses',
			{ imageInputName: 'picture' },
			'Roboflow could not run the Workflow with these inputs [item 0]',
			/image/,
		],
		[
			'an input of the wrong type',
			{ workflowInputs: { input: [{ name: 'confidence', value: 'very' }] } },
			'Roboflow could not run the Workflow with these inputs [item 0]',
			/confidence/,
		],
		[
			'a step that fails names the step',
			{ workflowId: 'always-fails' },
			'A step of the Workflow failed [item 0]',
			/step /,
		],
	])('%s', async (_name, parameters, message, description) => {
		const { error } = await run(credentials(), [await shapesItem(SCENE)], workflow(parameters));
		expect(error?.message).toBe(message);
		expect(error?.description).toMatch(description);
	});

	test('a malformed Workflow ID is refused before sending', async () => {
		const { error } = await run(
			credentials(),
			[await shapesItem(SCENE)],
			workflow({ workflowId: '../secret' }),
		);
		expect(error?.message).toMatch(
			/Workflow ID "\.\.\/secret" is not a valid workflow id \[item 0\]/,
		);
		expect(server.stats.requests).toBe(0);
	});

	test('a 503 is retried', async () => {
		server.setFaults({ firstAttempt: [{ kind: '503', share: 1, retryAfter: 0 }] });
		const { outputs } = await run(credentials(), [await shapesItem(SCENE)], workflow());
		expect(outputs[0][0].json.count_objects).toBe(3);
		expect(server.stats.calls.map((call) => call.status)).toEqual([503, 200]);
	});
});
