/**
 * Where the API key travels (docs/roboflow-api.md §2): for every operation and transport, in
 * exactly one place, as the local server recorded it; and where the credential's own
 * `authenticate` puts it for its Test and for other nodes.
 */
import type { INodeParameters } from 'n8n-workflow';

import { RoboflowApi } from '../credentials/RoboflowApi.credentials';
import { runListSearch, runResourceMapping } from './harness/n8n';
import type { Credential } from './harness/roboflowNode';
import { imageItem, run, shapesItem, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer({ auth: 'inference' });

const account = (keyTransport?: 'header' | 'query'): Credential => ({
	...credentials(),
	managementUrl: server.url,
	...(keyTransport ? { keyTransport } : {}),
});

/** Every request's route and the places its key came in, as the server saw them. */
function places() {
	const inference = server.stats.calls.map((call) => [call.route, call.keyPlaces.join()]);
	const management = [...server.stats.managementCalls, ...server.received().calls].map((call) => [
		'management',
		call.keyPlaces.join(),
	]);
	return [...inference, ...management];
}

const workflow: INodeParameters = {
	operation: 'runWorkflow',
	workspace: 'local-workspace',
	workflowId: { __rl: true, mode: 'list', value: 'detect-count-and-visualize' },
};

describe.each([
	['default (saved before the field)', undefined, 'header', 'header'],
	['Authorization header', 'header' as const, 'header', 'header'],
	['query parameter', 'query' as const, 'query', 'body'],
])('Send API Key As: %s', (_name, keyTransport, modelPlace, workflowPlace) => {
	test(`models get it in the ${modelPlace}`, async () => {
		const { error } = await run(account(keyTransport), [await imageItem('red')], {
			options: { annotatedImage: true },
		});
		expect(error).toBeUndefined();
		expect(places()).toEqual([['model', modelPlace]]);
	});

	test(`foundation models get it in the ${modelPlace}`, async () => {
		const operations: INodeParameters[] = [
			{ operation: 'classifyByText', labels: 'red, blue' },
			{ operation: 'findByText', prompts: 'red box' },
			{ operation: 'findByText', prompts: 'red box', options: { engine: 'yoloWorld' } },
			{ operation: 'readText' },
			{ operation: 'readText', options: { engine: 'easyOcr' } },
			{ operation: 'describe' },
		];
		for (const parameters of operations) {
			const { error } = await run(account(keyTransport), [await imageItem('red')], parameters);
			expect(error).toBeUndefined();
		}
		const routes = ['clip', 'sam3', 'yolo_world', 'doctr', 'easy_ocr', 'lmm'];
		expect(places()).toEqual(routes.map((route) => [route, modelPlace]));
	});

	test(`a Workflow gets it in the ${workflowPlace}, never the query; its workspace lookup in the query`, async () => {
		const { error } = await run(account(keyTransport), [await shapesItem({ rects: [] })], {
			...workflow,
			workspace: '',
		});
		expect(error).toBeUndefined();
		expect(places()).toEqual([
			['workflow', workflowPlace === 'header' ? 'header' : 'body'],
			['management', 'query'],
		]);
	});

	test('uploads and their annotations: the management API takes the query parameter only', async () => {
		const { error } = await run(account(keyTransport), [await imageItem('red', { top: 'red' })], {
			operation: 'upload',
			projectId: { __rl: true, mode: 'list', value: 'colors' },
			annotation: 'prediction',
		});
		expect(error).toBeUndefined();
		expect(places()).toEqual([
			['management', 'query'],
			['management', 'query'],
		]);
	});

	test('the editor: pickers from the management API, a Workflow described by the server', async () => {
		await runListSearch({
			method: 'searchWorkflows',
			parameters: workflow,
			credentials: account(keyTransport),
		});
		await runResourceMapping({
			method: 'getWorkflowInputs',
			parameters: workflow,
			credentials: account(keyTransport),
		});
		expect(places()).toEqual([
			['describe', workflowPlace === 'header' ? 'header' : 'body'],
			...Array(2).fill(['management', 'query']),
		]);
	});
});

describe("the credential's authenticate, for its Test and other nodes", () => {
	const credential = new RoboflowApi();
	const where = async (fields: Record<string, string>, baseURL: string) => {
		const options = await credential.authenticate(
			{ apiKey: 'k1', ...fields },
			{ baseURL, url: '/x', qs: { a: 1 } },
		);
		return { query: options.qs, authorization: options.headers?.Authorization };
	};

	test.each`
		fields                                                                   | baseURL                              | query                      | authorization
		${{}}                                                                    | ${'https://serverless.roboflow.com'} | ${{ a: 1 }}                | ${'Bearer k1'}
		${{ keyTransport: 'query' }}                                             | ${'https://serverless.roboflow.com'} | ${{ a: 1, api_key: 'k1' }} | ${undefined}
		${{}}                                                                    | ${'https://detect.roboflow.com'}     | ${{ a: 1, api_key: 'k1' }} | ${undefined}
		${{}}                                                                    | ${'https://api.roboflow.com'}        | ${{ a: 1, api_key: 'k1' }} | ${undefined}
		${{ apiUrl: 'http://10.0.0.5:9001', managementUrl: 'http://10.0.0.6/' }} | ${'http://10.0.0.6'}                 | ${{ a: 1, api_key: 'k1' }} | ${undefined}
		${{ apiUrl: 'http://10.0.0.5:9001', managementUrl: 'http://10.0.0.6/' }} | ${'http://10.0.0.5:9001'}            | ${{ a: 1 }}                | ${'Bearer k1'}
	`(
		'$fields to $baseURL: query $query, header $authorization',
		async ({ fields, baseURL, query, authorization }) => {
			expect(await where(fields, baseURL)).toEqual({ query, authorization });
		},
	);
});
