/**
 * What an AI Agent's tool needs, through n8n's real execution engine on both runtimes: Simplify
 * Output on every operation, images handed over as binary data objects by an expression (a chat
 * upload reaches a tool that way, since n8n gives a tool no binary), and the node run as a tool
 * (marked as n8n marks it): only the result goes back, and a failure comes back as the item's
 * error the model can read instead of failing the execution (n8n 1.x would fail it).
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { imageItem, run, shapesItem, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

const COLOURS = ['red', 'blue', 'green', 'yellow'] as const;
/** 30 objects on a 6 x 5 grid of 40-pixel cells: more than Simplify Output keeps (20). */
const CROWD = {
	width: 240,
	height: 200,
	rects: Array.from({ length: 30 }, (_, index) => ({
		colour: COLOURS[index % COLOURS.length],
		x: 8 + (index % 6) * 40,
		y: 8 + Math.floor(index / 6) * 40,
		width: 24,
		height: 24,
	})),
};

describe('Simplify Output', () => {
	test('classification: top, confidence and the predicted classes, over the item', async () => {
		const { outputs, error } = await run(credentials(), [await imageItem('red', { file: 'a' })], {
			options: { simplify: true },
		});
		expect(error).toBeUndefined();
		const { json } = outputs[0][0];
		expect(Object.keys(json).sort()).toEqual(
			['colour', 'file', 'top', 'confidence', 'predicted_classes'].sort(),
		);
		expect(json).toMatchObject({ top: 'red', predicted_classes: ['red'] });
		expect(json.confidence).toBeGreaterThan(0.9);
	});

	test.each([
		['detect', 'shapes/1'],
		['segment', 'shapes-seg/1'],
		['keypoints', 'shapes-pose/1'],
	])(
		'%s: counts of every object, at most 20 as class, confidence and box',
		async (operation, modelId) => {
			const { outputs, error } = await run(credentials(), [await shapesItem(CROWD)], {
				operation,
				modelId,
				options: { simplify: true },
			});
			expect(error).toBeUndefined();
			const { json } = outputs[0][0];
			expect(Object.keys(json).sort()).toEqual(
				['count', 'class_counts', 'classes', 'top', 'confidence', 'predictions'].sort(),
			);
			expect(json.count).toBe(30);
			expect(json.class_counts).toEqual({ red: 8, blue: 8, green: 7, yellow: 7 });
			const predictions = json.predictions as Array<Record<string, unknown>>;
			expect(predictions).toHaveLength(20);
			for (const prediction of predictions) {
				expect(Object.keys(prediction).sort()).toEqual(
					['class', 'confidence', 'x', 'y', 'width', 'height'].sort(),
				);
			}
			// The most confident first, and the first is `top`.
			const confidences = predictions.map((p) => p.confidence as number);
			expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
			expect(predictions[0].class).toBe(json.top);
		},
	);

	test('Run Workflow: its outputs without images, and no image binaries', async () => {
		const item = await shapesItem(
			{ rects: [{ colour: 'red', x: 5, y: 5, width: 20, height: 15 }] },
			{ site: 'north' },
		);
		const { outputs, error } = await run(credentials(), [item], {
			operation: 'runWorkflow',
			workspace: 'local-workspace',
			workflowId: 'detect-count-and-visualize',
			options: { simplify: true },
		});
		expect(error).toBeUndefined();
		const out = outputs[0][0];
		expect(out.json).toMatchObject({ site: 'north', count_objects: 1 });
		expect(out.json).not.toHaveProperty('output_image');
		expect(JSON.stringify(out.json)).not.toMatch(/"binary"/);
		expect(Object.keys(out.binary ?? {})).toEqual(['data']);
	});
});

describe('Input Binary Field as binary data objects (an expression)', () => {
	/** An item whose images sit under names Input Binary Field does not give. */
	async function uploads(): Promise<INodeExecutionData> {
		const red = await imageItem('red');
		const blue = await imageItem('blue');
		return {
			json: { chatInput: 'what colour?' },
			binary: { data0: red.binary!.data, data1: blue.binary!.data },
		};
	}

	test('one object: classified as if it were the field', async () => {
		const { outputs, error } = await run(credentials(), [await uploads()], {
			binaryPropertyName: '={{ $binary.data1 }}',
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => item.json.top)).toEqual(['blue']);
		expect(outputs[0][0].json.chatInput).toBe('what colour?');
		expect(server.stats.requests).toBe(1);
	});

	test('a list: one result per image, in order, each named by its file', async () => {
		const { outputs, error } = await run(credentials(), [await uploads()], {
			binaryPropertyName: '={{ [$binary.data1, $binary.data0] }}',
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => [item.json.binary_field, item.json.top])).toEqual([
			['blue.png', 'blue'],
			['red.png', 'red'],
		]);
		for (const item of outputs[0]) expect(item.pairedItem).toEqual({ item: 0 });
	});

	test("an item's whole binary ({{ $binary }}): every image, named by its key", async () => {
		const { outputs } = await run(credentials(), [await uploads()], {
			binaryPropertyName: '={{ $binary }}',
			options: { splitImages: false },
		});
		const results = outputs[0][0].json.results as Array<Record<string, unknown>>;
		expect(results.map((r) => [r.binary_field, r.top])).toEqual([
			['data0', 'red'],
			['data1', 'blue'],
		]);
	});

	test('something that is not binary data: an error naming the item and the fix', async () => {
		const { error } = await run(credentials(), [await uploads()], {
			binaryPropertyName: '={{ [$binary.data0, $json] }}',
		});
		expect(error?.message).toBe(
			'Input Binary Field\'s expression gave a list holding something that is not binary data (at "image_1") [item 0]',
		);
		expect(error?.description).toMatch(/binary data object/);
		expect(server.stats.requests).toBe(0);
	});
});

describe('run as an AI Agent tool', () => {
	test('only the result goes back, not the agent input the item carried', async () => {
		const item = await imageItem('green', { chatInput: 'which colour?', toolCallId: 'call_1' });
		const { outputs, error } = await run(
			credentials(),
			[item],
			{ options: { simplify: true } },
			{ asTool: true },
		);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toEqual({
			top: 'green',
			confidence: expect.any(Number) as number,
			predicted_classes: ['green'],
		});
	});

	test('a wrong model ID comes back as the error the model reads; the run goes on', async () => {
		const item = await imageItem('red', { chatInput: 'which colour?' });
		const {
			outputs,
			error,
			run: execution,
		} = await run(credentials(), [item], { modelId: 'no-such-model/1' }, { asTool: true });
		expect(error).toBeUndefined();
		expect(execution.data.resultData.error).toBeUndefined();
		expect(outputs[0]).toHaveLength(1);
		const { json } = outputs[0][0];
		expect(Object.keys(json).sort()).toEqual(['error', 'message']);
		expect(json.error).toMatch(/^Roboflow found no model with this ID/);
	});

	test.each([
		['a tool set to stop the workflow', { asTool: true, onError: 'stopWorkflow' as const }],
		['an ordinary node', {}],
	])('%s still fails the execution', async (_name, extra) => {
		const { error } = await run(
			credentials(),
			[await imageItem('red')],
			{ modelId: 'no-such-model/1' },
			extra,
		);
		expect(error?.message).toBe('Roboflow found no model with this ID [item 0]');
	});
});
