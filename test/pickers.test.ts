/**
 * The Model, Workflow and Project pickers (resource locators' "From list"), run as the editor runs
 * them: the node's listSearch methods through n8n-core's LoadOptionsContext against the local
 * server's management API.
 */
import type { INodeParameters } from 'n8n-workflow';

import { runListSearch } from './harness/n8n';
import { API_KEY, imageBytes, run, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();
const withManagement = (apiKey = API_KEY) => ({
	...credentials(),
	apiKey,
	managementUrl: server.url,
});

const list = async (
	method: 'searchModels' | 'searchWorkflows' | 'searchProjects',
	operation: string,
	filter?: string,
	apiKey?: string,
) =>
	await runListSearch({
		method,
		parameters: { operation },
		credentials: withManagement(apiKey),
		filter,
	});
const values = async (...args: Parameters<typeof list>) =>
	(await list(...args)).results.map((result) => result.value);

test('each operation lists the trained model versions of its task, as project/version', async () => {
	expect(await values('searchModels', 'classify')).toEqual(
		expect.arrayContaining(['colors/1', 'tones/1']),
	);
	const detect = await list('searchModels', 'detect');
	expect(detect.results.map((r) => r.value)).toContain('shapes/1');
	expect(detect.results.map((r) => r.value)).not.toContain('colors/1');
	expect(detect.results.every((r) => /v\d+ \(.+\)$/.test(r.name))).toBe(true);
	expect(await values('searchModels', 'segment')).toContain('shapes-seg/1');
	expect(await values('searchModels', 'keypoints')).toContain('shapes-pose/1');
});

test('search filters by project name or slug', async () => {
	expect(await values('searchModels', 'classify', 'tone')).toEqual(['tones/1']);
	expect(await values('searchModels', 'classify', 'nothing-like-this')).toEqual([]);
	expect(await values('searchProjects', 'upload', 'corner')).toEqual(['shapes-pose']);
	expect(await values('searchProjects', 'upload', 'shapes-seg')).toEqual(['shapes-seg']);
	expect(await values('searchWorkflows', 'runWorkflow', 'crop')).toEqual(['crop-and-classify']);
});

test("a wrong key says so, without the key Roboflow's answer echoes", async () => {
	const error = (await list('searchModels', 'classify', undefined, 'wrong-key-4321').catch(
		(failure: unknown) => failure,
	)) as Error & { description?: string };
	expect(error.message).toMatch(/rejected the API key/);
	expect(JSON.stringify({ message: error.message, description: error.description })).not.toContain(
		'wrong-key-4321',
	);
});

test('the key\'s workspace: its Workflows, and every project of any type as "Name (type)"', async () => {
	expect(await values('searchWorkflows', 'runWorkflow')).toEqual(
		expect.arrayContaining(['detect-count-and-visualize', 'crop-and-classify']),
	);
	const { results } = await list('searchProjects', 'upload');
	expect(results).toEqual(
		expect.arrayContaining([
			expect.objectContaining({ name: 'Colors (classification)', value: 'colors' }),
			expect.objectContaining({ name: 'Shapes (object-detection)', value: 'shapes' }),
			expect.objectContaining({ name: 'Shape Corners (keypoint-detection)' }),
		]),
	);
	expect(
		results.every((result) => String(result.url).startsWith('https://app.roboflow.com/')),
	).toBe(true);
});

test('a model picked from the list runs: the resource locator value is read like the old plain string', async () => {
	const [picked] = (await list('searchModels', 'classify', 'colors')).results;
	const url = server.addImage('red.png', imageBytes('red', { size: 16 }));
	const classify = async (modelId: INodeParameters[string]) =>
		await run(credentials(), [{ json: { url } }], {
			modelId,
			inputType: 'imageUrl',
			imageUrl: '={{ $json.url }}',
		});
	const fromList = await classify({
		__rl: true,
		mode: 'list',
		value: picked.value,
		cachedResultName: picked.name,
	});
	expect(fromList.error).toBeUndefined();
	expect(fromList.outputs[0][0].json).toMatchObject({ top: 'red', model_id: 'colors/1' });
	const byId = await classify({ __rl: true, mode: 'id', value: 'colors/1' });
	expect(byId.outputs[0][0].json.top).toBe('red');
});
