'use strict';
/**
 * npm run demo: the project's main job in one command. Builds the node, installs the pinned
 * n8n (cached), starts the local Roboflow-compatible server, imports the example workflow
 * (images from a folder -> Roboflow -> Switch by class -> one folder per class), runs it in
 * real n8n and prints where each image went.
 *
 *   npm run demo              run once and print the table
 *   npm run demo -- --ui      also open the n8n editor on http://127.0.0.1:5678 with it all set up
 *
 * With ROBOFLOW_API_KEY and ROBOFLOW_MODEL set (and optionally ROBOFLOW_API_URL,
 * ROBOFLOW_CLASSES=a,b,c and ROBOFLOW_IMAGES=/folder/of/images) it runs against real Roboflow.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { N8N_VERSIONS } = require('../tools/n8n-install');
const { createRoboflowServer } = require('../tools/roboflow-server/index.ts');
const { writeSampleImages } = require('./lib/demo-images');
const { N8nInstance, nodeOutputs, packPackage } = require('./lib/n8n');
const { routeByClass } = require('./lib/workflows');

const log = (message) => process.stderr.write(`${message}\n`);

/** The throwaway editor's login; its user folder is deleted when the demo stops. */
const DEMO_OWNER = { email: 'demo@example.com', password: 'Roboflow-demo-1' };

async function main() {
	const ui = process.argv.includes('--ui');
	const real = Boolean(process.env.ROBOFLOW_API_KEY && process.env.ROBOFLOW_MODEL);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-demo-'));
	const outputDir = path.join(work, 'sorted');
	let imagesDir = path.join(work, 'images');
	let expected = new Map();
	let server;
	let credential;
	let modelId;
	let classes;

	if (real) {
		modelId = process.env.ROBOFLOW_MODEL;
		classes = (process.env.ROBOFLOW_CLASSES ?? '').split(',').map((c) => c.trim()).filter(Boolean);
		if (process.env.ROBOFLOW_IMAGES) imagesDir = path.resolve(process.env.ROBOFLOW_IMAGES);
		else writeSampleImages(imagesDir);
		credential = { apiKey: process.env.ROBOFLOW_API_KEY, apiUrl: process.env.ROBOFLOW_API_URL || 'https://classify.roboflow.com' };
		log(`Using real Roboflow: model ${modelId} at ${credential.apiUrl}`);
	} else {
		const samples = writeSampleImages(imagesDir);
		expected = new Map(samples.map((s) => [s.name, s.colour]));
		server = createRoboflowServer({ apiKeys: ['demo-key'] });
		const url = await server.start();
		log(`Local Roboflow-compatible server on ${url} (model colors/1: red, green, blue)`);
		credential = { apiKey: 'demo-key', apiUrl: url };
		modelId = 'colors/1';
		classes = ['red', 'green', 'blue'];
	}

	// The Write Files node needs the folders to exist (and inside N8N_RESTRICT_FILE_ACCESS_TO).
	for (const name of [...classes, 'unsure']) fs.mkdirSync(path.join(outputDir, name), { recursive: true });
	const tarball = packPackage(log);
	const n8n = new N8nInstance({ version: N8N_VERSIONS.v2, tarball, allowDirs: [imagesDir, outputDir], log });
	await n8n.importCredentials([{ id: 'roboflow-local', name: 'Roboflow account', type: 'roboflowApi', data: credential }]);
	const workflow = routeByClass({
		imagesGlob: `${imagesDir}/*.{png,jpg,jpeg,webp}`,
		outputDir,
		modelId,
		classes,
	});
	await n8n.importWorkflows([workflow]);

	log(`Running the workflow "${workflow.name}" in n8n ${n8n.version}...`);
	const { ok, run, output } = await n8n.execute(workflow.id);
	if (!ok) {
		log(output.slice(-3000));
		throw new Error('The workflow failed; see n8n\'s output above.');
	}

	const routes = new Map();
	nodeOutputs(run, 'Route by class').forEach((items, index) => {
		const route = [...classes, 'unsure'][index];
		for (const item of items) routes.set(item.binary?.data?.fileName, route);
	});
	const rows = nodeOutputs(run, 'Roboflow')[0].map((item) => {
		const file = item.binary?.data?.fileName ?? '?';
		const route = routes.get(file) ?? '-';
		const saved = fs.existsSync(path.join(outputDir, route, file));
		return {
			image: file,
			top: item.json.top || '(none)',
			confidence: Number(item.json.confidence ?? 0).toFixed(3),
			route: `${route}${saved ? '' : ' (not saved)'}`,
			expected: expected.get(file),
		};
	});

	const headers = ['image', 'top class', 'confidence', 'route taken'];
	const table = rows.map((r) => [r.image, r.top, r.confidence, r.route]);
	const widths = headers.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
	const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	process.stdout.write(
		[line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.map(line)].join('\n') + '\n',
	);
	process.stdout.write(`\nImages sorted into ${outputDir}/<class>/\n`);
	const wrong = rows.filter((r) => r.expected && r.expected !== r.top);
	if (wrong.length) throw new Error(`Misrouted: ${wrong.map((r) => r.image).join(', ')}`);

	if (ui) {
		const port = Number(process.env.N8N_PORT ?? 5678);
		const child = await n8n.startEditor(port, DEMO_OWNER);
		process.stdout.write(
			`\nn8n editor: http://127.0.0.1:${port}/workflow/${workflow.id}\n` +
				`Sign in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password}, then press "Execute workflow". Ctrl-C stops.\n`,
		);
		await new Promise((resolve) => {
			child.on('exit', resolve);
			for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, resolve);
		});
		await n8n.stopEditor(child);
	}
	await server?.stop();
	n8n.cleanup();
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
