/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the demo runs in Node and drives real n8n, never inside n8n */
/**
 * npm run demo: the project's main jobs in one command. Builds the node, installs the pinned
 * n8n (cached), starts the local Roboflow-compatible server, imports the example workflows and
 * runs each in real n8n, printing a table of what happened to every image:
 *
 * 1. examples/route-images-by-class.json: images from a folder -> Roboflow (classify) ->
 *    Switch by class -> one folder per class;
 * 2. examples/count-objects-and-alert.json: images -> Roboflow (detect objects, annotated
 *    image) -> If more than 3 objects -> the annotated picture into alerts/, else into ok/;
 * 3. examples/run-workflow.json: images -> Roboflow Run Workflow (detect-count-and-visualize,
 *    confidence 0.5) -> the Workflow's annotated image `output_image` into workflow-output/.
 * 4. examples/active-learning.json: images -> Roboflow (detect objects) -> If no object or the
 *    best confidence under 0.6 -> Upload Image to Project with the prediction attached for
 *    review; what the project received is read back from the local server.
 * 5. examples/agent-vision-tool.json (locally): an AI Agent with Roboflow tools, its chat model
 *    the local OpenAI-compatible server (tools/openai-server); a question with a photo uploaded
 *    and one with an image URL (scripts/demoAgent.ts).
 *
 *   npm run demo              run them and print the tables
 *   npm run demo -- --ui      also open the n8n editor on http://127.0.0.1:5678 with it all set up
 *
 * Against real Roboflow: ROBOFLOW_API_KEY plus ROBOFLOW_MODEL (a classification model),
 * ROBOFLOW_DETECT_MODEL (an object detection model) and/or ROBOFLOW_WORKFLOW (workspace/workflow-id,
 * or a bare workflow id for the key's workspace); only the examples given one run. The Workflow
 * example then writes every image the Workflow returns, whatever its outputs are called.
 * Optional: ROBOFLOW_API_URL (https://serverless.roboflow.com), ROBOFLOW_MANAGEMENT_URL (for an
 * API URL that is not Roboflow's: where models, Workflows and the key's workspace are looked up), ROBOFLOW_CLASSES=a,b,c (the
 * Switch outputs), ROBOFLOW_IMAGES=/folder (classification images), ROBOFLOW_DETECT_IMAGES=/folder
 * (detection images; default ROBOFLOW_IMAGES), ROBOFLOW_ALERT_ABOVE=3 (the If threshold),
 * ROBOFLOW_WORKFLOW_IMAGES=/folder (default ROBOFLOW_DETECT_IMAGES, then ROBOFLOW_IMAGES),
 * ROBOFLOW_WORKFLOW_IMAGE_INPUT=image (the Workflow's image input), ROBOFLOW_WORKFLOW_INPUTS
 * (further inputs as a JSON object, e.g. '{"confidence": 0.5}'), ROBOFLOW_UPLOAD_PROJECT (a
 * project slug: with ROBOFLOW_DETECT_MODEL, the active-learning example uploads the unsure
 * images of ROBOFLOW_DETECT_IMAGES there).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { N8N_VERSIONS } from '../tools/n8n-install/index.ts';
import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import { createRoboflowServer, SELF_HOSTED_URL_OPTIONS } from '../tools/roboflow-server/index.ts';
import type { DemoExample } from './demoAgent.ts';
import { startAgentDemo } from './demoAgent.ts';
import {
	writeActiveLearningImages,
	writeSampleImages,
	writeShapeImages,
} from '../test/support/images.ts';
import type { N8nItem } from '../test/support/n8n.ts';
import { logToStderr as log, N8nInstance, nodeOutputs, packPackage } from '../test/support/n8n.ts';
import type { WorkflowInput } from '../test/support/workflows.ts';
import {
	ACTIVE_LEARNING_NODES,
	activeLearning,
	ALERT_ABOVE,
	COUNT_NODES,
	countObjectsAndAlert,
	EXAMPLE_WORKFLOW_ID,
	LOCAL_CREDENTIAL,
	routeByClass,
	runRoboflowWorkflow,
	UNSURE_BELOW,
	UNSURE_TAG,
	WORKFLOW_NODES,
} from '../test/support/workflows.ts';

/** The throwaway editor's login; its user folder is deleted when the demo stops. */
const DEMO_OWNER = { email: 'demo@example.com', password: 'Roboflow-demo-1' };
const IMAGE_GLOB = '*.{png,jpg,jpeg,webp}';
/** The detection pictures twice the tests' size, to be seen in the editor's binary viewer. */
const DEMO_SHAPES = { scale: 2 };

const fileOf = (item: N8nItem, field = 'data') => item.binary?.[field]?.fileName ?? '?';

function markdownTable(headers: string[], rows: string[][]): string {
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [
		line(headers),
		`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
		...rows.map(line),
	].join('\n');
}

/** The first example: classify, then Switch by class into one folder per class. */
function classifyExample(work: string, real: boolean): DemoExample {
	const outputDir = path.join(work, 'sorted');
	let imagesDir = path.join(work, 'images');
	let expected = new Map<string, string>();
	let modelId = 'colors/1';
	let classes = ['red', 'green', 'blue'];
	if (real) {
		modelId = process.env.ROBOFLOW_MODEL ?? '';
		classes = (process.env.ROBOFLOW_CLASSES ?? '')
			.split(',')
			.map((c) => c.trim())
			.filter(Boolean);
		if (process.env.ROBOFLOW_IMAGES) imagesDir = path.resolve(process.env.ROBOFLOW_IMAGES);
		else writeSampleImages(imagesDir);
	} else {
		expected = new Map(writeSampleImages(imagesDir).map((s) => [s.name, s.colour]));
	}
	// The Write Files nodes need their folders to exist (and inside N8N_RESTRICT_FILE_ACCESS_TO).
	const routes = [...classes, 'unsure'];
	for (const name of routes) fs.mkdirSync(path.join(outputDir, name), { recursive: true });
	const workflow = routeByClass({
		imagesGlob: `${imagesDir}/${IMAGE_GLOB}`,
		outputDir,
		modelId,
		classes,
	});
	return {
		title: workflow.name,
		file: 'examples/route-images-by-class.json',
		workflow,
		dirs: [imagesDir, outputDir],
		report(run) {
			const routeOf = new Map<string, string>();
			nodeOutputs(run, 'Route by class').forEach((items, index) => {
				for (const item of items) routeOf.set(fileOf(item), routes[index]);
			});
			const mistakes: string[] = [];
			const rows = nodeOutputs(run, 'Roboflow')[0].map((item) => {
				const file = fileOf(item);
				const route = routeOf.get(file) ?? '-';
				const top = String(item.json.top || '(none)');
				const saved = fs.existsSync(path.join(outputDir, route, file));
				if (expected.has(file) && expected.get(file) !== top)
					mistakes.push(`${file} classified ${top}, not ${expected.get(file)}`);
				return [
					file,
					top,
					Number(item.json.confidence ?? 0).toFixed(3),
					`${route}${saved ? '' : ' (not saved)'}`,
				];
			});
			return {
				headers: ['image', 'top class', 'confidence', 'route taken'],
				rows,
				note: `Images sorted into ${outputDir}/<class>/`,
				mistakes,
			};
		},
	};
}

/** The second example: detect objects, then If the count is above the threshold, alert. */
function detectExample(work: string, real: boolean): DemoExample {
	const alertsDir = path.join(work, 'alerts');
	const okDir = path.join(work, 'ok');
	let imagesDir = path.join(work, 'shapes');
	let expected = new Map<string, number>();
	let modelId = 'shapes/1';
	let threshold = ALERT_ABOVE;
	if (real) {
		modelId = process.env.ROBOFLOW_DETECT_MODEL ?? '';
		threshold = Number(process.env.ROBOFLOW_ALERT_ABOVE ?? ALERT_ABOVE);
		const folder = process.env.ROBOFLOW_DETECT_IMAGES ?? process.env.ROBOFLOW_IMAGES;
		if (folder) imagesDir = path.resolve(folder);
		else writeShapeImages(imagesDir, DEMO_SHAPES);
	} else {
		expected = new Map(writeShapeImages(imagesDir, DEMO_SHAPES).map((s) => [s.name, s.count]));
	}
	for (const dir of [alertsDir, okDir]) fs.mkdirSync(dir, { recursive: true });
	const workflow = countObjectsAndAlert({
		imagesGlob: `${imagesDir}/${IMAGE_GLOB}`,
		alertsDir,
		okDir,
		modelId,
		threshold,
	});
	return {
		title: workflow.name,
		file: 'examples/count-objects-and-alert.json',
		workflow,
		dirs: [imagesDir, alertsDir, okDir],
		report(run) {
			const [alerted, fine] = nodeOutputs(run, COUNT_NODES.check);
			const routeOf = new Map<string, string>();
			for (const item of alerted ?? []) routeOf.set(fileOf(item), 'alerts');
			for (const item of fine ?? []) routeOf.set(fileOf(item), 'ok');
			const mistakes: string[] = [];
			const rows = nodeOutputs(run, COUNT_NODES.detect)[0].map((item) => {
				const file = fileOf(item);
				const count = Number(item.json.count ?? 0);
				const counts = Object.entries((item.json.class_counts ?? {}) as Record<string, number>)
					.map(([name, n]) => `${name} ${n}`)
					.join(', ');
				const route = routeOf.get(file) ?? '-';
				const picture = fileOf(item, 'annotated');
				const saved = fs.existsSync(path.join(route === 'alerts' ? alertsDir : okDir, picture));
				if (expected.has(file) && expected.get(file) !== count)
					mistakes.push(`${file}: ${count} objects, not ${expected.get(file)}`);
				return [file, String(count), counts || '-', `${route}${saved ? '' : ' (not saved)'}`];
			});
			return {
				headers: ['image', 'objects', 'class_counts', 'route taken'],
				rows,
				note: `Annotated pictures saved into ${alertsDir}/ (more than ${threshold} objects) and ${okDir}/`,
				mistakes,
			};
		},
	};
}

/** `ROBOFLOW_WORKFLOW_INPUTS` (a JSON object) as the node's Workflow Inputs: each value as JSON text. */
function workflowInputsFromEnv(text: string | undefined): WorkflowInput[] {
	if (!text) return [];
	const parsed = JSON.parse(text) as unknown;
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
		throw new Error('ROBOFLOW_WORKFLOW_INPUTS must be a JSON object, e.g. {"confidence": 0.5}');
	return Object.entries(parsed).map(([name, value]) => ({
		name,
		value: typeof value === 'string' ? value : JSON.stringify(value),
	}));
}

/** The third example: Run Workflow, then write the Workflow's image(s) into a folder. */
function workflowExample(work: string, real: boolean): DemoExample {
	const outputDir = path.join(work, 'workflow-output');
	let imagesDir = path.join(work, 'shapes');
	let expected = new Map<string, number>();
	let workspace = '';
	let workflowId = EXAMPLE_WORKFLOW_ID;
	let imageInputName = 'image';
	let inputs: WorkflowInput[] = [{ name: 'confidence', value: '0.5' }];
	if (real) {
		const [first, ...rest] = (process.env.ROBOFLOW_WORKFLOW ?? '').trim().split('/');
		[workspace, workflowId] = rest.length ? [first, rest.join('/')] : ['', first];
		imageInputName = process.env.ROBOFLOW_WORKFLOW_IMAGE_INPUT || 'image';
		inputs = workflowInputsFromEnv(process.env.ROBOFLOW_WORKFLOW_INPUTS);
		const folder =
			process.env.ROBOFLOW_WORKFLOW_IMAGES ??
			process.env.ROBOFLOW_DETECT_IMAGES ??
			process.env.ROBOFLOW_IMAGES;
		if (folder) imagesDir = path.resolve(folder);
		else writeShapeImages(imagesDir, DEMO_SHAPES);
	} else {
		// The same shapes as the detection example (written again: the same files).
		expected = new Map(writeShapeImages(imagesDir, DEMO_SHAPES).map((s) => [s.name, s.count]));
	}
	fs.mkdirSync(outputDir, { recursive: true });
	const workflow = runRoboflowWorkflow({
		imagesGlob: `${imagesDir}/${IMAGE_GLOB}`,
		outputDir,
		workspace,
		workflowId,
		imageInputName,
		inputs,
		// Another Workflow's images have other output names: write every one.
		everyImage: real,
	});
	const stem = (name: string) => name.replace(/\.[^.]*$/, '');
	return {
		title: workflow.name,
		file: 'examples/run-workflow.json',
		workflow,
		dirs: [imagesDir, outputDir],
		report(run) {
			const mistakes: string[] = [];
			const written = fs.readdirSync(outputDir);
			const rows = nodeOutputs(run, WORKFLOW_NODES.run)[0].map((item) => {
				const file = fileOf(item);
				const count = item.json.count_objects;
				const images = Object.keys(item.binary ?? {}).filter((field) => field !== 'data');
				const files = images
					.map((field) => `${stem(file)}-${item.binary?.[field]?.fileName ?? field}`)
					.map((name) => (written.includes(name) ? name : `${name} (not saved)`));
				if (expected.has(file) && expected.get(file) !== count)
					mistakes.push(`${file}: count_objects ${String(count)}, not ${expected.get(file)}`);
				if (!real && !files.some((name) => name.endsWith('-output_image.jpg')))
					mistakes.push(`${file}: no output_image written`);
				return [
					file,
					count === undefined ? '-' : String(count),
					files.join(', ') || '(no image returned)',
				];
			});
			return {
				headers: ['image', 'count_objects', 'output image written'],
				rows,
				note: `Workflow "${workspace ? `${workspace}/` : ''}${workflowId}"; its images saved into ${outputDir}/`,
				mistakes,
			};
		},
	};
}

/**
 * The fourth example, active learning: detect, then send the images the model was unsure of to
 * a project with the prediction attached. Locally, the table's last column is what the project
 * received, read back from the server; against Roboflow, what the node reported.
 */
function activeLearningExample(work: string, server: RoboflowServer | undefined): DemoExample {
	let imagesDir = path.join(work, 'active-learning');
	let expected = new Map<string, boolean>();
	let modelId = 'shapes/1';
	let projectId = 'shapes';
	if (!server) {
		modelId = process.env.ROBOFLOW_DETECT_MODEL ?? '';
		projectId = process.env.ROBOFLOW_UPLOAD_PROJECT ?? '';
		const folder = process.env.ROBOFLOW_DETECT_IMAGES ?? process.env.ROBOFLOW_IMAGES;
		if (folder) imagesDir = path.resolve(folder);
		else writeActiveLearningImages(imagesDir, DEMO_SHAPES);
	} else {
		const samples = writeActiveLearningImages(imagesDir, DEMO_SHAPES);
		expected = new Map(samples.map((s) => [s.name, s.count === 0 || s.confidence < UNSURE_BELOW]));
	}
	const workflow = activeLearning({ imagesGlob: `${imagesDir}/${IMAGE_GLOB}`, modelId, projectId });
	return {
		title: workflow.name,
		file: 'examples/active-learning.json',
		workflow,
		dirs: [imagesDir],
		report(run) {
			const mistakes: string[] = [];
			const uploads = new Map(
				(nodeOutputs(run, ACTIVE_LEARNING_NODES.upload)[0] ?? []).map((item) => [
					fileOf(item),
					item,
				]),
			);
			const received = server?.received(projectId).images ?? [];
			const rows = nodeOutputs(run, ACTIVE_LEARNING_NODES.detect)[0].map((item) => {
				const file = fileOf(item);
				const count = Number(item.json.count ?? 0);
				const upload = uploads.get(file);
				const id = upload ? String(upload.json.image_id ?? '') : '';
				const status = upload ? String(upload.json.annotation_status ?? '') : '-';
				let arrived = upload ? 'not read back (Roboflow)' : '-';
				if (server && upload) {
					const image = received.find((entry) => entry.id === id);
					const annotation = image?.annotation;
					arrived = image
						? `${image.tags.join(', ')}; ${annotation ? `${annotation.name} (${annotation.prediction ? 'prediction' : 'ground truth'})` : 'no annotation'}`
						: 'MISSING';
					if (!image?.tags.includes(UNSURE_TAG))
						mistakes.push(`${file}: not tagged in the project`);
					if (count > 0 && !annotation?.prediction)
						mistakes.push(`${file}: the project has no prediction attached`);
				}
				if (expected.has(file) && expected.get(file) !== Boolean(upload))
					mistakes.push(
						`${file}: ${upload ? 'sent back' : 'not sent back'}, expected the opposite`,
					);
				return [
					file,
					String(count),
					Number(item.json.confidence ?? 0).toFixed(2),
					upload ? 'yes' : 'no',
					id || '-',
					status,
					arrived,
				];
			});
			return {
				headers: [
					'image',
					'objects',
					'best confidence',
					'sent back',
					'image_id',
					'annotation_status',
					'in the project (read back)',
				],
				rows,
				note: `Images with no object or a best confidence under ${UNSURE_BELOW} uploaded to project "${projectId}" with the prediction for review`,
				mistakes,
			};
		},
	};
}

async function main(): Promise<void> {
	const ui = process.argv.includes('--ui');
	const env = process.env;
	const real = Boolean(
		env.ROBOFLOW_API_KEY &&
			(env.ROBOFLOW_MODEL || env.ROBOFLOW_DETECT_MODEL || env.ROBOFLOW_WORKFLOW),
	);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-demo-'));
	let server: RoboflowServer | undefined;
	let credential: Record<string, string>;
	const examples: DemoExample[] = [];
	let agent: Awaited<ReturnType<typeof startAgentDemo>> | undefined;

	if (real) {
		credential = {
			apiKey: env.ROBOFLOW_API_KEY ?? '',
			// Without ROBOFLOW_API_URL the credential leaves it empty and the node uses its default.
			...(env.ROBOFLOW_API_URL ? { apiUrl: env.ROBOFLOW_API_URL } : {}),
			...(env.ROBOFLOW_MANAGEMENT_URL ? { managementUrl: env.ROBOFLOW_MANAGEMENT_URL } : {}),
		};
		if (env.ROBOFLOW_MODEL) examples.push(classifyExample(work, true));
		if (env.ROBOFLOW_DETECT_MODEL) examples.push(detectExample(work, true));
		if (env.ROBOFLOW_WORKFLOW) examples.push(workflowExample(work, true));
		if (env.ROBOFLOW_DETECT_MODEL && env.ROBOFLOW_UPLOAD_PROJECT)
			examples.push(activeLearningExample(work, undefined));
		const models = [env.ROBOFLOW_MODEL, env.ROBOFLOW_DETECT_MODEL, env.ROBOFLOW_WORKFLOW]
			.filter(Boolean)
			.join(' and ');
		log(
			`Using real Roboflow: ${models} at ${credential.apiUrl ?? "the node's default API URL (Roboflow's Serverless Cloud API)"}`,
		);
	} else {
		// Image URLs on 127.0.0.1 (the agent's URL question) are downloaded, as by a self-hosted server.
		server = createRoboflowServer({ apiKeys: ['demo-key'], ...SELF_HOSTED_URL_OPTIONS });
		const url = await server.start();
		log(
			`Local Roboflow-compatible server on ${url} (colors/1: red, green, blue; shapes/1: coloured rectangles; Workflow ${EXAMPLE_WORKFLOW_ID})`,
		);
		// The management URL too, so that the editor's credential Test (--ui) reaches the local server.
		credential = { apiKey: 'demo-key', apiUrl: url, managementUrl: url };
		examples.push(
			classifyExample(work, false),
			detectExample(work, false),
			workflowExample(work, false),
			activeLearningExample(work, server),
		);
		agent = await startAgentDemo(server);
		examples.push(...agent.examples);
	}

	const tarball = packPackage(log);
	const allowDirs = [work, ...examples.flatMap((example) => example.dirs)];
	const n8n = new N8nInstance({ version: N8N_VERSIONS.v2, tarball, allowDirs, log });
	await n8n.importCredentials([
		{ ...LOCAL_CREDENTIAL, type: 'roboflowApi', data: credential },
		...(agent ? [agent.credential] : []),
	]);
	await n8n.importWorkflows(examples.map((example) => example.workflow));

	const mistakes: string[] = [];
	for (const example of examples) {
		log(`Running the workflow "${example.title}" in n8n ${n8n.version}...`);
		const { ok, run, output } = await n8n.execute(example.workflow.id ?? '');
		if (!ok) {
			log(output.slice(-3000));
			throw new Error(`The workflow "${example.title}" failed; see n8n's output above.`);
		}
		const report = example.report(run);
		process.stdout.write(
			`\n${example.title} (${example.file})\n\n${markdownTable(report.headers, report.rows)}\n\n${report.note}\n`,
		);
		mistakes.push(...report.mistakes);
	}
	if (mistakes.length) throw new Error(`Unexpected results:\n${mistakes.join('\n')}`);

	if (ui) {
		const port = Number(env.N8N_PORT ?? 5678);
		const child = await n8n.startEditor(port, DEMO_OWNER);
		const [first, ...others] = examples.map(
			(example) => `http://127.0.0.1:${port}/workflow/${example.workflow.id}`,
		);
		process.stdout.write(
			`\nn8n editor: ${first}\n` +
				others.map((link, i) => `            ${link} (${examples[i + 1].title})\n`).join('') +
				`Sign in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password}, then press "Execute workflow". Ctrl-C stops.\n`,
		);
		await new Promise<void>((resolve) => {
			child.on('exit', () => resolve());
			for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve());
		});
		await n8n.stopEditor(child);
	}
	await agent?.stop();
	await server?.stop();
	n8n.cleanup();
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
