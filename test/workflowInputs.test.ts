/**
 * Run Workflow's Inputs (issue 18): the editor's resource-mapper method through n8n-core's
 * LoadOptionsContext against the local server (describe_interface of a self-hosted server, the
 * management API's specification when the server cannot describe), then runs through n8n's real
 * engine with the fields it returned: two image inputs, typed parameters, a pinned version, a
 * test run without sinks, and name/value inputs beside the fields.
 */
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	ResourceMapperValue,
} from 'n8n-workflow';

import { runResourceMapping } from './harness/n8n';
import type { Credential } from './harness/roboflowNode';
import { API_KEY, run, shapesBytes, shapesItem, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();
// An Inference server older than describe_interface, with the management API beside it.
const old = useLocalServer({ describeInterface: false });

const COMPARE = 'compare-front-and-back';
const FRONT = {
	rects: [
		{ colour: 'red' as const, x: 5, y: 5, width: 20, height: 15 },
		{ colour: 'blue' as const, x: 60, y: 40, width: 30, height: 30 },
		{ colour: 'green' as const, x: 20, y: 50, width: 20, height: 20 },
	],
};
const BACK = { rects: [{ colour: 'yellow' as const, x: 30, y: 20, width: 40, height: 30 }] };

const withManagement = (apiUrl = server.url, apiKey = API_KEY) => ({
	apiKey,
	apiUrl,
	managementUrl: apiUrl,
});

function params(parameters: INodeParameters = {}): INodeParameters {
	return {
		operation: 'runWorkflow',
		workspace: 'local-workspace',
		workflowId: { __rl: true, mode: 'list', value: COMPARE },
		inputType: 'binaryData',
		binaryPropertyName: 'data',
		options: {},
		...parameters,
	};
}

const fieldsOf = async (parameters: INodeParameters = {}, creds: Credential = withManagement()) =>
	await runResourceMapping({
		method: 'getWorkflowInputs',
		parameters: params(parameters),
		credentials: creds,
	});

/** An item with the front picture in `data` and the back picture in `reference`. */
async function pairItem(json: IDataObject = {}): Promise<INodeExecutionData> {
	const item = await shapesItem(FRONT, json, 'front.png');
	const back = await shapesItem(BACK, {}, 'back.png');
	return { ...item, binary: { ...item.binary, reference: back.binary!.data } };
}

/**
 * Runs the Workflow (`parameters` over `params()`) on `items` (one pair by default) with the
 * Inputs as the editor saves them: the fields it showed for those parameters, set to `values`.
 */
async function runWithInputs(
	values: ResourceMapperValue['value'],
	options: {
		parameters?: INodeParameters;
		items?: INodeExecutionData[];
		creds?: Credential;
		onError?: INode['onError'];
	} = {},
) {
	const { parameters = {}, creds = withManagement(), onError } = options;
	const { fields: schema } = await fieldsOf(parameters, creds);
	const inputFields: ResourceMapperValue = {
		mappingMode: 'defineBelow',
		value: values,
		matchingColumns: [],
		schema,
		attemptToConvertTypes: false,
		convertFieldsToString: false,
	};
	const items = options.items ?? [await pairItem()];
	return await run(creds, items, params({ ...parameters, inputFields }), { onError });
}

describe("the editor's Inputs fields (resource mapper)", () => {
	test("a self-hosted server describes the Workflow: its inputs in its order and kinds, with the saved specification's defaults and required marks", async () => {
		const { fields, emptyFieldsNotice } = await fieldsOf();
		expect(emptyFieldsNotice).toBeUndefined();
		expect(fields.map((f) => [f.id, f.type, f.required, f.defaultValue])).toEqual([
			['image:front', 'string', false, ''],
			['confidence', 'number', false, 0.4],
			['classes', 'array', false, null],
			['image:back', 'string', true, null],
			['tolerance', 'number', false, 0],
			['label', 'string', true, undefined],
			['quiet', 'boolean', false, false],
			['note', undefined, false, null],
		]);
		expect(fields.map((f) => f.displayName).slice(0, 4)).toEqual([
			'front (image)',
			'confidence',
			'classes',
			'back (image)',
		]);
		expect(server.stats.calls.map((c) => [c.route, c.workflow, c.status])).toEqual([
			['describe', COMPARE, 200],
		]);
		expect(server.stats.managementCalls.map((c) => [c.path, c.status])).toEqual([
			[`/local-workspace/workflows/${COMPARE}`, 200],
		]);
	});

	test('a Workflow only the server knows: its kinds, no defaults, nothing marked required', async () => {
		const { fields } = await fieldsOf(
			{},
			{ ...withManagement(), managementUrl: `${server.url}/elsewhere` },
		);
		expect(fields.map((f) => f.id)).toEqual([
			'image:front',
			'confidence',
			'classes',
			'image:back',
			'tolerance',
			'label',
			'quiet',
			'note',
		]);
		// An empty field takes the Workflow's own default.
		expect(fields.filter((f) => f.required).map((f) => f.id)).toEqual(['image:back']);
		expect(fields.filter((f) => f.defaultValue !== undefined).map((f) => f.id)).toEqual([
			'image:front',
			'image:back',
		]);
	});

	test("a server without describe_interface: the saved specification's inputs, defaults and required", async () => {
		const { fields } = await fieldsOf({}, withManagement(old.server.url));
		expect(
			fields.map((f) => ({
				id: f.id,
				type: f.type,
				required: f.required,
				default: f.defaultValue,
			})),
		).toEqual([
			{ id: 'image:front', type: 'string', required: false, default: '' },
			{ id: 'image:back', type: 'string', required: true, default: null },
			{ id: 'confidence', type: 'number', required: false, default: 0.4 },
			{ id: 'tolerance', type: 'number', required: false, default: 0 },
			{ id: 'classes', type: 'array', required: false, default: null },
			{ id: 'label', type: 'string', required: true, default: undefined },
			{ id: 'quiet', type: 'boolean', required: false, default: false },
			{ id: 'note', type: undefined, required: false, default: null },
		]);
		expect(old.server.stats.calls.map((c) => [c.route, c.status])).toEqual([]);
		expect(old.server.stats.managementCalls.map((c) => [c.path, c.status])).toEqual([
			[`/local-workspace/workflows/${COMPARE}`, 200],
		]);
	});

	test("a pinned version shows that version's inputs", async () => {
		const described = await fieldsOf({ options: { workflowVersionId: '1' } });
		expect(described.fields.map((f) => f.id)).toEqual(['image:front', 'confidence', 'image:back']);
		const specified = await fieldsOf(
			{ options: { workflowVersionId: '1' } },
			withManagement(old.server.url),
		);
		expect(specified.fields.find((f) => f.id === 'confidence')?.defaultValue).toBe(0.5);
	});

	test('a Workflow that cannot be described: no fields, a notice pointing at the name/value inputs', async () => {
		const unknown = await fieldsOf({
			workflowId: { __rl: true, mode: 'id', value: 'no-such-flow' },
		});
		expect(unknown.fields).toEqual([]);
		expect(unknown.emptyFieldsNotice).toMatch(
			/^Could not read the inputs of this Workflow: Roboflow found no Workflow with this ID\..+Options: More Inputs by Name, and Image Input \(Workflow Not Described\) for its image\.$/,
		);
		const refused = await fieldsOf({}, withManagement(server.url, 'wrong-key-4321'));
		expect(refused.fields).toEqual([]);
		expect(refused.emptyFieldsNotice).toMatch(/rejected the API key/);
		const none = await fieldsOf({ workflowId: { __rl: true, mode: 'list', value: '' } });
		expect(none).toEqual({ fields: [], emptyFieldsNotice: 'Choose a Workflow to see its inputs.' });
	});
});

describe('a two-image Workflow runs with the fields the editor showed', () => {
	test('front from Input Type, back from another binary field, typed parameters; its sink fires', async () => {
		const { outputs, error } = await runWithInputs(
			{
				'image:front': '',
				'image:back': 'reference',
				confidence: 0.4,
				tolerance: '={{ $json.tolerance }}',
				classes: null,
				label: '={{ $json.pair }}',
				quiet: false,
				note: '{"shift": "night"}',
			},
			{
				items: [
					await pairItem({ pair: 'p-1', tolerance: '1' }),
					await pairItem({ pair: 'p-2', tolerance: 2 }),
				],
			},
		);
		expect(error).toBeUndefined();
		const counts = { front_count: 3, back_count: 1, difference: 2 };
		expect(outputs[0].map((item) => [item.json, item.pairedItem])).toEqual([
			[
				expect.objectContaining({
					...counts,
					matches: false,
					label: 'p-1',
					note: { shift: 'night' },
				}),
				{ item: 0 },
			],
			[expect.objectContaining({ ...counts, matches: true, label: 'p-2' }), { item: 1 }],
		]);
		// Items run concurrently, so the sinks are compared in label order, not arrival order.
		const sinks = server.stats.sinks
			.map((s) => [s.workflow, s.version, s.block, s.payload] as const)
			.sort((a, b) => String(a[3]?.label).localeCompare(String(b[3]?.label)));
		expect(sinks).toEqual([
			[COMPARE, '2', 'notify', { label: 'p-1', front_count: 3, back_count: 1 }],
			[COMPARE, '2', 'notify', { label: 'p-2', front_count: 3, back_count: 1 }],
		]);
	});

	test('an image input given as a URL; the main image from a URL too', async () => {
		const back = server.addImage('back.png', shapesBytes(BACK));
		const front = server.addImage('front.png', shapesBytes(FRONT));
		const { outputs, error } = await runWithInputs(
			{ 'image:back': '={{ $json.back }}', label: 'urls' },
			{
				parameters: { inputType: 'imageUrl', imageUrl: '={{ $json.front }}' },
				items: [{ json: { front, back } }],
			},
		);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ front_count: 3, back_count: 1, label: 'urls' });
	});

	test('a pinned version runs that version', async () => {
		const pinned = { options: { workflowVersionId: '1' } };
		const { outputs, error } = await runWithInputs(
			{ 'image:back': 'reference' },
			{ parameters: pinned },
		);
		expect(error).toBeUndefined();
		// Version 1 has no label, no sink, and outputs only the counts.
		expect(outputs[0][0].json).toEqual({ front_count: 3, back_count: 1, difference: 2 });
		expect(server.stats.sinks).toEqual([]);
		const missing = await runWithInputs(
			{ 'image:back': 'reference' },
			{ parameters: { options: { workflowVersionId: '9' } } },
		);
		expect(missing.error?.message).toBe('Roboflow found no Workflow with this ID [item 0]');
		expect(missing.error?.description).toMatch(/Workflow Version/);
	});

	test("a test run skips the Workflow's sinks", async () => {
		const { outputs, error } = await runWithInputs(
			{ 'image:back': 'reference', label: 'dry' },
			{ parameters: { options: { disableSinks: true } } },
		);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json.notification).toEqual({
			error_status: false,
			throttling_status: false,
			message: 'Sink was disabled by workflow execution policy',
		});
		expect(server.stats.sinks).toEqual([]);
	});

	test('name/value Workflow Inputs still apply, and win over a field', async () => {
		const workflowInputs = {
			input: [
				{ name: 'label', value: 'pair' },
				{ name: 'tolerance', value: '5' },
			],
		};
		const { outputs } = await runWithInputs(
			{ 'image:back': 'reference', label: 'field' },
			{ parameters: { workflowInputs } },
		);
		expect(outputs[0][0].json).toMatchObject({ label: 'pair', matches: true });
	});

	describe('bad input names the item, the input and the fix', () => {
		test('an image input without an image', async () => {
			const { error } = await runWithInputs({ 'image:back': ' ', label: 'x' });
			expect(error?.message).toBe('The Workflow input "back" has no image [item 0]');
			expect(error?.description).toMatch(/Set "back" under Inputs/);
			expect(server.stats.calls.filter((c) => c.route === 'workflow')).toEqual([]);
		});

		test('a binary field the item does not have', async () => {
			const { outputs, error } = await runWithInputs(
				{ 'image:back': 'reference', label: 'x' },
				{ items: [await pairItem(), await shapesItem(FRONT)], onError: 'continueRegularOutput' },
			);
			expect(error).toBeUndefined();
			expect(outputs[0][0].json).toMatchObject({ back_count: 1 });
			expect(outputs[0][1].json.error).toBe(
				'The item has no binary field "reference" for the Workflow input "back" [item 1]',
			);
			expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		});

		test('a value of the wrong type, and a required input left empty (n8n checks the types)', async () => {
			// The saved specification says the types and what is required. Expressions: a fixed wrong
			// value is already refused by n8n's parameter check before the run.
			const creds = withManagement(old.server.url);
			const wrong = await runWithInputs(
				{ 'image:back': 'reference', label: 'x', tolerance: '={{ $json.tolerance }}' },
				{ creds, items: [await pairItem({ tolerance: 'few' })] },
			);
			expect(wrong.error?.message).toBe(
				'The Workflow input "tolerance" has an invalid value [item 0]',
			);
			expect(wrong.error?.description).toMatch(/expects a number.+Fix it under Inputs/);
			const required = await runWithInputs(
				{ 'image:back': 'reference', label: '={{ $json.label }}' },
				{ creds },
			);
			expect(required.error?.message).toBe(
				'The Workflow input "label" has an invalid value [item 0]',
			);
			expect(required.error?.description).toMatch(/required but not set/);
			expect(old.server.stats.calls.filter((c) => c.route === 'workflow')).toEqual([]);
		});
	});
});

test('a workflow saved before Inputs (Image Input Name + name/value pairs) runs unchanged', async () => {
	const { outputs, error } = await run(
		credentials(),
		[await shapesItem(FRONT)],
		params({
			workflowId: 'detect-count-and-visualize',
			imageInputName: 'image',
			workflowInputs: { input: [{ name: 'confidence', value: '0.5' }] },
		}),
	);
	expect(error).toBeUndefined();
	expect(outputs[0][0].json.count_objects).toBe(3);
});
