/**
 * The Model and Workflow pickers (resource locators' "From list"), run as the editor runs them:
 * the node's listSearch methods through n8n-core's LoadOptionsContext against the local
 * server's management API.
 */
import { runListSearch } from './harness/n8n';
import { API_KEY, run, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();
const withManagement = (apiKey = API_KEY) => ({
	...credentials(),
	apiKey,
	managementUrl: server.url,
});

const models = async (operation: string, filter?: string, apiKey?: string) =>
	await runListSearch({
		method: 'searchModels',
		parameters: { operation },
		credentials: withManagement(apiKey),
		filter,
	});

test('each operation lists the trained model versions of its task, as project/version', async () => {
	const classify = (await models('classify')).results.map((r) => r.value);
	expect(classify).toEqual(expect.arrayContaining(['colors/1', 'tones/1']));
	const detect = (await models('detect')).results.map((r) => r.value);
	expect(detect).toContain('shapes/1');
	expect(detect).not.toContain('colors/1');
	expect((await models('segment')).results.map((r) => r.value)).toContain('shapes-seg/1');
	expect((await models('keypoints')).results.map((r) => r.value)).toContain('shapes-pose/1');
	const names = (await models('detect')).results.map((r) => r.name);
	expect(names.every((name) => /v\d+ \(.+\)$/.test(name))).toBe(true);
});

test('search filters by project name or slug', async () => {
	const found = (await models('classify', 'tone')).results.map((r) => r.value);
	expect(found).toEqual(['tones/1']);
	expect((await models('classify', 'nothing-like-this')).results).toEqual([]);
});

test('a wrong key says so, without the key', async () => {
	await expect(models('classify', undefined, 'wrong-key-4321')).rejects.toThrow(
		/rejected the API key/,
	);
	await models('classify', undefined, 'wrong-key-4321').catch(
		(error: Error & { description?: string }) => {
			expect(
				JSON.stringify({ message: error.message, description: error.description }),
			).not.toContain('wrong-key-4321');
		},
	);
});

test('Workflows of the workspace', async () => {
	const { results } = await runListSearch({
		method: 'searchWorkflows',
		parameters: { operation: 'runWorkflow', workspace: '' },
		credentials: withManagement(),
	});
	expect(results.map((r) => r.value)).toEqual(
		expect.arrayContaining(['detect-count-and-visualize', 'crop-and-classify']),
	);
	const filtered = await runListSearch({
		method: 'searchWorkflows',
		parameters: { operation: 'runWorkflow' },
		credentials: withManagement(),
		filter: 'crop',
	});
	expect(filtered.results.map((r) => r.value)).toEqual(['crop-and-classify']);
});

test('a model picked from the list runs: the resource locator value is read like the old plain string', async () => {
	const { results } = await models('classify', 'colors');
	const picked = {
		__rl: true,
		mode: 'list',
		value: results[0].value,
		cachedResultName: results[0].name,
	};
	const url = server.addImage(
		'red.png',
		(await import('../tools/images')).makePng(16, 16, [220, 30, 30]),
	);
	const { outputs, error } = await run(credentials(), [{ json: { url } }], {
		modelId: picked,
		inputType: 'imageUrl',
		imageUrl: '={{ $json.url }}',
	});
	expect(error).toBeUndefined();
	expect(outputs[0][0].json).toMatchObject({ top: 'red', model_id: 'colors/1' });
	const byId = await run(credentials(), [{ json: { url } }], {
		modelId: { __rl: true, mode: 'id', value: 'colors/1' },
		inputType: 'imageUrl',
		imageUrl: '={{ $json.url }}',
	});
	expect(byId.outputs[0][0].json.top).toBe('red');
});
