/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end tests run in Node and drive real n8n in a browser, never inside n8n */
/**
 * The editor in a real browser (npm run test:ui; npm test runs it with the other e2e cases):
 * Debian's Chromium, driven by playwright-core, signed in to the World's shared `n8n start`. What
 * a user sees: the credential dialog and its Test, the "From list" pickers, a Workflow's typed
 * Inputs, the examples' results in the output panel and the binary viewer, the AI Agent's tool.
 * One browser page for every test; each wait is bounded by STEP_MS, no sleeps.
 *
 * SCREENSHOTS=1 (npm run screenshots) also saves the README's pictures to docs/: one shot() each.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

import { ensureChromium } from '../../tools/services/index.ts';
import {
	cells,
	shapeImage,
	GATE_SCENES,
	SHAPE_SCENES,
	writeColourSamples,
	writeScenes,
} from '../support/images.ts';
import { log, OWNER } from '../support/n8n.ts';
import { ROOT } from '../support/paths.ts';
import type { Workflow } from '../support/workflows.ts';
import {
	chatLike,
	EXAMPLES,
	example,
	linear,
	LOCAL_CREDENTIAL,
	roboflowNode,
	trigger,
} from '../support/workflows.ts';
import type { E2eCase, World } from '../support/world.ts';
import { budget, CHAT_MODEL, WRONG_CREDENTIAL } from '../support/world.ts';

/** A guard per editor step (a page load, an execution of a few images, a list from the local server), not a speed bound. */
const STEP_MS = 60_000;
const steps = (count: number) => ({ timeout: count * STEP_MS });
const VIEWPORT = { width: 1400, height: 800 };
const SCREENSHOTS = process.env.SCREENSHOTS === '1';

let browser: Browser | undefined;
let page: Page;
let baseUrl: string;

/**
 * With SCREENSHOTS=1, saves the window as docs/<file> (one pixel per CSS pixel), or the part that
 * `parts` cover at the page's two pixels per CSS pixel (a crisp close-up).
 */
async function shot(file: string, ...parts: Locator[]): Promise<void> {
	if (!SCREENSHOTS) return;
	// Toasts ("Workflow executed successfully") would cover a corner of the picture.
	for (const close of await page.locator('.el-notification__closeBtn').all())
		await close.click().catch(() => undefined);
	await page.locator('.el-notification').first().waitFor({ state: 'detached' });
	const boxes = await Promise.all(parts.map(async (part) => await part.boundingBox()));
	const [x, y] = [Math.min(...boxes.map((b) => b!.x)), Math.min(...boxes.map((b) => b!.y))];
	const right = Math.max(...boxes.map((b) => b!.x + b!.width));
	const bottom = Math.max(...boxes.map((b) => b!.y + b!.height));
	const clip = {
		x,
		y,
		width: right - x,
		height: Math.min(bottom, page.viewportSize()!.height) - y,
	};
	const where = parts.length ? { clip, scale: 'device' as const } : { scale: 'css' as const };
	await page.screenshot({ path: path.join(ROOT, 'docs', file), animations: 'disabled', ...where });
	log(`Saved docs/${file}`);
}

const canvasNode = (name: string): Locator =>
	page.locator('[data-test-id="canvas-node"]').filter({ hasText: name });

async function openWorkflow(id: string, height = VIEWPORT.height): Promise<void> {
	await page.setViewportSize({ width: VIEWPORT.width, height });
	await page.goto(`${baseUrl}/workflow/${id}`);
	await page.locator('[data-test-id="execute-workflow-button"]').waitFor();
}

/** Presses Execute workflow and waits until `lastNode` shows its success mark. */
async function execute(lastNode: string): Promise<void> {
	await page.locator('[data-test-id="execute-workflow-button"]').click();
	await canvasNode(lastNode).locator('[data-test-id="canvas-node-status-success"]').waitFor();
}

/** Opens a node's panel; returns its output panel. */
async function openNode(name: string): Promise<Locator> {
	await canvasNode(name).dblclick();
	const output = page.locator('[data-test-id="output-panel"]');
	await output.waitFor();
	return output;
}

/** Opens a resource locator's list (switching it to "From list" first): the names it lists, sorted. */
async function openList(parameter: string, switchMode = false): Promise<string[]> {
	const locator = page.locator(`[data-test-id="resource-locator-${parameter}"]`);
	if (switchMode) {
		await locator.locator('[data-test-id="rlc-mode-selector"]').click();
		await page.locator('[data-test-id="mode-list"]').click();
	}
	await locator.locator('[data-test-id="rlc-input"]').click();
	const items = page.locator('[data-test-id="rlc-item"]');
	await items.first().waitFor();
	return (await items.allInnerTexts()).map((text) => text.trim()).sort();
}

function workflows(world: World): Workflow[] {
	const dirs = Object.fromEntries(
		['colours', 'sorted', 'shapes', 'gate', 'alerts', 'ok', 'workflow-output'].map((n) => [
			n,
			world.dir(`ui-${n}`),
		]),
	);
	writeColourSamples(dirs.colours);
	// Twice the tests' size, as the demo's, to be seen in the editor's pictures.
	writeScenes(dirs.shapes, SHAPE_SCENES, 2);
	writeScenes(dirs.gate, GATE_SCENES, 2);
	for (const name of ['red', 'green', 'blue', 'unsure']) fs.mkdirSync(path.join(dirs.sorted, name));
	const { route, count, workflow, activeLearning, agent, classifyByText } = EXAMPLES;
	world.chat.rules.push({ match: '[ui]', tools: [agent.uploadTool.replaceAll(' ', '_')] });
	const agentFlow = example(agent.file, 'uiAgent', { chatModel: CHAT_MODEL, model: 'shapes/1' });
	// Run Workflow 1.1, no Workflow chosen yet: the picker and the Inputs of the one chosen.
	const runWorkflow = roboflowNode({
		operation: 'runWorkflow',
		workspace: '',
		workflowId: { __rl: true, mode: 'list', value: '' },
	});
	return [
		example(route.file, 'uiRoute', {
			folders: { images: dirs.colours, sorted: dirs.sorted },
			model: 'colors/1',
		}),
		example(classifyByText.file, 'uiClassifyByText', {
			folders: { images: dirs.colours, sorted: dirs.sorted },
		}),
		example(count.file, 'uiCount', {
			model: 'shapes/1',
			folders: { images: dirs.shapes, alerts: dirs.alerts, ok: dirs.ok },
		}),
		example(workflow.file, 'uiRunWorkflow', {
			folders: { images: dirs.shapes, 'workflow-output': dirs['workflow-output'] },
		}),
		example(activeLearning.file, 'uiActiveLearning', {
			model: 'shapes/1',
			project: 'shapes',
			folders: { images: dirs.gate },
		}),
		chatLike(
			agentFlow,
			'[ui] How many objects are in my photo?',
			shapeImage(cells('red 0 0, blue 1 1, blue 2 0')),
		),
		linear('uiWorkflowInputs', 'Run a Workflow of two images', [
			trigger,
			{ ...runWorkflow, name: 'Run Workflow', typeVersion: 1.1 },
		]),
	];
}

export const uiCase: E2eCase = {
	name: 'the editor in Chromium',
	workflows,

	tests(world: World) {
		before(
			async () => {
				baseUrl = (await world.main()).baseUrl;
				browser = await chromium.launch({
					executablePath: ensureChromium(log),
					args: [
						'--no-sandbox',
						'--disable-gpu',
						'--no-first-run',
						'--disable-background-networking',
						'--disable-component-update',
						'--disable-sync',
					],
				});
				const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 2 });
				context.setDefaultTimeout(STEP_MS);
				page = await context.newPage();
				// Leaving a changed workflow asks whether to; the tests change them only to look.
				page.on('dialog', (dialog) => void dialog.accept());
				const login = await page.request.post(`${baseUrl}/rest/login`, {
					data: { emailOrLdapLoginId: OWNER.email, password: OWNER.password },
				});
				if (!login.ok()) throw new Error(`signing in failed: HTTP ${login.status()}`);
			},
			budget({ starts: 1, waitsMs: STEP_MS }),
		);
		after(async () => await browser?.close());

		test(
			'the credential dialog: its fields; its Test accepts the key, and tells what to do with a wrong one',
			steps(2),
			async () => {
				const dialog = page.locator('[data-test-id="editCredential-modal"]');
				// Opening a saved credential runs its Test.
				await page.goto(`${baseUrl}/home/credentials/${LOCAL_CREDENTIAL.id}`);
				await dialog.locator('[data-test-id="parameter-input-maxRequestsInFlight"]').waitFor();
				const lines = (await dialog.innerText()).split('\n');
				for (const label of ['API Key *', 'API URL *', 'Send API Key As', 'Management API URL'])
					assert.ok(lines.includes(label), `no field ${label} in:\n${lines.join('\n')}`);
				await dialog.getByText('Connection tested successfully').waitFor();
				await page.goto(`${baseUrl}/home/credentials/${WRONG_CREDENTIAL.id}`);
				const message =
					/^Roboflow rejected the API key\. Copy the Private API Key from Settings > API Keys/;
				// 2.x folds the test's message under "More details"; 1.x shows it.
				const more = dialog.getByText('More details');
				await more.or(dialog.getByText(message)).first().waitFor();
				if (await more.isVisible()) await more.click();
				await dialog.getByText(message).waitFor();
			},
		);

		test(
			"the pickers: Model lists the workspace's trained models for the operation, Workflow its Workflows",
			steps(4),
			async () => {
				await openWorkflow('uiCount');
				await openNode(EXAMPLES.count.detect);
				assert.deepEqual(await openList('modelId', true), [
					'Shapes Retrained v2 (object-detection)',
					'Shapes v1 (object-detection)',
				]);
				await shot('editor-model-picker.png');
				await openWorkflow('uiWorkflowInputs', 1700);
				await openNode('Run Workflow');
				assert.deepEqual(await openList('workflowId'), [
					'Always Fails',
					'Compare Front and Back',
					'Crop and Classify',
					'Detect, Count and Visualize',
				]);
			},
		);

		test(
			"a two-image Workflow chosen: Run Workflow's Inputs shows its inputs, typed, required ones marked",
			steps(2),
			async () => {
				// The Workflow list the previous test left open, on the Run Workflow 1.1 node.
				await page.locator('[data-test-id="rlc-item"]').getByText('Compare Front and Back').click();
				const inputs = page.locator('[data-test-id="resource-mapper-container"]');
				const input = (id: string) => inputs.locator(`[data-test-id="parameter-input-${id}"]`);
				for (const label of ['front (image)', 'back (image)', 'confidence', 'label'])
					await inputs.getByText(label, { exact: true }).waitFor();
				for (const number of ['confidence', 'tolerance'])
					await input(number).getByRole('spinbutton').waitFor();
				await input('quiet').getByRole('switch').waitFor({ state: 'attached' });
				// A required input cannot be removed, and shows an issue while empty.
				const removable = (id: string) =>
					inputs.locator(`[data-test-id="remove-field-button-${id}"]`).count();
				assert.deepEqual(
					await Promise.all(['image:front', 'image:back', 'label', 'tolerance'].map(removable)),
					[1, 0, 0, 1],
				);
				await inputs.locator('[data-test-id="parameter-issues"]').first().waitFor();
				// Node version 1.1: the inputs by name and the fallback image input are Options.
				const parameters = page.locator('[data-test-id="node-parameters"]');
				assert.equal(await parameters.getByText('Image Input Name').count(), 0);
				await parameters.getByPlaceholder('Add Option').click();
				for (const name of ['Image Input (Workflow Not Described)', 'More Inputs by Name'])
					await page.getByRole('option', { name }).waitFor();
				const list = page.getByRole('listbox').filter({ hasText: 'More Inputs by Name' });
				await shot('editor-workflow-inputs.png', parameters, list);
				await page.keyboard.press('Escape');
			},
		);

		test(
			'executing the examples: top and confidence in the output panel (a trained model and text labels), the annotated picture in the binary viewer',
			steps(8),
			async () => {
				await openWorkflow('uiRoute');
				await execute('Save blue');
				await shot('editor-workflow.png');
				const output = await openNode(EXAMPLES.route.roboflow);
				await output.locator('[data-test-id="radio-button-json"]').click();
				await output.getByText('"top"').first().waitFor();
				await output.getByText('"confidence"').first().waitFor();
				await shot('editor-roboflow-output.png');

				// No trained model: the labels' zero-shot answer, its raw similarities beside it.
				await openWorkflow('uiClassifyByText');
				await execute('Save blue');
				const labels = await openNode(EXAMPLES.classifyByText.classify);
				await labels.locator('[data-test-id="radio-button-json"]').click();
				await labels.getByText('"something blue"').first().waitFor();
				await labels.getByText('"similarity"').first().waitFor();
				await shot('editor-classify-by-text.png');

				await openWorkflow('uiCount');
				await execute('Save to ok');
				await shot('editor-detection-workflow.png');
				const detected = await openNode(EXAMPLES.count.detect);
				await detected.locator('[data-test-id="radio-button-binary"]').click();
				const crowded = detected.locator('[data-test-id="ndv-binary-data_1"]');
				await crowded.getByText('crowded-annotated.jpg').waitFor();
				// The item's second binary field, `annotated` (the first is the input image, `data`).
				await crowded.locator('[data-test-id="ndv-view-binary-data"]').last().click();
				const picture = detected.locator('img').first();
				await picture.waitFor();
				await page.waitForFunction(
					(img) => img.complete && img.naturalWidth > 0,
					await picture.elementHandle(),
				);
				await shot(
					'editor-annotated-image.png',
					page.locator('[data-test-id="node-parameters"]'),
					detected,
				);
			},
		);

		test(
			'Run Workflow and Upload Image to Project after a run: the outputs a user maps from',
			steps(6),
			async () => {
				// Schema views, large fields folded, so that the fields a user maps from show together.
				const schema = async (output: Locator, fold: string[], field: string) => {
					await output.locator('[data-test-id="radio-button-schema"]').click();
					for (const path of fold)
						await output
							.locator('[data-test-id="run-data-schema-item"]')
							.filter({ has: page.locator(`[data-path=".${path}"]`) })
							.first()
							.locator('.toggle')
							.click();
					await output.getByText(field, { exact: true }).first().waitFor();
				};
				await openWorkflow('uiRunWorkflow', 1000);
				await execute('Save output image');
				const run = await openNode(EXAMPLES.workflow.run);
				await schema(run, ['predictions'], 'count_objects');
				await run.getByText('output_image', { exact: true }).first().waitFor();
				await shot('editor-run-workflow.png');

				await openWorkflow('uiActiveLearning', 1000);
				await execute(EXAMPLES.activeLearning.upload);
				const upload = await openNode(EXAMPLES.activeLearning.upload);
				await schema(upload, ['predictions', 'class_counts', 'classes', 'image'], 'image_id');
				await upload.getByText('annotation_status', { exact: true }).first().waitFor();
				await shot('editor-upload.png');
			},
		);

		test(
			"the AI Agent example: its Roboflow tool's output is the compact result",
			steps(3),
			async () => {
				await openWorkflow('uiAgent');
				await execute(EXAMPLES.agent.agent);
				await shot('editor-agent.png');
				const output = await openNode(EXAMPLES.agent.uploadTool);
				await output.locator('[data-test-id="radio-button-json"]').click();
				await output.getByText('"class_counts"').first().waitFor();
				// Only the result: not the chat item (chatInput, sessionId) the tool read the photo from.
				assert.equal(await output.getByText('"chatInput"').count(), 0);
				await shot('editor-agent-tool.png');
			},
		);
	},
};
