/**
 * Several images per item (an email with attachments): Input Binary Field as a list or `*`,
 * split into one item per image or combined into one item with `results`.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { storeBinary } from './harness/n8n';
import { inRounds } from './harness/localServer';
import { imageItem, run, shapesItem, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

/** A Gmail-like item: three photos and a PDF as attachment_0..3. */
async function email(): Promise<INodeExecutionData> {
	const photos = [
		await shapesItem(
			{ rects: [{ colour: 'red', x: 5, y: 5, width: 20, height: 20 }] },
			{},
			'one.png',
		),
		await shapesItem(
			{
				rects: [
					{ colour: 'blue', x: 5, y: 5, width: 20, height: 20 },
					{ colour: 'blue', x: 60, y: 40, width: 20, height: 20 },
				],
			},
			{},
			'two.png',
		),
		await shapesItem({ rects: [] }, {}, 'three.png'),
	];
	const pdf = await storeBinary(Buffer.from('%PDF-1.7 invoice'), 'application/pdf', 'invoice.pdf');
	return {
		json: { subject: 'Site photos' },
		binary: {
			attachment_0: photos[0].binary!.data,
			attachment_1: photos[1].binary!.data,
			attachment_2: photos[2].binary!.data,
			attachment_3: pdf!.data,
		},
	};
}

const detectAll = (options: INodeParameters = {}): INodeParameters => ({
	operation: 'detect',
	modelId: 'shapes/1',
	binaryPropertyName: '*',
	options,
});

test('`*` with split (the default): one item per photo, only its image, binary_field, the PDF skipped and said so', async () => {
	const item = await email();
	const { outputs, error } = await run(credentials(), [item], detectAll());
	expect(error).toBeUndefined();
	const out = outputs[0];
	expect(out).toHaveLength(3);
	expect(out.map((i) => i.json.binary_field)).toEqual([
		'attachment_0',
		'attachment_1',
		'attachment_2',
	]);
	expect(out.map((i) => i.json.count)).toEqual([1, 2, 0]);
	expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
	out.forEach((i) => {
		expect(Object.keys(i.binary ?? {})).toEqual([i.json.binary_field]);
		expect(i.json.subject).toBe('Site photos');
		expect(i.json.skipped_binary_fields).toEqual([
			{ field: 'attachment_3', file_name: 'invoice.pdf', mime_type: 'application/pdf' },
		]);
	});
	expect(server.stats.requests).toBe(3);
});

test('split off: one item per input with results in field order; annotated pictures do not overwrite each other', async () => {
	const { outputs } = await run(
		credentials(),
		[await email()],
		detectAll({ splitImages: false, annotatedImage: true }),
	);
	expect(outputs[0]).toHaveLength(1);
	const [out] = outputs[0];
	const results = out.json.results as Array<Record<string, unknown>>;
	expect(results.map((r) => [r.binary_field, r.count])).toEqual([
		['attachment_0', 1],
		['attachment_1', 2],
		['attachment_2', 0],
	]);
	expect(Object.keys(out.binary ?? {}).sort()).toEqual([
		'attachment_0',
		'attachment_0_annotated',
		'attachment_1',
		'attachment_1_annotated',
		'attachment_2',
		'attachment_2_annotated',
		'attachment_3',
	]);
	expect(out.pairedItem).toEqual({ item: 0 });
});

test('a comma-separated list: those fields, in that order', async () => {
	const { outputs } = await run(credentials(), [await email()], {
		...detectAll(),
		binaryPropertyName: 'attachment_2, attachment_0',
	});
	expect(outputs[0].map((i) => i.json.binary_field)).toEqual(['attachment_2', 'attachment_0']);
	expect(outputs[0][0].json).not.toHaveProperty('skipped_binary_fields');
});

test('several items, several images: order kept and concurrency applied per image', async () => {
	// Answered in rounds of four: the limit is reached whatever the machine's speed.
	server.setFaults({ hold: inRounds(4, 9) });
	const items = [await email(), await email(), await email()];
	const { outputs } = await run(credentials(), items, detectAll({ maxConcurrency: 4 }));
	expect(outputs[0].map((i) => [i.pairedItem, i.json.binary_field])).toEqual(
		[0, 1, 2].flatMap((item) =>
			['attachment_0', 'attachment_1', 'attachment_2'].map((field) => [{ item }, field]),
		),
	);
	expect(server.stats.maxInFlight).toBe(4);
});

test('continue-on-fail: a failed photo is its own error item (split) or an entry with error (combined); nothing lost', async () => {
	const item = await email();
	// A listed field that is a PDF fails like any non-image; the photos around it still go through.
	const split = await run(
		credentials(),
		[item],
		{ ...detectAll(), binaryPropertyName: 'attachment_0,attachment_3,attachment_1' },
		{ onError: 'continueRegularOutput' },
	);
	expect(split.outputs[0].map((i) => i.json.binary_field ?? i.json.error)).toEqual([
		'attachment_0',
		'The file in "attachment_3" (invoice.pdf) is not an image: its type is application/pdf [item 0, attachment_3]',
		'attachment_1',
	]);
	expect(Object.keys(split.outputs[0][1].binary ?? {})).toEqual(['attachment_3']);
	const combined = await run(
		credentials(),
		[item],
		{ ...detectAll({ splitImages: false }), binaryPropertyName: 'attachment_0,attachment_3' },
		{ onError: 'continueRegularOutput' },
	);
	const results = combined.outputs[0][0].json.results as Array<Record<string, unknown>>;
	expect(results[0]).toMatchObject({ binary_field: 'attachment_0', count: 1 });
	expect(results[1]).toMatchObject({
		binary_field: 'attachment_3',
		error: expect.stringMatching(/not an image/),
	});
});

test('without continue-on-fail, the failing photo fails the node and names its field', async () => {
	const { error } = await run(credentials(), [await email()], {
		...detectAll(),
		binaryPropertyName: 'attachment_3,attachment_0',
	});
	expect(error?.message).toMatch(/\[item 0, attachment_3\]$/);
});

test('an item with no image under `*` passes through, saying what it skipped', async () => {
	const pdf = await storeBinary(Buffer.from('%PDF'), 'application/pdf', 'only.pdf');
	const { outputs } = await run(credentials(), [{ json: { n: 1 }, binary: pdf }], detectAll());
	expect(outputs[0]).toHaveLength(1);
	expect(outputs[0][0].json).toMatchObject({
		n: 1,
		binary_field: null,
		skipped_binary_fields: [{ field: 'data' }],
	});
	expect(server.stats.requests).toBe(0);
});

test('one field named as before: the exact old output (all binaries kept, no binary_field)', async () => {
	const item = await imageItem('red');
	item.binary = { ...item.binary, other: item.binary!.data };
	const { outputs } = await run(credentials(), [item]);
	expect(outputs[0][0].json).not.toHaveProperty('binary_field');
	expect(Object.keys(outputs[0][0].binary ?? {}).sort()).toEqual(['data', 'other']);
});
