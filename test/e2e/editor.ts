/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * The editor's REST calls in real n8n (the shared `n8n start`), with the bodies n8n-editor-ui
 * 1.123.81 and 2.41.1 send: the credential's Test, the "From list" pickers
 * (POST /rest/dynamic-node-parameters/resource-locator-results) and the Inputs fields of a chosen
 * Workflow (.../resource-mapper-fields). They reach the node's methods only through n8n's
 * controllers, which jest does not run. And the node's description as n8n serves it to the editor.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import type { RestCall } from '../support/n8n.ts';
import { LOCAL_CREDENTIAL } from '../support/workflows.ts';
import type { E2eCase, World } from '../support/world.ts';
import { API_KEY, budget, WRONG_CREDENTIAL, WRONG_KEY } from '../support/world.ts';

type Credential = { id: string; name: string };

let rest: RestCall;

/**
 * A dynamic-parameters call as the editor makes it: `route` resource-locator-results (a "From
 * list" picker opening, `filter` its search box) or resource-mapper-fields (a Workflow's Inputs).
 */
async function editorCall(
	world: World,
	[route, path, methodName]: [string, string, string],
	parameters: Record<string, unknown>,
	{ credential = LOCAL_CREDENTIAL, filter }: { credential?: Credential; filter?: string } = {},
) {
	return await rest('POST', `/dynamic-node-parameters/${route}`, {
		nodeTypeAndVersion: { name: 'n8n-nodes-roboflow.roboflow', version: 1 },
		path: `parameters.${path}`,
		methodName,
		currentNodeParameters: {
			inputType: 'binaryData',
			binaryPropertyName: 'data',
			options: {},
			...parameters,
		},
		credentials: { roboflowApi: credential },
		// 2.x's editor also names the open workflow; 1.x's does not.
		...(world.n8n.major >= 2 ? { workflowId: 'e2eRoute' } : {}),
		...(filter ? { filter } : {}),
	});
}

const PICKERS = {
	modelId: 'searchModels',
	projectId: 'searchProjects',
	workflowId: 'searchWorkflows',
};
type Picker = keyof typeof PICKERS;

/** A picker's request for `operation`. */
const pick = async (
	world: World,
	picker: Picker,
	operation: string,
	options: { credential?: Credential; filter?: string } = {},
) =>
	await editorCall(
		world,
		['resource-locator-results', picker, PICKERS[picker]],
		{ operation, workspace: '', [picker]: { __rl: true, value: '', mode: 'list' } },
		options,
	);

/** What a picker lists: `[value, name]` pairs, sorted. */
async function listed(
	world: World,
	picker: Picker,
	operation: string,
	filter?: string,
): Promise<string[][]> {
	const { status, body } = await pick(world, picker, operation, { filter });
	assert.equal(status, 200, JSON.stringify(body));
	return (body.data.results as Array<{ name: string; value: string }>)
		.map((r) => [r.value, r.name])
		.sort();
}

export const editorCase: E2eCase = {
	name: "the editor's REST API",

	tests(world: World) {
		before(
			async () => {
				rest = (await world.main()).rest;
			},
			budget({ starts: 1 }),
		);

		test(
			"the Operation list as n8n serves the node's description to the editor: the ten operations",
			budget({ requests: 1 }),
			async () => {
				const nodeInfos = [{ name: 'n8n-nodes-roboflow.roboflow', version: 1 }];
				const { status, body } = await rest('POST', '/node-types', { nodeInfos });
				assert.equal(status, 200, JSON.stringify(body));
				const properties = body.data[0].properties as Array<{
					name: string;
					options?: Array<{ name: string }>;
				}>;
				const operation = properties.find((p) => p.name === 'operation');
				assert.deepEqual(
					operation?.options?.map(({ name }) => name),
					[
						...['Classify Image', 'Detect Objects', 'Segment Instances', 'Detect Keypoints'],
						...['Classify by Text Labels', 'Find Objects by Text', 'Read Text (OCR)'],
						...['Describe Image', 'Run Workflow', 'Upload Image to Project'],
					],
				);
			},
		);

		test(
			'credential Test: the right key passes; a wrong one is refused with what to do, without the key',
			budget({ requests: 2 }),
			async () => {
				const check = async (credential: Credential, apiKey: string) => {
					const data = { apiKey, apiUrl: world.server.url, managementUrl: world.server.url };
					return (
						await rest('POST', '/credentials/test', {
							credentials: { ...credential, type: 'roboflowApi', data },
						})
					).body.data;
				};
				assert.equal((await check(LOCAL_CREDENTIAL, API_KEY)).status, 'OK');
				const refused = await check(WRONG_CREDENTIAL, WRONG_KEY);
				assert.equal(refused.status, 'Error', JSON.stringify(refused));
				assert.match(refused.message, /Roboflow rejected the API key.*Settings > API Keys/);
				assert.ok(
					!JSON.stringify(refused).includes(WRONG_KEY),
					'the wrong key appears in the answer',
				);
			},
		);

		test(
			"the pickers: the workspace's models of the operation's task, its projects and Workflows, narrowed by search",
			budget({ requests: 6 }),
			async () => {
				const values = (pairs: string[][]) => pairs.map(([value]) => value);
				assert.deepEqual(await listed(world, 'modelId', 'classify'), [
					['colors/1', 'Colors v1 (classification)'],
					['tones/1', 'Tones v1 (classification)'],
				]);
				assert.deepEqual(values(await listed(world, 'modelId', 'detect')), [
					'shapes-retrained/2',
					'shapes/1',
				]);
				assert.deepEqual(await listed(world, 'modelId', 'detect', 'retrained'), [
					['shapes-retrained/2', 'Shapes Retrained v2 (object-detection)'],
				]);
				const projects = (await listed(world, 'projectId', 'upload', 'shape')).map(
					([, name]) => name,
				);
				assert.ok(
					projects.includes('Shapes (object-detection)') &&
						!projects.some((name) => name.startsWith('Colors')),
					projects.join(),
				);
				const workflows = [
					'always-fails',
					'compare-front-and-back',
					'crop-and-classify',
					'detect-count-and-visualize',
				];
				assert.deepEqual(values(await listed(world, 'workflowId', 'runWorkflow')), workflows);
				assert.deepEqual(values(await listed(world, 'workflowId', 'runWorkflow', 'crop')), [
					'crop-and-classify',
				]);
			},
		);

		test(
			'the pickers with a wrong key: an error that says the key was rejected, without the key',
			budget({ requests: 2 }),
			async () => {
				for (const [picker, operation] of [
					['modelId', 'detect'],
					['workflowId', 'runWorkflow'],
				] as const) {
					const answer = await pick(world, picker, operation, { credential: WRONG_CREDENTIAL });
					const text = JSON.stringify(answer.body);
					assert.ok(answer.status >= 400, `${picker}: HTTP ${answer.status} ${text}`);
					assert.match(text, /rejected the API key/);
					assert.ok(!text.includes(WRONG_KEY), `${picker}: the wrong key appears in the answer`);
				}
			},
		);

		test(
			"the Inputs of a chosen Workflow: its inputs as typed fields, a pinned version's, a notice when it cannot be read",
			budget({ requests: 3 }),
			async () => {
				const fields = async (workflowId: string, options = {}) => {
					const workflow = { __rl: true, value: workflowId, mode: 'list' };
					const parameters = {
						operation: 'runWorkflow',
						workspace: '',
						workflowId: workflow,
						inputFields: { mappingMode: 'defineBelow', value: null },
						options,
					};
					const answer = await editorCall(
						world,
						['resource-mapper-fields', 'inputFields', 'getWorkflowInputs'],
						parameters,
					);
					assert.equal(answer.status, 200, JSON.stringify(answer.body));
					return answer.body.data as {
						fields: Array<Record<string, unknown>>;
						emptyFieldsNotice?: string;
					};
				};
				const latest = await fields('compare-front-and-back');
				assert.deepEqual(
					latest.fields.map((f) => [f.id, f.displayName, f.type, f.required]),
					[
						['image:front', 'front (image)', 'string', false],
						['confidence', 'confidence', 'number', false],
						['classes', 'classes', 'array', false],
						['image:back', 'back (image)', 'string', true],
						['tolerance', 'tolerance', 'number', false],
						['label', 'label', 'string', true],
						['quiet', 'quiet', 'boolean', false],
						['note', 'note', undefined, false],
					],
				);
				const pinned = await fields('compare-front-and-back', { workflowVersionId: '1' });
				assert.deepEqual(
					pinned.fields.map((f) => f.id),
					['image:front', 'confidence', 'image:back'],
				);
				const unknown = await fields('no-such-flow');
				assert.deepEqual(unknown.fields, []);
				assert.match(
					unknown.emptyFieldsNotice ?? '',
					/Could not read the inputs of this Workflow: Roboflow found no Workflow with this ID.*Give its inputs/,
				);
				assert.ok(!JSON.stringify([latest, pinned, unknown]).includes(API_KEY));
			},
		);
	},
};
