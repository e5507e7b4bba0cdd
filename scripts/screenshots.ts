/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- a command-line script that drives the demo and a browser from Node, never inside n8n */
/**
 * npm run screenshots: starts `npm run demo -- --ui`, runs the example workflows in the n8n
 * editor in headless Chromium and saves the README's pictures to docs/:
 *
 * - editor-workflow.png: the route-images-by-class workflow after a run (items on every edge);
 * - editor-roboflow-output.png: its Roboflow node open, the classification JSON as output;
 * - editor-detection-workflow.png: the count-objects-and-alert workflow after a run;
 * - editor-annotated-image.png: the Detect Objects node's annotated picture in n8n's binary
 *   data viewer;
 * - editor-model-picker.png: the same node's Model "From list", listing the workspace's
 *   object detection models (from the local server's management API);
 * - editor-run-workflow.png: the run-workflow example's Run Workflow node open, its parameters
 *   and its output (count_objects, predictions, the reference to the output_image binary).
 * - editor-workflow-inputs.png: the same node with the two-image Workflow chosen: its Inputs
 *   (an image field per image input, parameters typed from their kinds).
 * - editor-upload.png: the active-learning example's Upload Image to Project node open, its
 *   parameters and an uploaded image's image_id and annotation_status.
 * - editor-agent.png, editor-agent-tool.png: the AI Agent example (a chat upload) after a run,
 *   and its Roboflow tool open with the compact result it handed the model.
 *
 * SCREENSHOTS=agent,runWorkflow takes only those (routeByClass, detection, runWorkflow,
 * activeLearning, agent). Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH); not
 * part of the tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

import { ROOT } from '../test/support/paths.ts';

const PORT = Number(process.env.N8N_PORT ?? 5678);
const DOCS = path.join(ROOT, 'docs');
const VIEWPORT = { width: 1400, height: 800 };
/** A run of a few images through the local server takes a second; the editor's first load more. */
const WAIT = { timeout: 60_000 };

interface Demo {
	stop: () => Promise<void>;
	/** The example workflows in the editor, by workflow id (`rf-route-by-class`, ...). */
	urls: Map<string, string>;
	email: string;
	password: string;
}

function startDemo(): Promise<Demo> {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's demo script with fixed arguments
	const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.ts'), '--ui'], {
		cwd: ROOT,
		env: { ...process.env, N8N_PORT: String(PORT) },
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
	let workDir: string | undefined;
	const stop = async () => {
		child.kill('SIGTERM');
		await exited;
		// The demo keeps its folder of images and results for a look afterwards; not needed here.
		if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
	};
	return new Promise((resolve, reject) => {
		let out: string | undefined = '';
		// Read the demo's output to the end: n8n logs into the same pipe until it stops.
		child.stdout.on('data', (chunk: Buffer) => {
			if (out === undefined) return;
			out += chunk.toString('utf8');
			workDir ??= /(\/\S*roboflow-demo-[^/\s]+)\//.exec(out)?.[1];
			const login = /Sign in as (\S+) \/ (\S+),/.exec(out);
			if (!out.includes('n8n editor: ') || !login) return;
			const urls = new Map(
				[...out.matchAll(/(http:\/\/\S+\/workflow\/(\S+))/g)].map((m) => [m[2], m[1]]),
			);
			out = undefined;
			resolve({ stop, urls, email: login[1], password: login[2] });
		});
		void exited.then((code) =>
			reject(new Error(`the demo exited (${code}) before the editor was ready`)),
		);
	});
}

/**
 * The editor page of one example workflow, signed in. Pictures are taken at one pixel per CSS
 * pixel unless `crisp` (see save()); the page renders at twice that, for the crisp ones.
 */
async function openWorkflow(
	browser: Browser,
	demo: Demo,
	id: string,
	viewport = VIEWPORT,
): Promise<Page> {
	const url = demo.urls.get(id);
	if (!url) throw new Error(`the demo printed no link to the workflow ${id}`);
	const context = await browser.newContext({ viewport, deviceScaleFactor: 2 });
	const page = await context.newPage();
	const login = await page.request.post(`${new URL(url).origin}/rest/login`, {
		data: { emailOrLdapLoginId: demo.email, password: demo.password },
	});
	if (!login.ok()) throw new Error(`login failed: HTTP ${login.status()}`);
	await page.goto(url);
	return page;
}

const canvasNode = (page: Page, name: string): Locator =>
	page.locator('[data-test-id="canvas-node"]').filter({ hasText: name });

/** Presses Execute workflow and waits until `lastNode` shows its success mark. */
async function execute(page: Page, lastNode: string): Promise<void> {
	await page.locator('[data-test-id="execute-workflow-button"]').click();
	await canvasNode(page, lastNode)
		.locator('[data-test-id="canvas-node-status-success"]')
		.waitFor(WAIT);
	await closeToasts(page);
}

/** Closes the "Workflow executed successfully" toast, which would cover a corner of the picture. */
async function closeToasts(page: Page): Promise<void> {
	await page.waitForTimeout(500);
	for (const close of await page.locator('.el-notification__closeBtn').all()) {
		await close.click().catch(() => undefined);
	}
	await page.waitForTimeout(700);
}

async function openNode(page: Page, name: string): Promise<Locator> {
	await canvasNode(page, name).dblclick();
	const output = page.locator('[data-test-id="output-panel"]');
	await output.waitFor(WAIT);
	return output;
}

/**
 * Saves the window as docs/<file>, one pixel per CSS pixel; or, with `clip`, that part of it at
 * the page's two pixels per CSS pixel (crisp: for a small picture inside the editor).
 */
async function save(
	page: Page,
	file: string,
	clip?: { x: number; y: number; width: number; height: number },
): Promise<void> {
	await page.waitForTimeout(500);
	await page.screenshot({
		path: path.join(DOCS, file),
		...(clip ? { clip, scale: 'device' as const } : { scale: 'css' as const }),
	});
	process.stderr.write(`Saved docs/${file}\n`);
}

/** The part of the window from `left`'s left edge to `right`'s right edge, over `right`'s height. */
async function spanOf(left: Locator, right: Locator) {
	const [a, b] = [await left.boundingBox(), await right.boundingBox()];
	if (!a || !b) throw new Error('a panel to photograph is not on the page');
	return { x: a.x, y: b.y, width: b.x + b.width - a.x, height: b.height };
}

/** The first example: the workflow after a run, then the Roboflow node's JSON output. */
async function routeByClass(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'rf-route-by-class');
	await execute(page, 'Save blue');
	await save(page, 'editor-workflow.png');

	const output = await openNode(page, 'Roboflow');
	await output.locator('[data-test-id="radio-button-json"]').click();
	await output.getByText('"predicted_classes"').first().waitFor(WAIT);
	await save(page, 'editor-roboflow-output.png');
}

/**
 * The second example: the workflow after a run; the Detect Objects node's annotated picture of
 * crowded.png (the second image) in the binary data viewer; then its Model "From list".
 */
async function detection(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'rf-count-objects-and-alert');
	await execute(page, 'Save to ok');
	await save(page, 'editor-detection-workflow.png');

	const output = await openNode(page, 'Detect objects');
	await output.locator('[data-test-id="radio-button-binary"]').click();
	const crowded = output.locator('[data-test-id="ndv-binary-data_1"]');
	await crowded.getByText('crowded-annotated.jpg').waitFor(WAIT);
	// The item's second binary field, `annotated` (the first is the input image, `data`).
	await crowded.locator('[data-test-id="ndv-view-binary-data"]').last().click();
	await output.locator('img').first().waitFor(WAIT);
	// The parameters (Detect Objects, Annotated Image on) beside the picture, at twice the size.
	await save(
		page,
		'editor-annotated-image.png',
		await spanOf(page.locator('[data-test-id="node-parameters"]'), output),
	);
	await output.getByText('Back to list').click();

	const model = page.locator('[data-test-id="resource-locator-modelId"]');
	await model.locator('[data-test-id="rlc-mode-selector"]').click();
	await page.locator('[data-test-id="mode-list"]').click();
	await model.locator('[data-test-id="rlc-input"]').click();
	await page.getByText('Shapes Retrained v2 (object-detection)').waitFor(WAIT);
	await save(page, 'editor-model-picker.png');
}

/**
 * The third example: the Run Workflow node open after a run. A taller window, so that every
 * parameter down to Workflow Inputs shows; the output in the Schema view with `predictions`
 * folded, so that `count_objects` and `output_image` show together.
 */
async function runWorkflow(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'rf-run-workflow', {
		width: VIEWPORT.width,
		height: 1000,
	});
	await execute(page, 'Save output image');
	const output = await openNode(page, 'Run Workflow');
	await output.locator('[data-test-id="radio-button-schema"]').click();
	const predictions = output
		.locator('[data-test-id="run-data-schema-item"]')
		.filter({ has: page.locator('[data-path=".predictions"]') })
		.first();
	await predictions.locator('.toggle').click();
	await output.getByText('binary_field', { exact: true }).first().waitFor(WAIT);
	await save(page, 'editor-run-workflow.png');
}

/**
 * The fourth example: the Upload Image to Project node open after a run, its output in the
 * Schema view with the detection's fields folded, so that the upload's show. The demo has run
 * the workflow once already, so this run's images come back as duplicates, already annotated.
 */
async function activeLearning(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'rf-active-learning', {
		width: VIEWPORT.width,
		height: 1000,
	});
	await execute(page, 'Send to Roboflow for labelling');
	const output = await openNode(page, 'Send to Roboflow for labelling');
	await output.locator('[data-test-id="radio-button-schema"]').click();
	for (const field of ['.predictions', '.class_counts', '.classes', '.image']) {
		await output
			.locator('[data-test-id="run-data-schema-item"]')
			.filter({ has: page.locator(`[data-path="${field}"]`) })
			.first()
			.locator('.toggle')
			.click();
	}
	await output.getByText('annotation_status', { exact: true }).first().waitFor(WAIT);
	await save(page, 'editor-upload.png');
}

/**
 * The AI Agent example, its chat model the demo's local chat server: the workflow after a run
 * (the agent, its chat model and its two Roboflow tools), then the tool that read the upload.
 */
async function agent(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'demoAgentUpload');
	await execute(page, 'AI Agent');
	await save(page, 'editor-agent.png');
	const output = await openNode(page, 'Count objects in the uploaded photo');
	await output.locator('[data-test-id="radio-button-json"]').click();
	await output.getByText('class_counts').first().waitFor(WAIT);
	await save(page, 'editor-agent-tool.png');
}

/**
 * The Run Workflow node with the two-image Workflow chosen By ID: its Inputs, as the editor
 * reads them from the demo's server (describe_interface, the server standing in for a
 * self-hosted Inference server): an image field per image input, parameters typed.
 */
async function workflowInputs(browser: Browser, demo: Demo): Promise<void> {
	const page = await openWorkflow(browser, demo, 'rf-run-workflow', {
		width: VIEWPORT.width,
		height: 1700,
	});
	await openNode(page, 'Run Workflow');
	const workflow = page.locator('[data-test-id="resource-locator-workflowId"]');
	await workflow.locator('[data-test-id="rlc-input"]').fill('compare-front-and-back');
	const parameters = page.locator('[data-test-id="node-parameters"]');
	const tolerance = parameters.getByText('tolerance', { exact: true }).first();
	await tolerance.waitFor(WAIT);
	await parameters.getByText('note', { exact: true }).first().scrollIntoViewIfNeeded();
	// From the Workflow parameter down to the last field.
	const panel = await parameters.boundingBox();
	const top = await workflow.boundingBox();
	if (!panel || !top) throw new Error('the node parameters are not on the page');
	await save(page, 'editor-workflow-inputs.png', {
		x: panel.x,
		y: top.y - 30,
		width: panel.width,
		height: Math.min(panel.y + panel.height, 1700) - (top.y - 30),
	});
}

const SHOTS = { routeByClass, detection, runWorkflow, workflowInputs, activeLearning, agent };

async function main(): Promise<void> {
	const only = process.env.SCREENSHOTS?.split(',').map((name) => name.trim());
	const demo = await startDemo();
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	try {
		for (const [name, shot] of Object.entries(SHOTS))
			if (!only || only.includes(name)) await shot(browser, demo);
	} finally {
		await browser.close();
		await demo.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
