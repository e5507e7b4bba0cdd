/** Reading a Workflow's inputs (docs/roboflow-api.md §6.4) and turning them into the Inputs fields. */
import { workflowInputFields, readMappedInputs } from '../../nodes/Roboflow/input/workflowInputs';
import {
	interfaceFromDescription,
	interfaceFromSpecification,
} from '../../nodes/Roboflow/response/workflowInterface';
import { isRoboflowHosted } from '../../nodes/Roboflow/transport/endpoint';

test("Roboflow's hosted APIs are read through the management API, anything else is self-hosted", () => {
	for (const url of [
		'',
		'https://serverless.roboflow.com',
		'https://detect.roboflow.com/',
		'https://acme.roboflow.cloud',
	])
		expect([url, isRoboflowHosted(url)]).toEqual([url, true]);
	for (const url of [
		'http://localhost:9001',
		'http://127.0.0.1:4000',
		'https://roboflow.cloud.example',
	])
		expect([url, isRoboflowHosted(url)]).toEqual([url, false]);
});

test('a specification: config as JSON text or object, kinds as names or Kind objects, video metadata left out', () => {
	const inputs = [
		{ type: 'InferenceImage', name: 'photo' },
		{ type: 'WorkflowVideoMetadata', name: 'video' },
		{ type: 'WorkflowParameter', name: 'model', kind: [{ name: 'roboflow_model_id' }] },
		{ type: 'InferenceParameter', name: 'threshold', kind: ['float'], default_value: 0.3 },
		{ type: 'WorkflowParameter', name: 'zones', default_value: [[0, 0]] },
	];
	const asText = interfaceFromSpecification({
		workflow: { config: JSON.stringify({ specification: { inputs } }) },
	});
	expect(asText).toEqual(
		interfaceFromSpecification({ workflow: { config: { specification: { inputs } } } }),
	);
	expect(asText).toEqual({
		defaultsKnown: true,
		inputs: [
			{ name: 'photo', image: true, kinds: ['image'] },
			{ name: 'model', image: false, kinds: ['roboflow_model_id'] },
			{ name: 'threshold', image: false, kinds: ['float'], default: { value: 0.3 } },
			{ name: 'zones', image: false, kinds: ['*'], default: { value: [[0, 0]] } },
		],
	});
	const fields = workflowInputFields(asText as Exclude<typeof asText, { problem: string }>);
	expect(fields.map((f) => [f.id, f.type, f.required, f.defaultValue])).toEqual([
		['image:photo', 'string', false, ''],
		['model', 'string', true, undefined],
		['threshold', 'number', false, 0.3],
		['zones', undefined, false, '[[0,0]]'],
	]);
	expect(interfaceFromSpecification({ workflow: { config: '{not json' } })).toEqual({
		problem: "The Workflow's saved definition is not valid JSON.",
	});
	expect(interfaceFromSpecification({ workflow: {} })).toHaveProperty('problem');
});

test('describe_interface: images by kind, a mix of kinds stays untyped, no defaults known', () => {
	const described = interfaceFromDescription({
		inputs: { image: ['image'], meta: ['video_metadata'], value: ['integer', 'string'] },
	});
	expect(described).toEqual({
		defaultsKnown: false,
		inputs: [
			{ name: 'image', image: true, kinds: ['image'] },
			{ name: 'value', image: false, kinds: ['integer', 'string'] },
		],
	});
	expect(interfaceFromDescription({ detail: 'Not Found' })).toHaveProperty('problem');
});

test('the fields as read for a run: sources of images, parameters left out when empty, untyped as JSON', () => {
	const schema = workflowInputFields({
		defaultsKnown: true,
		inputs: [
			{ name: 'a', image: true, kinds: ['image'] },
			{ name: 'b', image: true, kinds: ['image'] },
			{ name: 'c', image: true, kinds: ['image'] },
			{ name: 'n', image: false, kinds: ['integer'], default: { value: 1 } },
			{ name: 'any', image: false, kinds: ['*'], default: { value: null } },
			{ name: 'gone', image: false, kinds: ['string'], default: { value: '' } },
		],
	});
	expect(
		readMappedInputs(
			{
				'image:a': '',
				'image:b': 'https://x.test/b.png',
				'image:c': 'photo',
				n: 2,
				any: '[1]',
				gone: '',
			},
			schema,
		),
	).toEqual({
		images: [
			{ name: 'a', source: { kind: 'main' } },
			{ name: 'b', source: { kind: 'url', url: 'https://x.test/b.png' } },
			{ name: 'c', source: { kind: 'binary', field: 'photo' } },
		],
		parameters: { n: 2, any: [1] },
	});
	expect(() => readMappedInputs({ 'image:a': '', 'image:b': null }, schema)).toThrow(
		'The Workflow input "b" has no image',
	);
	expect(readMappedInputs(null, [])).toEqual({ images: [], parameters: {} });
});
