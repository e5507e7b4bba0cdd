/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the demo runs in Node and drives real n8n, never inside n8n */
/**
 * npm run demo: the project's main jobs in one command. Builds the node, installs the pinned n8n
 * (cached), starts the local Roboflow-compatible server, runs each shipped example in real n8n and
 * prints a table of what happened to every image (scripts/demoExamples.ts), then two questions to
 * the AI Agent example, its model the local chat server (scripts/demoAgent.ts).
 *
 *   npm run demo              run them and print the tables
 *   npm run demo -- --ui      then the n8n editor on http://127.0.0.1:5678 (N8N_PORT), all set up
 *
 * Against real Roboflow: ROBOFLOW_API_KEY plus ROBOFLOW_MODEL (a classification model),
 * ROBOFLOW_DETECT_MODEL (object detection) and/or ROBOFLOW_WORKFLOW (workspace/workflow-id, or a
 * workflow id of the key's workspace); only the examples given one run, and the Workflow example
 * writes every picture the Workflow returns. Optional: ROBOFLOW_API_URL, ROBOFLOW_MANAGEMENT_URL
 * (where models and Workflows are looked up, for an API URL that is not Roboflow's),
 * ROBOFLOW_CLASSES=a,b,c (the Switch's outputs), ROBOFLOW_IMAGES=/folder (classification images),
 * ROBOFLOW_DETECT_IMAGES (default ROBOFLOW_IMAGES), ROBOFLOW_ALERT_ABOVE=3 (the If threshold),
 * ROBOFLOW_WORKFLOW_IMAGES (default ROBOFLOW_DETECT_IMAGES, then ROBOFLOW_IMAGES),
 * ROBOFLOW_WORKFLOW_IMAGE_INPUT=image, ROBOFLOW_WORKFLOW_INPUTS (a JSON object, e.g.
 * '{"confidence": 0.5}'), ROBOFLOW_UPLOAD_PROJECT (with ROBOFLOW_DETECT_MODEL: the
 * active-learning example sends the unsure detection images there), ROBOFLOW_FOUNDATION=1 (the
 * two foundation-model examples, which need no model, on the demo's own pictures).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import { createRoboflowServer, SELF_HOSTED_URL_OPTIONS } from '../tools/roboflow-server/index.ts';
import {
	GATE_SCENES,
	SHAPE_SCENES,
	writeColourSamples,
	writeScenes,
} from '../test/support/images.ts';
import type { Credential } from '../test/support/n8n.ts';
import { log, N8n, nodeOutputs, OWNER } from '../test/support/n8n.ts';
import { EXAMPLES, LOCAL_CREDENTIAL } from '../test/support/workflows.ts';
import { agentQuestions } from './demoAgent.ts';
import type { DemoExample } from './demoExamples.ts';
import {
	activeLearningExample,
	classifyByTextExample,
	countExample,
	findByTextExample,
	folder,
	routeExample,
	workflowExample,
} from './demoExamples.ts';

/** The demo's pictures are twice the tests' size, to be seen in the editor's binary viewer. */
const SCALE = 2;

function table(headers: string[], rows: string[][]): string {
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [
		line(headers),
		`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
		...rows.map(line),
	].join('\n');
}

/** Every example on the local server's models, each image's right answer known, and the agent. */
async function local(work: string) {
	const server = createRoboflowServer({ apiKeys: ['demo-key'], ...SELF_HOSTED_URL_OPTIONS });
	const url = await server.start();
	log(
		`Local Roboflow-compatible server on ${url} (colors/1, shapes/1, the Workflow ${EXAMPLES.workflow.workflowId})`,
	);
	const [images, shapes, gate] = ['images', 'shapes', 'active-learning'].map((name) =>
		folder(work, name),
	);
	const colours = new Map(writeColourSamples(images).map((s) => [s.name, s.colour]));
	const scenes = writeScenes(shapes, SHAPE_SCENES, SCALE);
	const counts = new Map(scenes.map((s) => [s.name, String(s.count)]));
	const { unsureBelow } = EXAMPLES.activeLearning;
	const gates = writeScenes(gate, GATE_SCENES, SCALE);
	const sentBack = new Map(
		gates.map((s) => [s.name, s.count === 0 || s.confidence < unsureBelow ? 'yes' : 'no']),
	);
	const agent = await agentQuestions(server);
	const examples: DemoExample[] = [
		routeExample(work, images, 'colors/1', ['red', 'green', 'blue'], colours),
		countExample(work, shapes, 'shapes/1', EXAMPLES.count.alertAbove, counts),
		workflowExample(work, shapes, undefined, counts),
		activeLearningExample(gate, 'shapes/1', 'shapes', server, sentBack),
		classifyByTextExample(work, images, colours),
		findByTextExample(
			work,
			shapes,
			new Map(scenes.map((s) => [s.name, String(s.counts.red ?? 0)])),
		),
		...agent.examples,
	];
	const data = { apiKey: 'demo-key', apiUrl: url, managementUrl: url };
	const credentials: Credential[] = [
		{ ...LOCAL_CREDENTIAL, type: 'roboflowApi', data },
		agent.credential,
	];
	return {
		examples,
		credentials,
		stop: async () => await Promise.all([agent.stop(), server.stop()]),
	};
}

/** Run Workflow's parameters for a real `workspace/workflow` (or a bare id), its inputs by name. */
function workflowParameters(setting: string) {
	const env = process.env;
	const [first, ...rest] = setting.trim().split('/');
	const inputs = Object.entries(
		JSON.parse(env.ROBOFLOW_WORKFLOW_INPUTS || '{}') as Record<string, unknown>,
	).map(([name, value]) => ({
		name,
		value: typeof value === 'string' ? value : JSON.stringify(value),
	}));
	return {
		workspace: rest.length ? first : '',
		workflowId: { __rl: true, value: rest.length ? rest.join('/') : first, mode: 'id' },
		// The example's Inputs fields are the local Workflow's: a real one gets its inputs by name.
		inputFields: { mappingMode: 'defineBelow', value: null },
		options: {
			imageInputName: env.ROBOFLOW_WORKFLOW_IMAGE_INPUT || 'image',
			workflowInputs: inputs.length ? { input: inputs } : {},
		},
	};
}

/** The credential for real Roboflow: the key, and the URLs the settings give. */
function realCredentials(apiKey: string): Credential[] {
	const env = process.env;
	const urls = {
		...(env.ROBOFLOW_API_URL ? { apiUrl: env.ROBOFLOW_API_URL } : {}),
		...(env.ROBOFLOW_MANAGEMENT_URL ? { managementUrl: env.ROBOFLOW_MANAGEMENT_URL } : {}),
	};
	log(
		`Using real Roboflow at ${urls.apiUrl ?? "the node's default API URL (Roboflow's Serverless Cloud API)"}`,
	);
	return [{ ...LOCAL_CREDENTIAL, type: 'roboflowApi', data: { apiKey, ...urls } }];
}

/** The examples the ROBOFLOW_* settings name, against real Roboflow; undefined without a key and a model. */
function real(work: string) {
	const env = process.env;
	if (
		!env.ROBOFLOW_API_KEY ||
		!(
			env.ROBOFLOW_MODEL ||
			env.ROBOFLOW_DETECT_MODEL ||
			env.ROBOFLOW_WORKFLOW ||
			env.ROBOFLOW_FOUNDATION
		)
	)
		return undefined;
	// A folder the settings name, or the demo's own pictures.
	const imagesFor = (names: string[], name: string, write: (dir: string) => unknown) => {
		const setting = names.map((n) => env[n]).find(Boolean);
		if (setting) return path.resolve(setting);
		write(folder(work, name));
		return path.join(work, name);
	};
	const detectSettings = ['ROBOFLOW_DETECT_IMAGES', 'ROBOFLOW_IMAGES'];
	const shapes = (names = detectSettings) =>
		imagesFor(names, 'shapes', (dir) => writeScenes(dir, SHAPE_SCENES, SCALE));
	const examples: DemoExample[] = [];
	if (env.ROBOFLOW_MODEL) {
		const classes = (env.ROBOFLOW_CLASSES ?? '')
			.split(',')
			.map((c) => c.trim())
			.filter(Boolean);
		const images = imagesFor(['ROBOFLOW_IMAGES'], 'images', writeColourSamples);
		examples.push(routeExample(work, images, env.ROBOFLOW_MODEL, classes));
	}
	if (env.ROBOFLOW_DETECT_MODEL)
		examples.push(
			countExample(
				work,
				shapes(),
				env.ROBOFLOW_DETECT_MODEL,
				Number(env.ROBOFLOW_ALERT_ABOVE ?? EXAMPLES.count.alertAbove),
			),
		);
	if (env.ROBOFLOW_WORKFLOW) {
		const parameters = workflowParameters(env.ROBOFLOW_WORKFLOW);
		examples.push(
			workflowExample(work, shapes(['ROBOFLOW_WORKFLOW_IMAGES', ...detectSettings]), parameters),
		);
	}
	if (env.ROBOFLOW_DETECT_MODEL && env.ROBOFLOW_UPLOAD_PROJECT)
		examples.push(
			activeLearningExample(
				imagesFor(detectSettings, 'active-learning', (dir) => writeScenes(dir, GATE_SCENES, SCALE)),
				env.ROBOFLOW_DETECT_MODEL,
				env.ROBOFLOW_UPLOAD_PROJECT,
			),
		);
	if (env.ROBOFLOW_FOUNDATION) {
		// Their labels and prompt name the pictures' colours.
		const own = (name: string, write: (dir: string) => unknown) => imagesFor([], name, write);
		examples.push(
			classifyByTextExample(work, own('images', writeColourSamples)),
			findByTextExample(
				work,
				own('shapes', (dir) => writeScenes(dir, SHAPE_SCENES, SCALE)),
			),
		);
	}
	return { examples, credentials: realCredentials(env.ROBOFLOW_API_KEY), stop: async () => {} };
}

/** Runs each example in n8n and prints its table; throws on a failed run or a wrong answer. */
async function runExamples(n8n: N8n, examples: DemoExample[]): Promise<void> {
	const mistakes: string[] = [];
	for (const { file, workflow, node, columns, note, right } of examples) {
		log(`Running "${workflow.name}" in n8n ${n8n.version}...`);
		const { ok, run, output } = await n8n.execute(workflow.id);
		if (!ok) throw new Error(`The workflow "${workflow.name}" failed:\n${output.slice(-3000)}`);
		const rows = nodeOutputs(run, node)[0].map((item) =>
			Object.values(columns).map((cell) => cell(item, run)),
		);
		process.stdout.write(
			`\n${workflow.name} (examples/${file}.json)\n\n${table(Object.keys(columns), rows)}\n\n${note}\n`,
		);
		for (const row of right ? rows : []) {
			const expected = right?.answers.get(row[0]) ?? row[right?.column ?? 0];
			if (row[right?.column ?? 0] !== expected || /not saved|MISSING/.test(row.join()))
				mistakes.push(`${workflow.name}: ${row.join(' | ')} (expected ${expected})`);
		}
	}
	if (mistakes.length) throw new Error(`Unexpected results:\n${mistakes.join('\n')}`);
}

/** The editor with everything set up, until Ctrl-C. */
async function editor(n8n: N8n, examples: DemoExample[]): Promise<void> {
	const port = Number(process.env.N8N_PORT ?? 5678);
	const main = await n8n.start({ port, echo: true });
	const links = examples.map(
		({ workflow }, i) =>
			`${i ? ' '.repeat(12) : 'n8n editor: '}http://127.0.0.1:${port}/workflow/${workflow.id} (${workflow.name})`,
	);
	process.stdout.write(
		`\n${links.join('\n')}\nSign in as ${OWNER.email} / ${OWNER.password}, then press "Execute workflow". Ctrl-C stops.\n`,
	);
	await new Promise<void>((resolve) => {
		for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve());
	});
	await main.stop();
}

async function main(): Promise<void> {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-demo-'));
	const { examples, credentials, stop } = real(work) ?? (await local(work));
	const n8n = new N8n(N8N_VERSIONS.v2, { allowDirs: [work, ...examples.flatMap((e) => e.dirs)] });
	try {
		await n8n.import(
			credentials,
			examples.map((e) => e.workflow),
		);
		await runExamples(n8n, examples);
		if (process.argv.includes('--ui')) await editor(n8n, examples);
	} finally {
		await stop();
		n8n.cleanup();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
