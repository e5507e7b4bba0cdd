/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * Run Workflow's Inputs (issue 18) in real n8n: the call the editor makes once a Workflow is
 * chosen (POST /rest/dynamic-node-parameters/resource-mapper-fields), then a saved workflow with
 * the fields it returned: the two-image Workflow (the back picture from a second binary field,
 * or from a URL), a pinned version, a test run without sinks, and a node saved before Inputs
 * existed (Image Input Name + name/value pairs). The local server is a self-hosted Inference
 * server here, so the fields come from its describe_interface; what its sinks delivered is read
 * back from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { shapeCell, shapeImage } from '../../support/images.ts';
import type { N8nItem } from '../../support/n8n.ts';
import { nodeOutputs } from '../../support/n8n.ts';
import * as wf from '../../support/workflows.ts';
import type { E2eContext, E2eFeature } from './feature.ts';

const LONG = { timeout: 5 * 60_000 };
const LOCAL = wf.CREDENTIAL(wf.LOCAL_CREDENTIAL.id, wf.LOCAL_CREDENTIAL.name);
const COMPARE = 'compare-front-and-back';
const ID = 'e2eWorkflowInputs';
const NODES = {
	pairs: 'Front and back pictures',
	twoImages: 'Compare (back from a binary field)',
	fromUrl: 'Compare (back from a URL)',
	pinned: 'Compare, version 1',
	testRun: 'Compare, test run',
	saved: 'Saved before Inputs',
} as const;

/** The pairs the Code node emits: objects in front and in back, and the label the sink sends. */
const PAIRS = [
	{
		pair: 'e2e18-a',
		front: [shapeCell('red', 0, 0), shapeCell('blue', 1, 1), shapeCell('green', 2, 0)],
		back: [shapeCell('yellow', 0, 0)],
	},
	{
		pair: 'e2e18-b',
		front: [shapeCell('red', 0, 0), shapeCell('blue', 2, 1)],
		back: [shapeCell('red', 1, 0), shapeCell('green', 2, 1)],
	},
];
const URL_BACK = [shapeCell('blue', 0, 0), shapeCell('blue', 2, 1)];

/** The fields the editor shows for compare-front-and-back from a self-hosted server's describe_interface. */
const FIELDS = [
	['image:front', 'front (image)', 'string', false],
	['confidence', 'confidence', 'number', false],
	['classes', 'classes', 'array', false],
	['image:back', 'back (image)', 'string', true],
	['tolerance', 'tolerance', 'number', false],
	['label', 'label', 'string', false],
	['quiet', 'quiet', 'boolean', false],
	['note', 'note', undefined, false],
] as const;

const SCHEMA = FIELDS.map(([id, displayName, type, required]) => ({
	id,
	displayName,
	...(type ? { type } : {}),
	required,
	display: true,
	defaultMatch: false,
	canBeUsedToMatch: false,
	...(id.startsWith('image:') ? { defaultValue: required ? null : '' } : {}),
}));

/** Inputs as the editor saves them: the fields it was given and the values typed in. */
const inputFields = (value: Record<string, unknown>, schema: unknown[] = SCHEMA) => ({
	mappingMode: 'defineBelow',
	value,
	matchingColumns: [],
	schema,
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

/** Each node's sink label: the pair's name and the node's tag. */
const TAG = { twoImages: 'binary', fromUrl: 'url', testRun: 'dry' } as const;

/** compare-front-and-back, front = the item's `data` (Input Type), back as given. */
function compare(
	name: string,
	tag: string,
	y: number,
	back: string,
	options: Record<string, unknown> = {},
) {
	const v1 = options.workflowVersionId === '1';
	return wf.roboflowNode(
		{
			operation: 'runWorkflow',
			workspace: '',
			workflowId: {
				__rl: true,
				value: COMPARE,
				mode: 'list',
				cachedResultName: 'Compare Front and Back',
			},
			inputFields: inputFields(
				v1
					? { 'image:front': '', 'image:back': back }
					: {
							'image:front': '',
							'image:back': back,
							confidence: 0.4,
							classes: null,
							tolerance: 0,
							label: `={{ $json.pair }}-${tag}`,
							quiet: false,
							note: '{"from": "n8n"}',
						},
				v1
					? SCHEMA.filter((f) => ['image:front', 'confidence', 'image:back'].includes(f.id))
					: SCHEMA,
			),
			options,
		},
		LOCAL,
		[440, y],
		{ name },
	);
}

const json = (item: N8nItem) => item.json as Record<string, unknown>;

export const workflowInputsFeature: E2eFeature = {
	name: 'Run Workflow inputs (resource mapper)',

	workflows(context: E2eContext) {
		const backUrl = context.server.addImage('e2e18-back.png', shapeImage(URL_BACK, 160, 90));
		const code = `const pairs = ${JSON.stringify(
			PAIRS.map(({ pair, front, back }) => ({
				pair,
				front: shapeImage(front, 160, 90).toString('base64'),
				back: shapeImage(back, 160, 90).toString('base64'),
			})),
		)};
const items = [];
for (const { pair, front, back } of pairs) {
	items.push({
		json: { pair, backUrl: ${JSON.stringify(backUrl)} },
		binary: {
			data: await this.helpers.prepareBinaryData(Buffer.from(front, 'base64'), pair + '-front.png', 'image/png'),
			reference: await this.helpers.prepareBinaryData(Buffer.from(back, 'base64'), pair + '-back.png', 'image/png'),
		},
	});
}
return items;`;
		const targets = [
			compare(NODES.twoImages, TAG.twoImages, -300, 'reference'),
			compare(NODES.fromUrl, TAG.fromUrl, -150, '={{ $json.backUrl }}'),
			compare(NODES.pinned, 'v1', 0, 'reference', { workflowVersionId: '1' }),
			compare(NODES.testRun, TAG.testRun, 150, 'reference', { disableSinks: true }),
			// As saved before Inputs existed: no inputFields, the image by name, inputs as pairs.
			wf.roboflowNode(
				{
					operation: 'runWorkflow',
					workspace: 'local-workspace',
					workflowId: { __rl: true, value: 'detect-count-and-visualize', mode: 'id' },
					imageInputName: 'image',
					workflowInputs: { input: [{ name: 'confidence', value: '0.5' }] },
					options: { excludedFields: 'output_image' },
				},
				LOCAL,
				[440, 300],
				{ name: NODES.saved },
			),
		];
		const pairs = wf.codeNode(NODES.pairs, code, [220, 0]);
		return {
			[ID]: {
				id: ID,
				name: 'Run Workflow inputs',
				nodes: [wf.trigger, pairs, ...targets],
				connections: {
					[wf.trigger.name]: { main: [[{ node: pairs.name, type: 'main', index: 0 }]] },
					[pairs.name]: {
						main: [
							targets.map((target) => ({ node: target.name, type: 'main' as const, index: 0 })),
						],
					},
				},
				settings: { executionOrder: 'v1' },
			},
		};
	},

	register(context: E2eContext) {
		/**
		 * The call the editor makes when a Workflow is chosen (n8n-editor-ui's ResourceMapper:
		 * POST /rest/dynamic-node-parameters/resource-mapper-fields, packages/cli's
		 * ResourceMapperFieldsRequestDto): node type and version, `parameters.inputFields`, the
		 * method, the node's parameters, its credential.
		 */
		const fieldsFor = async (parameters: Record<string, unknown>) => {
			const { rest } = await context.editor();
			const answer = await rest('POST', '/dynamic-node-parameters/resource-mapper-fields', {
				nodeTypeAndVersion: { name: 'n8n-nodes-roboflow.roboflow', version: 1 },
				path: 'parameters.inputFields',
				methodName: 'getWorkflowInputs',
				currentNodeParameters: {
					operation: 'runWorkflow',
					workspace: '',
					inputType: 'binaryData',
					binaryPropertyName: 'data',
					options: {},
					inputFields: { mappingMode: 'defineBelow', value: null },
					...parameters,
				},
				credentials: LOCAL,
				...(context.n8n.major >= 2 ? { workflowId: ID } : {}),
			});
			assert.equal(answer.status, 200, JSON.stringify(answer.body));
			return (
				answer.body as {
					data: { fields: Array<Record<string, unknown>>; emptyFieldsNotice?: string };
				}
			).data;
		};

		test(
			"the editor's resource-mapper call: the Workflow's inputs as typed fields, a pinned version's, a notice when it cannot be read",
			LONG,
			async () => {
				const latest = await fieldsFor({
					workflowId: { __rl: true, value: COMPARE, mode: 'list' },
				});
				// Exactly what the saved workflow of this suite holds as its schema.
				assert.deepEqual(latest.fields, SCHEMA);
				const pinned = await fieldsFor({
					workflowId: { __rl: true, value: COMPARE, mode: 'id' },
					options: { workflowVersionId: '1' },
				});
				assert.deepEqual(
					pinned.fields.map((f) => f.id),
					['image:front', 'confidence', 'image:back'],
				);
				const unknown = await fieldsFor({
					workflowId: { __rl: true, value: 'no-such-flow', mode: 'id' },
				});
				assert.deepEqual(unknown.fields, []);
				assert.match(
					unknown.emptyFieldsNotice ?? '',
					/Could not read the inputs of this Workflow: .*Workflow Inputs, by name and value/,
				);
				assert.ok(!JSON.stringify([latest, pinned, unknown]).includes(context.apiKey));
			},
		);

		test(
			'a two-image Workflow end to end: the back from a binary field or a URL, typed inputs, its sink',
			LONG,
			async () => {
				const run = await context.run(ID);
				const fromBinary = nodeOutputs(run, NODES.twoImages)[0];
				assert.deepEqual(
					fromBinary.map((item) => [
						json(item).pair,
						json(item).front_count,
						json(item).back_count,
						json(item).matches,
					]),
					[
						['e2e18-a', 3, 1, false],
						['e2e18-b', 2, 2, true],
					],
				);
				assert.deepEqual(json(fromBinary[0]).note, { from: 'n8n' });
				const fromUrl = nodeOutputs(run, NODES.fromUrl)[0];
				assert.deepEqual(
					fromUrl.map((item) => json(item).back_count),
					[2, 2],
				);
				// The sinks that fired: one per item of each node that did not skip them.
				const labels = context.server.stats.sinks
					.map((sink) => String(sink.payload.label))
					.filter((label) => label.startsWith('e2e18-'))
					.sort();
				const expected = [TAG.twoImages, TAG.fromUrl].flatMap((tag) =>
					PAIRS.map(({ pair }) => `${pair}-${tag}`),
				);
				assert.deepEqual(labels, expected.sort());
			},
		);

		test('a pinned version runs that version', LONG, async () => {
			const run = await context.run(ID);
			const pinned = nodeOutputs(run, NODES.pinned)[0];
			assert.deepEqual(
				pinned.map((item) => {
					const { front_count, back_count, difference, label, notification } = json(item);
					return { front_count, back_count, difference, label, notification };
				}),
				[
					{
						front_count: 3,
						back_count: 1,
						difference: 2,
						label: undefined,
						notification: undefined,
					},
					{
						front_count: 2,
						back_count: 2,
						difference: 0,
						label: undefined,
						notification: undefined,
					},
				],
			);
		});

		test('a test run: the Workflow runs, its sinks do not', LONG, async () => {
			const run = await context.run(ID);
			const testRun = nodeOutputs(run, NODES.testRun)[0];
			assert.equal(testRun.length, 2);
			for (const item of testRun)
				assert.deepEqual(json(item).notification, {
					error_status: false,
					throttling_status: false,
					message: 'Sink was disabled by workflow execution policy',
				});
			const skipped = PAIRS.map(({ pair }) => `${pair}-${TAG.testRun}`);
			assert.ok(
				!context.server.stats.sinks.some((sink) => skipped.includes(String(sink.payload.label))),
				'a sink fired during the test run',
			);
		});

		test(
			'a node saved with Image Input Name and name/value inputs runs unchanged',
			LONG,
			async () => {
				const run = await context.run(ID);
				const saved = nodeOutputs(run, NODES.saved)[0];
				// confidence 0.5 as a name/value pair; the front pictures hold 3 and 2 objects.
				assert.deepEqual(
					saved.map((item) => json(item).count_objects),
					[3, 2],
				);
				assert.ok(saved.every((item) => !('output_image' in json(item))));
			},
		);
	},
};
