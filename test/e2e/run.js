'use strict';
/**
 * End-to-end tests in real n8n (npm run test:e2e): the packed package installed into a fresh
 * n8n user folder, a credential pointing at the local Roboflow server, workflows imported
 * and run with n8n's CLI, each node's output checked. Runs on every pinned n8n version
 * (N8N_E2E_VERSIONS=v2 or v1 narrows it). Ends with an "N passed, N failed" line.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { N8N_VERSIONS } = require('../../tools/n8n-install');
const { createRoboflowServer } = require('../../tools/roboflow-server/index.ts');
const { COLOURS, makePng } = require('../../tools/images/index.ts');
const { writeSampleImages } = require('../../scripts/lib/demo-images');
const { N8nInstance, freePort, nodeOutputs, packPackage } = require('../../scripts/lib/n8n');
const wf = require('../../scripts/lib/workflows');

const API_KEY = 'e2e-SECRET-key-7c3e91';
const log = (m) => process.stderr.write(`${m}\n`);

function workflows(imagesDir, outputDir, server) {
	const urls = [
		server.addImage('u-red.png', makePng(20, 20, COLOURS.red)),
		server.addImage('u-blue.png', makePng(20, 20, COLOURS.blue)),
	];
	const routed = wf.routeByClass({ id: 'e2eRouteByClass', imagesGlob: `${imagesDir}/*.{png,jpg}`, outputDir, modelId: 'colors/1', classes: ['red', 'green', 'blue'] });

	const urlFlow = wf.linear('e2eUrlInput', 'URL input', [
		wf.trigger,
		wf.codeNode('Image URLs', `return ${JSON.stringify(urls)}.map((url) => ({ json: { url } }));`, [220, 0]),
		wf.roboflowNode({ modelId: 'colors/1', inputType: 'imageUrl', imageUrl: '={{ $json.url }}' }, wf.CREDENTIAL('roboflow-local', 'Roboflow account'), [440, 0]),
	]);

	const multi = wf.switchOnTop([], [660, 0]);
	multi.name = 'Has dark';
	multi.parameters.rules.values = [
		{
			conditions: {
				options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
				conditions: [{ id: 'dark', leftValue: '={{ $json.predicted_classes }}', rightValue: 'dark', operator: { type: 'array', operation: 'contains', rightType: 'any' } }],
				combinator: 'and',
			},
			renameOutput: true,
			outputKey: 'dark',
		},
	];
	const multiFlow = wf.linear('e2eMultiLabel', 'Multi-label', [
		wf.trigger,
		wf.readFiles(`${imagesDir}/*.{png,jpg}`, [220, 0]),
		wf.roboflowNode({ modelId: 'tones/1', options: { confidence: 0.5 } }, wf.CREDENTIAL('roboflow-local', 'Roboflow account'), [440, 0]),
		multi,
	]);

	const badKeyFlow = wf.linear('e2eBadKey', 'Bad key', [
		wf.trigger,
		wf.readFiles(`${imagesDir}/*.png`, [220, 0]),
		wf.roboflowNode({ modelId: 'colors/1' }, wf.CREDENTIAL('roboflow-bad', 'Roboflow wrong key'), [440, 0]),
	]);

	const mixedFlow = {
		id: 'e2eMixedBatch',
		name: 'Mixed batch, error output',
		nodes: [
			wf.trigger,
			wf.readFiles(`${imagesDir}/*.{png,jpg}`, [220, 0]),
			wf.codeNode(
				'Lose one binary',
				"return $input.all().map((item, i) => i === 2 ? { json: { ...item.json, broken: true }, binary: { attachment: item.binary.data } } : item);",
				[440, 0],
			),
			wf.roboflowNode({ modelId: 'colors/1' }, wf.CREDENTIAL('roboflow-local', 'Roboflow account'), [660, 0], { onError: 'continueErrorOutput' }),
			wf.noOp('Classified', [880, -100]),
			wf.noOp('Failed', [880, 100]),
		],
		connections: {
			...wf.chain(wf.trigger.name, 'Read images', 'Lose one binary', 'Roboflow'),
			Roboflow: { main: [[{ node: 'Classified', type: 'main', index: 0 }], [{ node: 'Failed', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
	return [routed, urlFlow, multiFlow, badKeyFlow, mixedFlow];
}

async function runVersion(label, version, tarball, results) {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), `roboflow-e2e-${label}-`));
	const imagesDir = path.join(work, 'images');
	const outputDir = path.join(work, 'sorted');
	const samples = writeSampleImages(imagesDir);
	for (const name of ['red', 'green', 'blue', 'unsure']) fs.mkdirSync(path.join(outputDir, name), { recursive: true });
	const server = createRoboflowServer({ apiKeys: [API_KEY] });
	await server.start();
	const n8n = new N8nInstance({ version, tarball, allowDirs: [imagesDir, outputDir], log });
	await n8n.importCredentials([
		{ id: 'roboflow-local', name: 'Roboflow account', type: 'roboflowApi', data: { apiKey: API_KEY, apiUrl: server.url } },
		{ id: 'roboflow-bad', name: 'Roboflow wrong key', type: 'roboflowApi', data: { apiKey: 'wrong-key-0000', apiUrl: server.url } },
	]);
	await n8n.importWorkflows(workflows(imagesDir, outputDir, server));

	const check = async (name, fn) => {
		const started = Date.now();
		try {
			await fn();
			results.push({ name: `${label} ${name}`, ok: true });
			log(`  ok   ${label} ${name} (${Date.now() - started} ms)`);
		} catch (error) {
			results.push({ name: `${label} ${name}`, ok: false });
			log(`  FAIL ${label} ${name}\n${error.stack}`);
		}
	};
	const runOk = async (id) => {
		const result = await n8n.execute(id);
		assert.ok(result.ok, `workflow ${id} failed:\n${result.output.slice(-3000)}`);
		assert.ok(!result.output.includes(API_KEY), 'the API key appears in n8n\'s output');
		return result.run;
	};

	log(`n8n ${version}:`);
	await check('folder -> Roboflow -> Switch: each image on its class output, binary intact', async () => {
		const run = await runOk('e2eRouteByClass');
		const outputs = nodeOutputs(run, 'Route by class');
		const byRoute = outputs.map((items) => items.map((i) => i.binary.data.fileName).sort());
		const expected = ['red', 'green', 'blue'].map((c) => samples.filter((s) => s.colour === c).map((s) => s.name).sort());
		assert.deepEqual(byRoute.slice(0, 3), expected);
		assert.deepEqual(outputs[3] ?? [], []);
		for (const s of samples) {
			const saved = fs.readFileSync(path.join(outputDir, s.colour, s.name));
			assert.ok(saved.equals(fs.readFileSync(path.join(imagesDir, s.name))), `${s.name} was not saved byte for byte`);
		}
		const classified = nodeOutputs(run, 'Roboflow')[0];
		assert.equal(classified.length, samples.length);
		classified.forEach((item, i) => assert.deepEqual(item.pairedItem, { item: i }));
	});
	await check('URL input from a Code node', async () => {
		const run = await runOk('e2eUrlInput');
		assert.deepEqual(nodeOutputs(run, 'Roboflow')[0].map((i) => i.json.top), ['red', 'blue']);
	});
	await check('multi-label model routed on predicted_classes', async () => {
		const run = await runOk('e2eMultiLabel');
		const items = nodeOutputs(run, 'Roboflow')[0];
		assert.ok(items.every((i) => i.json.multi_label === true && Array.isArray(i.json.predicted_classes)));
		const dark = nodeOutputs(run, 'Has dark')[0].map((i) => i.binary.data.fileName).sort();
		const expectedDark = items.filter((i) => i.json.predicted_classes.includes('dark')).map((i) => i.binary.data.fileName).sort();
		assert.ok(dark.length > 0);
		assert.deepEqual(dark, expectedDark);
	});
	await check('bad API key: clear error, key absent from the whole output', async () => {
		const result = await n8n.execute('e2eBadKey');
		assert.equal(result.ok, false);
		assert.match(result.output, /Roboflow rejected the API key/);
		assert.ok(!result.output.includes('wrong-key-0000'), 'the wrong key appears in n8n\'s output');
		assert.ok(!result.output.includes(API_KEY));
	});
	await check('mixed batch under "continue using error output": nothing lost', async () => {
		const run = await runOk('e2eMixedBatch');
		const [good, bad] = nodeOutputs(run, 'Roboflow');
		assert.equal(good.length, samples.length - 1);
		assert.equal(bad.length, 1);
		assert.equal(bad[0].json.broken, true);
		assert.match(bad[0].json.error, /no binary field "data" \[item 2\]/);
		assert.match(bad[0].json.message, /"attachment"/);
		assert.equal(nodeOutputs(run, 'Failed')[0].length, 1);
		assert.equal(nodeOutputs(run, 'Classified')[0].length, samples.length - 1);
	});

	await check('credential test through the editor\'s REST API: right key OK, wrong key refused', async () => {
		const owner = { email: 'e2e@example.com', password: 'E2e-password-1' };
		const port = await freePort();
		const editor = await n8n.startEditor(port, owner, { quiet: true });
		try {
			const rest = await n8n.restSession(`http://127.0.0.1:${port}`, owner);
			const test = async (id, name, apiKey) =>
				await rest('POST', '/credentials/test', { credentials: { id, name, type: 'roboflowApi', data: { apiKey, apiUrl: server.url } } });
			const good = await test('roboflow-local', 'Roboflow account', API_KEY);
			assert.equal(good.status, 200, JSON.stringify(good.body));
			assert.equal(good.body.data.status, 'OK', JSON.stringify(good.body));
			const bad = await test('roboflow-bad', 'Roboflow wrong key', 'wrong-key-0000');
			assert.equal(bad.body.data.status, 'Error', JSON.stringify(bad.body));
			assert.ok(!JSON.stringify(bad.body).includes('wrong-key-0000'), 'the wrong key appears in the answer');
		} finally {
			await n8n.stopEditor(editor);
		}
	});

	await server.stop();
	n8n.cleanup();
	fs.rmSync(work, { recursive: true, force: true });
}

async function main() {
	const wanted = (process.env.N8N_E2E_VERSIONS ?? 'v2,v1').split(',').map((v) => v.trim());
	const tarball = packPackage(log);
	const results = [];
	for (const label of wanted) await runVersion(label, N8N_VERSIONS[label] ?? label, tarball, results);
	const passed = results.filter((r) => r.ok).length;
	const failed = results.length - passed;
	process.stdout.write(`e2e: ${passed} passed, ${failed} failed\n`);
	process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
