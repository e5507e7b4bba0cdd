/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * End-to-end tests in real n8n (npm run test:e2e): the packed package installed into a fresh
 * n8n user folder of each pinned release, credentials pointing at the local Roboflow server,
 * every workflow imported once per version and run with `n8n execute`, each node's output and
 * the files written checked; the credential's Test and the Model and Workflow pickers through the
 * editor's REST API (one `n8n start` per version). Node's test runner, one `describe` per n8n
 * version (N8N_E2E_VERSIONS=v2 or v1 narrows it); the TAP summary ends with "# pass N" / "# fail N".
 *
 *   node --test-reporter=tap test/e2e/e2e.test.ts
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { resolveVersion } from '../../tools/n8n-install/index.ts';
import type { Fault } from '../../tools/roboflow-server/faults.ts';
import { pickFault } from '../../tools/roboflow-server/faults.ts';
import type { RoboflowServer } from '../../tools/roboflow-server/index.ts';
import {
	COLOURS,
	createRoboflowServer,
	decodeImage,
	makePng,
	SELF_HOSTED_URL_OPTIONS,
} from '../../tools/roboflow-server/index.ts';
import type { ColourSample, ShapeSample } from '../support/images.ts';
import {
	shapeCell,
	shapeImage,
	writeColourSeries,
	writeSampleImages,
	writeShapeImages,
} from '../support/images.ts';
import type { ExecuteResult, N8nItem, RestCall, RunData } from '../support/n8n.ts';
import {
	freePort,
	logToStderr as log,
	N8nInstance,
	nodeOutputs,
	packPackage,
} from '../support/n8n.ts';
import { EXAMPLES_DIR } from '../support/paths.ts';
import type { E2eContext } from './features/feature.ts';
import { FEATURES } from './features/index.ts';
import type { Workflow } from '../support/workflows.ts';
import * as wf from '../support/workflows.ts';

const API_KEY = 'e2e-dummy-key-7c3e91';
const WRONG_KEY = 'wrong-key-0000';
const LOCAL = wf.CREDENTIAL(wf.LOCAL_CREDENTIAL.id, wf.LOCAL_CREDENTIAL.name);
const BAD_CREDENTIAL = { id: 'roboflow-bad', name: 'Roboflow wrong key' };
const BAD = wf.CREDENTIAL(BAD_CREDENTIAL.id, BAD_CREDENTIAL.name);
const LONG = { timeout: 5 * 60_000 };

/** The fault scenario: 200 images, a fault plan over their first attempts (picked by image hash). */
const FAULT_IMAGES = 200;
const FAULT_PLAN: Fault[] = [
	{ kind: '429', share: 0.15, retryAfter: 1 },
	{ kind: '429', share: 0.1 },
	{ kind: '429', share: 0.05, failAttempts: 2 },
	{ kind: '503', share: 0.1, retryAfter: 1 },
	{ kind: 'drop', share: 0.05 },
];

const json = <T>(item: N8nItem, key: string) => item.json[key] as T;
const fileName = (item: N8nItem, field = 'data') => item.binary?.[field]?.fileName;
const stem = (name: string) => name.replace(/\.[^.]*$/, '');

/** The attachments of the Gmail-like item: three shape images, then a PDF. */
const ATTACHMENTS = [
	{
		name: 'front.png',
		mime: 'image/png',
		rects: [shapeCell('red', 0, 0), shapeCell('blue', 1, 1)],
	},
	{
		name: 'side.png',
		mime: 'image/png',
		rects: [shapeCell('green', 0, 0), shapeCell('green', 2, 0), shapeCell('green', 1, 1)],
	},
	{ name: 'back.png', mime: 'image/png', rects: [shapeCell('yellow', 2, 1)] },
].map(({ rects, ...file }) => ({
	...file,
	base64: shapeImage(rects).toString('base64'),
	count: rects.length,
}));
const PDF = {
	name: 'invoice.pdf',
	mime: 'application/pdf',
	base64: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n').toString('base64'),
};

/** Node names of the e2eWorkflowVariants branches. */
const VARIANT = {
	crops: 'Crop and classify',
	typed: 'Typed inputs',
	fromList: 'Model saved from the list',
	url: 'Workflow from URL',
} as const;
/** The typed-inputs branch: only these classes count, and this image's threshold is above every box. */
const TYPED_CLASSES = ['red', 'blue'];
const STRICT_IMAGE = 'crowded.png';
const UNKNOWN_WORKFLOW = 'no-such-workflow';
/** Images the Workflow-from-URL node sends as URLs. */
const URL_SHAPES = [
	{ name: 'u-two.png', rects: [shapeCell('red', 0, 0), shapeCell('green', 2, 1)] },
	{
		name: 'u-three.png',
		rects: [shapeCell('blue', 0, 1), shapeCell('blue', 1, 0), shapeCell('cyan', 2, 0)],
	},
];

/**
 * A Code node that emits one item shaped like a Gmail trigger's: binaries attachment_0..3
 * stored through n8n's binary helpers (filesystem mode, as Gmail's are).
 */
const GMAIL_LIKE_CODE = `const files = ${JSON.stringify([...ATTACHMENTS, PDF].map(({ name, mime, base64 }) => ({ name, mime, base64 })))};
const binary = {};
for (const [i, file] of files.entries()) {
	binary['attachment_' + i] = await this.helpers.prepareBinaryData(Buffer.from(file.base64, 'base64'), file.name, file.mime);
}
return [{ json: { subject: 'Site photos', from: 'inspector@example.com' }, binary }];`;

let built: string | undefined;
/** Builds and packs the package once for every version; returns the tarball's path. */
function tarball(): string {
	built ??= packPackage(log);
	return built;
}

after(() => {
	if (built) fs.rmSync(path.dirname(built), { recursive: true, force: true });
});

test('examples/*.json are what test/support/workflows.ts builds (node scripts/examples.ts writes them)', () => {
	for (const [file, build] of Object.entries(wf.EXAMPLES)) {
		const shipped = fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
		assert.equal(
			shipped,
			wf.exampleText(build()),
			`examples/${file} is out of date: run node scripts/examples.ts`,
		);
	}
});

/** One n8n version's world: folders, local server, n8n with credentials and workflows imported. */
class VersionFixture implements E2eContext {
	readonly version: string;
	readonly apiKey = API_KEY;
	work = '';
	dirs = {
		images: '',
		sorted: '',
		shapes: '',
		alerts: '',
		ok: '',
		faults: '',
		workflowOutput: '',
	};
	samples: ColourSample[] = [];
	shapes: ShapeSample[] = [];
	/** The shape images the Workflow-from-URL node reads, by URL (served by the local server). */
	urlShapes: Array<{ url: string; count: number }> = [];
	faultImages: ColourSample[] = [];
	workflows: Record<string, Workflow> = {};
	server!: RoboflowServer;
	n8n!: N8nInstance;
	private readonly runs = new Map<string, Promise<ExecuteResult>>();
	private editorSession?: Promise<{ rest: RestCall; baseUrl: string; child: ChildProcess }>;

	constructor(version: string) {
		this.version = version;
	}

	async setUp(): Promise<void> {
		this.work = fs.mkdtempSync(path.join(os.tmpdir(), `roboflow-e2e-${this.version}-`));
		for (const key of Object.keys(this.dirs) as Array<keyof typeof this.dirs>) {
			this.dirs[key] = path.join(this.work, key);
			fs.mkdirSync(this.dirs[key], { recursive: true });
		}
		this.samples = writeSampleImages(this.dirs.images);
		this.shapes = writeShapeImages(this.dirs.shapes);
		this.faultImages = writeColourSeries(this.dirs.faults, FAULT_IMAGES);
		for (const name of ['red', 'green', 'blue', 'unsure'])
			fs.mkdirSync(path.join(this.dirs.sorted, name));
		// Like a self-hosted Inference server: image URLs on http:// and IP addresses are downloaded.
		this.server = createRoboflowServer({ apiKeys: [API_KEY], ...SELF_HOSTED_URL_OPTIONS });
		await this.server.start();
		this.workflows = this.buildWorkflows();
		for (const feature of FEATURES) {
			for (const [id, workflow] of Object.entries(feature.workflows(this))) {
				assert.ok(!this.workflows[id], `${feature.name}: workflow id ${id} is taken`);
				this.workflows[id] = workflow;
			}
		}
		const packed = tarball();
		log(
			`n8n ${this.version}: installing the package, importing 2 credentials and ${Object.keys(this.workflows).length} workflows`,
		);
		this.n8n = new N8nInstance({
			version: this.version,
			tarball: packed,
			allowDirs: [this.work],
			log,
		});
		const data = (apiKey: string) => ({
			apiKey,
			apiUrl: this.server.url,
			managementUrl: this.server.url,
		});
		await this.n8n.importCredentials([
			{ ...wf.LOCAL_CREDENTIAL, type: 'roboflowApi', data: data(API_KEY) },
			{ ...BAD_CREDENTIAL, type: 'roboflowApi', data: data(WRONG_KEY) },
		]);
		await this.n8n.importWorkflows(Object.values(this.workflows));
	}

	/** The editor (`n8n start`) and a signed-in REST session, started once per version on first use. */
	async editor(): Promise<{ rest: RestCall; baseUrl: string }> {
		this.editorSession ??= (async () => {
			const owner = { email: 'e2e@example.com', password: 'E2e-password-1' };
			const port = await freePort();
			const child = await this.n8n.startEditor(port, owner, { quiet: true });
			const baseUrl = `http://127.0.0.1:${port}`;
			return { rest: await this.n8n.restSession(baseUrl, owner), baseUrl, child };
		})();
		const { rest, baseUrl } = await this.editorSession;
		return { rest, baseUrl };
	}

	async tearDown(): Promise<void> {
		if (this.editorSession) await this.n8n.stopEditor((await this.editorSession).child);
		await this.server?.stop();
		this.n8n?.cleanup();
		if (this.work) fs.rmSync(this.work, { recursive: true, force: true });
	}

	private buildWorkflows(): Record<string, Workflow> {
		const { images, sorted, shapes, alerts, ok, faults, workflowOutput } = this.dirs;
		const urls = [
			this.server.addImage('u-red.png', makePng(20, 20, COLOURS.red)),
			this.server.addImage('u-blue.png', makePng(20, 20, COLOURS.blue)),
		];
		const hasDark = wf.switchNode(
			{
				name: 'Has dark',
				rules: [
					{
						outputKey: 'dark',
						id: 'dark',
						leftValue: '={{ $json.predicted_classes }}',
						rightValue: 'dark',
						operator: { type: 'array', operation: 'contains', rightType: 'any' },
					},
				],
				fallback: 'unsure',
			},
			[660, 0],
		);
		const mail = wf.codeNode('Gmail-like message', GMAIL_LIKE_CODE, [220, 0]);
		const split = wf.roboflowNode(
			{ operation: 'detect', modelId: 'shapes/1', binaryPropertyName: '*' },
			LOCAL,
			[440, -100],
			{ name: 'Split' },
		);
		const combined = wf.roboflowNode(
			{
				operation: 'detect',
				modelId: 'shapes/1',
				binaryPropertyName: '*',
				options: { splitImages: false },
			},
			LOCAL,
			[440, 100],
			{ name: 'Combined' },
		);
		const list: Workflow[] = [
			wf.routeByClass({
				id: 'e2eRouteByClass',
				imagesGlob: `${images}/*.{png,jpg}`,
				outputDir: sorted,
				modelId: 'colors/1',
				classes: ['red', 'green', 'blue'],
			}),
			wf.linear('e2eUrlInput', 'URL input', [
				wf.trigger,
				wf.codeNode(
					'Image URLs',
					`return ${JSON.stringify(urls)}.map((url) => ({ json: { url } }));`,
					[220, 0],
				),
				wf.roboflowNode(
					{ modelId: 'colors/1', inputType: 'imageUrl', imageUrl: '={{ $json.url }}' },
					LOCAL,
					[440, 0],
				),
			]),
			wf.linear('e2eMultiLabel', 'Multi-label', [
				wf.trigger,
				wf.readFiles(`${images}/*.{png,jpg}`, [220, 0]),
				wf.roboflowNode({ modelId: 'tones/1', options: { confidence: 0.5 } }, LOCAL, [440, 0]),
				hasDark,
			]),
			wf.linear('e2eBadKey', 'Bad key', [
				wf.trigger,
				wf.readFiles(`${images}/*.png`, [220, 0]),
				wf.roboflowNode({ modelId: 'colors/1' }, BAD, [440, 0]),
			]),
			{
				id: 'e2eMixedBatch',
				name: 'Mixed batch, error output',
				nodes: [
					wf.trigger,
					wf.readFiles(`${images}/*.{png,jpg}`, [220, 0]),
					wf.codeNode(
						'Lose one binary',
						'return $input.all().map((item, i) => i === 2 ? { json: { ...item.json, broken: true }, binary: { attachment: item.binary.data } } : item);',
						[440, 0],
					),
					wf.roboflowNode({ modelId: 'colors/1' }, LOCAL, [660, 0], {
						onError: 'continueErrorOutput',
					}),
					wf.noOp('Classified', [880, -100]),
					wf.noOp('Failed', [880, 100]),
				],
				connections: {
					...wf.chain(wf.trigger.name, 'Read images', 'Lose one binary', 'Roboflow'),
					...wf.branches('Roboflow', ['Classified', 'Failed']),
				},
				settings: { executionOrder: 'v1' },
			},
			wf.linear('e2eFaults', 'Faults: 200 images', [
				wf.trigger,
				wf.readFiles(`${faults}/*.png`, [220, 0]),
				wf.roboflowNode({ modelId: 'colors/1' }, LOCAL, [440, 0]),
			]),
			wf.countObjectsAndAlert({
				id: 'e2eCountObjects',
				imagesGlob: `${shapes}/*.{png,jpg}`,
				alertsDir: alerts,
				okDir: ok,
				modelId: 'shapes/1',
				threshold: wf.ALERT_ABOVE,
			}),
			wf.linear('e2eSegment', 'Instance segmentation', [
				wf.trigger,
				wf.readFiles(`${shapes}/*.{png,jpg}`, [220, 0]),
				wf.roboflowNode({ operation: 'segment', modelId: 'shapes-seg/1' }, LOCAL, [440, 0]),
			]),
			{
				id: 'e2eGmailLike',
				name: 'Several images per item',
				nodes: [wf.trigger, mail, split, combined],
				connections: {
					...wf.chain(wf.trigger.name, mail.name),
					[mail.name]: {
						main: [
							[split.name, combined.name].map((node) => ({
								node,
								type: 'main' as const,
								index: 0,
							})),
						],
					},
				},
				settings: { executionOrder: 'v1' },
			},
			wf.runRoboflowWorkflow({
				id: 'e2eRunWorkflow',
				imagesGlob: `${shapes}/*.{png,jpg}`,
				outputDir: workflowOutput,
				workflowId: wf.EXAMPLE_WORKFLOW_ID,
				inputs: [{ name: 'confidence', value: '0.5' }],
			}),
			this.workflowVariants(),
			wf.linear('e2eUnknownWorkflow', 'Unknown Workflow', [
				wf.trigger,
				wf.readFiles(`${shapes}/single.jpg`, [220, 0]),
				wf.roboflowNode(
					{ operation: 'runWorkflow', workflowId: wf.modelById(UNKNOWN_WORKFLOW) },
					LOCAL,
					[440, 0],
				),
			]),
		];
		return Object.fromEntries(list.map((workflow) => [workflow.id as string, workflow]));
	}

	/**
	 * One run, four branches: Run Workflow on nested outputs (crop-and-classify), with typed
	 * Workflow Inputs, and on image URLs in a named workspace; and a model operation whose Model
	 * was saved as the editor saves a pick "From list".
	 */
	private workflowVariants(): Workflow {
		const shapesGlob = `${this.dirs.shapes}/*.{png,jpg}`;
		this.urlShapes = URL_SHAPES.map(({ name, rects }) => ({
			url: this.server.addImage(name, shapeImage(rects)),
			count: rects.length,
		}));
		const read = wf.readFiles(shapesGlob, [220, 0]);
		const urls = wf.codeNode(
			'Shape URLs',
			`return ${JSON.stringify(this.urlShapes.map((s) => s.url))}.map((url) => ({ json: { url } }));`,
			[220, 300],
		);
		const run = (name: string, y: number, parameters: Record<string, unknown>) =>
			wf.roboflowNode({ operation: 'runWorkflow', ...parameters }, LOCAL, [440, y], { name });
		const branches = [
			run(VARIANT.crops, -200, { workflowId: wf.modelById('crop-and-classify') }),
			run(VARIANT.typed, 0, {
				workflowId: wf.modelById(wf.EXAMPLE_WORKFLOW_ID),
				workflowInputs: {
					input: [
						// An expression: a number, not text. crowded.png gets a threshold above every box.
						{
							name: 'confidence',
							value: `={{ $binary.data.fileName === '${STRICT_IMAGE}' ? 0.99 : 0.3 }}`,
						},
						// JSON text: sent as a list (as text Roboflow would refuse it).
						{ name: 'classes', value: JSON.stringify(TYPED_CLASSES) },
					],
				},
				options: { excludedFields: 'output_image' },
			}),
			wf.roboflowNode(
				{
					operation: 'detect',
					modelId: {
						__rl: true,
						mode: 'list',
						value: 'shapes/1',
						cachedResultName: 'Shapes v1 (object-detection)',
						cachedResultUrl: 'https://app.roboflow.com/local-workspace/shapes/1',
					},
				},
				LOCAL,
				[440, 200],
				{ name: VARIANT.fromList },
			),
		];
		const byUrl = run(VARIANT.url, 300, {
			workspace: 'local-workspace',
			workflowId: wf.modelById(wf.EXAMPLE_WORKFLOW_ID),
			inputType: 'imageUrl',
			imageUrl: '={{ $json.url }}',
		});
		const to = (...names: string[]) => [
			names.map((node) => ({ node, type: 'main' as const, index: 0 })),
		];
		return {
			id: 'e2eWorkflowVariants',
			name: 'Run Workflow variants, Model saved from the list',
			nodes: [wf.trigger, read, urls, ...branches, byUrl],
			connections: {
				[wf.trigger.name]: { main: to(read.name, urls.name) },
				[read.name]: { main: to(...branches.map((n) => n.name)) },
				[urls.name]: { main: to(byUrl.name) },
			},
			settings: { executionOrder: 'v1' },
		};
	}

	/** Runs a workflow once (later calls share that run); fails on an error or the key in the output. */
	async run(id: string, around?: { before?: () => void; after?: () => void }): Promise<RunData> {
		let pending = this.runs.get(id);
		if (!pending) {
			around?.before?.();
			pending = this.n8n.execute(id).finally(() => around?.after?.());
			this.runs.set(id, pending);
		}
		const result = await pending;
		assert.ok(result.ok, `workflow ${id} failed:\n${result.output.slice(-3000)}`);
		assert.ok(!result.output.includes(API_KEY), "the API key appears in n8n's output");
		assert.ok(result.run, `no run data from workflow ${id}`);
		return result.run;
	}
}

const labels = (process.env.N8N_E2E_VERSIONS ?? 'v2,v1')
	.split(',')
	.map((label) => label.trim())
	.filter(Boolean);

for (const label of labels) {
	const version = resolveVersion(label);
	describe(`n8n ${version}`, () => {
		const f = new VersionFixture(version);
		before(async () => await f.setUp(), { timeout: 15 * 60_000 });
		after(async () => await f.tearDown());

		test(
			'folder -> Roboflow -> Switch: each image on its class output, binary intact',
			LONG,
			async () => {
				const run = await f.run('e2eRouteByClass');
				const outputs = nodeOutputs(run, 'Route by class');
				const byRoute = outputs.map((items) => items.map((item) => fileName(item)).sort());
				const expected = (['red', 'green', 'blue'] as const).map((c) =>
					f.samples
						.filter((s) => s.colour === c)
						.map((s) => s.name)
						.sort(),
				);
				assert.deepEqual(byRoute.slice(0, 3), expected);
				assert.deepEqual(outputs[3] ?? [], []);
				for (const s of f.samples) {
					const saved = fs.readFileSync(path.join(f.dirs.sorted, s.colour, s.name));
					assert.ok(
						saved.equals(fs.readFileSync(path.join(f.dirs.images, s.name))),
						`${s.name} was not saved byte for byte`,
					);
				}
				const classified = nodeOutputs(run, 'Roboflow')[0];
				assert.equal(classified.length, f.samples.length);
				classified.forEach((item, i) => assert.deepEqual(item.pairedItem, { item: i }));
			},
		);

		test(
			'a workflow saved with a plain-string Model ID (before the Model picker) still runs',
			LONG,
			async () => {
				const modelIdOf = (workflow: Workflow) =>
					workflow.nodes.find((n) => n.type === 'n8n-nodes-roboflow.roboflow')?.parameters.modelId;
				assert.equal(modelIdOf(f.workflows.e2eRouteByClass), 'colors/1');
				assert.equal(typeof modelIdOf(wf.EXAMPLES['route-images-by-class.json']()), 'string');
				const items = nodeOutputs(await f.run('e2eRouteByClass'), 'Roboflow')[0];
				assert.equal(items.length, f.samples.length);
				for (const item of items) assert.equal(json(item, 'model_id'), 'colors/1');
			},
		);

		test('URL input from a Code node', LONG, async () => {
			const run = await f.run('e2eUrlInput');
			assert.deepEqual(
				nodeOutputs(run, 'Roboflow')[0].map((item) => json(item, 'top')),
				['red', 'blue'],
			);
		});

		test('multi-label model routed on predicted_classes', LONG, async () => {
			const run = await f.run('e2eMultiLabel');
			const items = nodeOutputs(run, 'Roboflow')[0];
			assert.ok(
				items.every(
					(item) =>
						json(item, 'multi_label') === true && Array.isArray(json(item, 'predicted_classes')),
				),
			);
			const dark = nodeOutputs(run, 'Has dark')[0]
				.map((item) => fileName(item))
				.sort();
			const expectedDark = items
				.filter((item) => json<string[]>(item, 'predicted_classes').includes('dark'))
				.map((item) => fileName(item))
				.sort();
			assert.ok(dark.length > 0);
			assert.deepEqual(dark, expectedDark);
		});

		test('bad API key: clear error, key absent from the whole output', LONG, async () => {
			const result = await f.n8n.execute('e2eBadKey');
			assert.equal(result.ok, false);
			assert.match(result.output, /Roboflow rejected the API key/);
			assert.ok(!result.output.includes(WRONG_KEY), "the wrong key appears in n8n's output");
			assert.ok(!result.output.includes(API_KEY));
		});

		test('mixed batch under "continue using error output": nothing lost', LONG, async () => {
			const run = await f.run('e2eMixedBatch');
			const [good, bad] = nodeOutputs(run, 'Roboflow');
			assert.equal(good.length, f.samples.length - 1);
			assert.equal(bad.length, 1);
			assert.equal(json(bad[0], 'broken'), true);
			assert.match(json<string>(bad[0], 'error'), /no binary field "data" \[item 2\]/);
			assert.match(json<string>(bad[0], 'message'), /"attachment"/);
			assert.equal(nodeOutputs(run, 'Failed')[0].length, 1);
			assert.equal(nodeOutputs(run, 'Classified')[0].length, f.samples.length - 1);
		});

		// ---- faults: 200 images, 429 (with and without Retry-After), 503, dropped connections ----
		let faultStats:
			| { requests: number; repeats: number; injected: Record<string, number> }
			| undefined;
		const faultRun = async () =>
			await f.run('e2eFaults', {
				before: () => {
					f.server.reset();
					f.server.setFaults({ firstAttempt: FAULT_PLAN });
				},
				after: () => {
					const { requests, repeats, injected } = f.server.stats;
					faultStats = { requests, repeats, injected: { ...injected } };
					f.server.setFaults({});
				},
			});
		/** What the plan gives each image (the server picks by a hash of the request body: the image's base64). */
		const plannedFaults = () => {
			const byKind: Record<string, number> = { 429: 0, 503: 0, drop: 0, other: 0 };
			let attempts = 0;
			let twice = 0;
			for (const image of f.faultImages) {
				const body = fs.readFileSync(path.join(f.dirs.faults, image.name)).toString('base64');
				const fault = pickFault(FAULT_PLAN, crypto.createHash('sha1').update(body).digest('hex'));
				if (!fault) continue;
				const times = fault.failAttempts ?? 1;
				byKind[fault.kind] += times;
				attempts += times;
				if (times === 2) twice++;
			}
			return { byKind, attempts, twice };
		};

		test(
			'faults: 200 images through 429s, 503s and dropped connections all classified, in input order',
			LONG,
			async () => {
				const run = await faultRun();
				const read = nodeOutputs(run, 'Read images')[0].map((item) => fileName(item));
				const items = nodeOutputs(run, 'Roboflow')[0];
				assert.equal(items.length, FAULT_IMAGES);
				assert.deepEqual(
					items.map((item) => fileName(item)),
					read,
					'the output is not in input order',
				);
				assert.deepEqual(
					items.map((item) => fileName(item)),
					f.faultImages.map((image) => image.name),
					'Read Files did not list the images by name',
				);
				const truth = new Map(f.faultImages.map((image) => [image.name, image.colour]));
				const wrong = items.filter((item) => json(item, 'top') !== truth.get(fileName(item) ?? ''));
				assert.deepEqual(
					wrong.map(
						(item) => `${fileName(item)}: ${String(json(item, 'top') ?? json(item, 'error'))}`,
					),
					[],
				);
				items.forEach((item, i) => assert.deepEqual(item.pairedItem, { item: i }));
			},
		);

		test(
			'faults: exactly one request per attempt (requests = 200 + faults, repeats = faults, failAttempts 2 fails twice)',
			LONG,
			async () => {
				await faultRun();
				assert.ok(faultStats, 'the fault run recorded no stats');
				const planned = plannedFaults();
				assert.ok(
					planned.byKind[429] > 0 &&
						planned.byKind[503] > 0 &&
						planned.byKind.drop > 0 &&
						planned.twice > 0,
					JSON.stringify(planned),
				);
				const injected = Object.values(faultStats.injected).reduce((sum, n) => sum + n, 0);
				assert.deepEqual(
					faultStats.injected,
					planned.byKind,
					'injected faults per kind differ from the plan',
				);
				assert.equal(injected, planned.attempts);
				assert.equal(faultStats.requests, FAULT_IMAGES + injected);
				assert.equal(faultStats.repeats, injected);
				log(
					`  faults: ${JSON.stringify(faultStats.injected)} over ${FAULT_IMAGES} images (${planned.twice} failing twice), ${faultStats.requests} requests`,
				);
			},
		);

		// ---- object detection with annotated images: the count-objects-and-alert example ----
		const detected = async () => {
			const run = await f.run('e2eCountObjects');
			const items = nodeOutputs(run, wf.COUNT_NODES.detect)[0];
			assert.equal(items.length, f.shapes.length);
			return { run, items, byName: new Map(items.map((item) => [fileName(item) ?? '', item])) };
		};

		test(
			'detect objects: count and class_counts per image, Model as a resource locator',
			LONG,
			async () => {
				const { byName } = await detected();
				for (const shape of f.shapes) {
					const item = byName.get(shape.name);
					assert.ok(item, `no output for ${shape.name}`);
					assert.equal(json(item, 'count'), shape.count, shape.name);
					assert.deepEqual(json(item, 'class_counts'), shape.counts, shape.name);
					assert.equal(json<unknown[]>(item, 'predictions').length, shape.count);
					assert.equal(json(item, 'model_id'), 'shapes/1');
				}
			},
		);

		test(
			'detect objects: annotated image is a JPEG binary <name>-annotated.jpg of the input size, no base64 in the JSON',
			LONG,
			async () => {
				const { byName } = await detected();
				for (const shape of f.shapes) {
					const item = byName.get(shape.name) as N8nItem;
					const annotated = item.binary?.annotated;
					assert.equal(annotated?.mimeType, 'image/jpeg', shape.name);
					assert.equal(annotated?.fileName, `${stem(shape.name)}-annotated.jpg`);
					assert.equal(fileName(item), shape.name, 'the input image is no longer on the item');
					assert.ok(!('visualization' in item.json), 'visualization left in the JSON');
					assert.ok(!JSON.stringify(item.json).includes('/9j/'), 'a base64 JPEG is in the JSON');
				}
			},
		);

		test(
			'count-objects-and-alert: If on count, annotated pictures saved to alerts/ and ok/',
			LONG,
			async () => {
				const { run } = await detected();
				const [alerts, ok] = nodeOutputs(run, wf.COUNT_NODES.check).map((items) =>
					items.map((item) => fileName(item)).sort(),
				);
				assert.deepEqual(
					alerts,
					f.shapes
						.filter((s) => s.count > wf.ALERT_ABOVE)
						.map((s) => s.name)
						.sort(),
				);
				assert.deepEqual(
					ok,
					f.shapes
						.filter((s) => s.count <= wf.ALERT_ABOVE)
						.map((s) => s.name)
						.sort(),
				);
				for (const shape of f.shapes) {
					const dir = shape.count > wf.ALERT_ABOVE ? f.dirs.alerts : f.dirs.ok;
					const bytes = fs.readFileSync(path.join(dir, `${stem(shape.name)}-annotated.jpg`));
					assert.deepEqual(
						[...bytes.subarray(0, 3)],
						[0xff, 0xd8, 0xff],
						`${shape.name}: not a JPEG`,
					);
					const { width, height } = decodeImage(bytes);
					assert.deepEqual(
						{ width, height },
						{ width: shape.width, height: shape.height },
						shape.name,
					);
				}
			},
		);

		test('instance segmentation: predictions carry polygon points', LONG, async () => {
			const run = await f.run('e2eSegment');
			const items = nodeOutputs(run, 'Roboflow')[0];
			assert.equal(items.length, f.shapes.length);
			for (const item of items) {
				const shape = f.shapes.find((s) => s.name === fileName(item)) as ShapeSample;
				const predictions = json<Array<{ points?: Array<{ x: number; y: number }> }>>(
					item,
					'predictions',
				);
				assert.equal(json(item, 'count'), shape.count, shape.name);
				assert.deepEqual(json(item, 'class_counts'), shape.counts, shape.name);
				for (const prediction of predictions) {
					assert.ok(
						Array.isArray(prediction.points) && prediction.points.length >= 3,
						JSON.stringify(prediction),
					);
					assert.ok(
						prediction.points.every((p) => typeof p.x === 'number' && typeof p.y === 'number'),
					);
				}
			}
		});

		// ---- several images per item: an email with three photos and a PDF ----
		test(
			'binary field *, split (default): one item per image with only its binary, the PDF skipped',
			LONG,
			async () => {
				const items = nodeOutputs(await f.run('e2eGmailLike'), 'Split')[0];
				assert.equal(items.length, ATTACHMENTS.length);
				items.forEach((item, i) => {
					const field = `attachment_${i}`;
					assert.equal(json(item, 'binary_field'), field);
					assert.deepEqual(Object.keys(item.binary ?? {}), [field]);
					assert.equal(fileName(item, field), ATTACHMENTS[i].name);
					assert.equal(json(item, 'count'), ATTACHMENTS[i].count);
					assert.equal(json(item, 'subject'), 'Site photos');
					assert.deepEqual(item.pairedItem, { item: 0 });
					assert.deepEqual(json(item, 'skipped_binary_fields'), [
						{ field: 'attachment_3', file_name: PDF.name, mime_type: PDF.mime },
					]);
				});
			},
		);

		test(
			'binary field *, Split Images Into Items off: one item with results in field order',
			LONG,
			async () => {
				const items = nodeOutputs(await f.run('e2eGmailLike'), 'Combined')[0];
				assert.equal(items.length, 1);
				const [item] = items;
				const results = json<Array<{ binary_field: string; count: number }>>(item, 'results');
				assert.deepEqual(
					results.map((r) => [r.binary_field, r.count]),
					ATTACHMENTS.map((a, i) => [`attachment_${i}`, a.count]),
				);
				assert.deepEqual(Object.keys(item.binary ?? {}).sort(), [
					'attachment_0',
					'attachment_1',
					'attachment_2',
					'attachment_3',
				]);
				assert.deepEqual(json(item, 'skipped_binary_fields'), [
					{ field: 'attachment_3', file_name: PDF.name, mime_type: PDF.mime },
				]);
				assert.deepEqual(item.pairedItem, { item: 0 });
			},
		);

		// ---- Run Workflow: the run-workflow example, nested outputs, typed inputs, URLs, errors ----
		test(
			'run workflow (the run-workflow example): count_objects per image, output_image a JPEG binary of the input size, no base64 in the JSON',
			LONG,
			async () => {
				const run = await f.run('e2eRunWorkflow');
				const items = nodeOutputs(run, wf.WORKFLOW_NODES.run)[0];
				assert.deepEqual(
					items.map((item) => fileName(item)).sort(),
					f.shapes.map((s) => s.name).sort(),
				);
				for (const item of items) {
					const shape = f.shapes.find((s) => s.name === fileName(item)) as ShapeSample;
					assert.equal(json(item, 'count_objects'), shape.count, shape.name);
					assert.equal(
						json<{ predictions: unknown[] }>(item, 'predictions').predictions.length,
						shape.count,
					);
					assert.deepEqual(json(item, 'output_image'), {
						type: 'binary',
						binary_field: 'output_image',
					});
					assert.deepEqual(Object.keys(item.binary ?? {}).sort(), ['data', 'output_image']);
					assert.equal(item.binary?.output_image?.mimeType, 'image/jpeg');
					assert.ok(!JSON.stringify(item.json).includes('/9j/'), 'a base64 JPEG is in the JSON');
					assert.ok(!JSON.stringify(item.json).includes('base64'), JSON.stringify(item.json));
					const written = fs.readFileSync(
						path.join(f.dirs.workflowOutput, `${stem(shape.name)}-output_image.jpg`),
					);
					assert.deepEqual([...written.subarray(0, 3)], [0xff, 0xd8, 0xff], shape.name);
					const { width, height } = decodeImage(written);
					assert.deepEqual({ width, height }, { width: shape.width, height: shape.height });
				}
				items.forEach((item, i) => assert.deepEqual(item.pairedItem, { item: i }));
			},
		);

		test(
			'run workflow, nested outputs (crop-and-classify): a binary crops_N_crop per box, each crop classed by its colour',
			LONG,
			async () => {
				const items = nodeOutputs(await f.run('e2eWorkflowVariants'), VARIANT.crops)[0];
				assert.equal(items.length, f.shapes.length);
				for (const item of items) {
					const shape = f.shapes.find((s) => s.name === fileName(item)) as ShapeSample;
					const crops = json<
						Array<{ crop: Record<string, unknown>; class: string; confidence: number }>
					>(item, 'crops');
					assert.equal(json(item, 'crop_count'), shape.count, shape.name);
					assert.equal(crops.length, shape.count, shape.name);
					const fields = crops.map((_, i) => `crops_${i}_crop`);
					crops.forEach((crop, i) => {
						assert.equal(crop.crop.type, 'binary');
						assert.equal(crop.crop.binary_field, fields[i]);
						assert.equal(typeof crop.crop.parent_id, 'string');
						assert.ok(!('value' in crop.crop), 'the crop still has its base64');
						assert.equal(item.binary?.[fields[i]]?.mimeType, 'image/jpeg');
					});
					assert.deepEqual(Object.keys(item.binary ?? {}).sort(), ['data', ...fields].sort());
					const byClass: Record<string, number> = {};
					for (const crop of crops) byClass[crop.class] = (byClass[crop.class] ?? 0) + 1;
					assert.deepEqual(byClass, shape.counts, shape.name);
					assert.ok(!JSON.stringify(item.json).includes('/9j/'), 'a base64 JPEG is in the JSON');
				}
			},
		);

		test(
			'run workflow inputs are typed: confidence from an expression and classes as JSON text change count_objects',
			LONG,
			async () => {
				const items = nodeOutputs(await f.run('e2eWorkflowVariants'), VARIANT.typed)[0];
				assert.equal(items.length, f.shapes.length);
				for (const item of items) {
					const shape = f.shapes.find((s) => s.name === fileName(item)) as ShapeSample;
					const expected =
						shape.name === STRICT_IMAGE
							? 0
							: TYPED_CLASSES.reduce((sum, name) => sum + (shape.counts[name as 'red'] ?? 0), 0);
					assert.equal(json(item, 'count_objects'), expected, shape.name);
					assert.ok(!('output_image' in item.json), 'an excluded output came back');
					assert.deepEqual(Object.keys(item.binary ?? {}), ['data']);
				}
				// The inputs do change it: crowded.png alone holds 4 red or blue boxes.
				assert.ok(f.shapes.some((s) => s.name === STRICT_IMAGE && s.count > 0));
			},
		);

		test('run workflow on image URLs, workspace set', LONG, async () => {
			const items = nodeOutputs(await f.run('e2eWorkflowVariants'), VARIANT.url)[0];
			assert.deepEqual(
				items.map((item) => [json(item, 'url'), json(item, 'count_objects')]),
				f.urlShapes.map((s) => [s.url, s.count]),
			);
			for (const item of items) {
				assert.deepEqual(Object.keys(item.binary ?? {}), ['output_image']);
				assert.equal(item.binary?.output_image?.mimeType, 'image/jpeg');
			}
		});

		test(
			'run workflow, unknown Workflow: the run fails with a clear error, key absent from the whole output',
			LONG,
			async () => {
				const result = await f.n8n.execute('e2eUnknownWorkflow');
				assert.equal(result.ok, false);
				assert.match(result.output, /Roboflow found no Workflow with this ID/);
				assert.ok(!result.output.includes(API_KEY), "the API key appears in n8n's output");
			},
		);

		test(
			'a workflow saved with Model as a list-mode resource locator (cachedResultName) runs',
			LONG,
			async () => {
				const saved = f.workflows.e2eWorkflowVariants.nodes.find(
					(n) => n.name === VARIANT.fromList,
				);
				assert.equal((saved?.parameters.modelId as { mode?: string }).mode, 'list');
				const items = nodeOutputs(await f.run('e2eWorkflowVariants'), VARIANT.fromList)[0];
				assert.equal(items.length, f.shapes.length);
				for (const item of items) {
					const shape = f.shapes.find((s) => s.name === fileName(item)) as ShapeSample;
					assert.equal(json(item, 'model_id'), 'shapes/1');
					assert.equal(json(item, 'count'), shape.count, shape.name);
				}
			},
		);

		// ---- the editor's REST API: one `n8n start` for the credential Test and the pickers ----
		describe("the editor's REST API", () => {
			let rest: RestCall;
			before(
				async () => {
					rest = (await f.editor()).rest;
				},
				{ timeout: 5 * 60_000 },
			);

			/**
			 * A "From list" request as the editor sends it when the list opens or the search box
			 * changes: POST /rest/dynamic-node-parameters/resource-locator-results (packages/cli's
			 * DynamicNodeParametersController, ResourceLocatorRequestDto) with the body that
			 * n8n-editor-ui's ResourceLocator builds in 1.123.81 and 2.41.1 (seen in the 2.x editor
			 * by npm run screenshots): node type and version, `parameters.<name>`, the list method,
			 * the node's parameters, its credential reference, the search text when there is one.
			 */
			const pick = async (
				methodName: 'searchModels' | 'searchWorkflows',
				parameters: Record<string, unknown>,
				{ filter, credential = wf.LOCAL_CREDENTIAL } = {} as {
					filter?: string;
					credential?: { id: string; name: string };
				},
			) => {
				const parameter = methodName === 'searchModels' ? 'modelId' : 'workflowId';
				return await rest('POST', '/dynamic-node-parameters/resource-locator-results', {
					nodeTypeAndVersion: { name: 'n8n-nodes-roboflow.roboflow', version: 1 },
					path: `parameters.${parameter}`,
					methodName,
					currentNodeParameters: {
						inputType: 'binaryData',
						binaryPropertyName: 'data',
						options: {},
						...parameters,
						[parameter]: { __rl: true, value: '', mode: 'list' },
					},
					credentials: wf.CREDENTIAL(credential.id, credential.name),
					// 2.x's editor also names the open workflow (1.x's does not).
					...(f.n8n.major >= 2 ? { workflowId: 'e2eCountObjects' } : {}),
					...(filter === undefined ? {} : { filter }),
				});
			};
			const values = (answer: { status: number; body: unknown }) => {
				assert.equal(answer.status, 200, JSON.stringify(answer.body));
				const { data } = answer.body as {
					data: { results: Array<{ name: string; value: string }> };
				};
				return data.results.map((r) => r.value);
			};

			test(
				'credential Test: right key OK, wrong key refused, the key not in the answer',
				LONG,
				async () => {
					const check = async (credential: { id: string; name: string }, apiKey: string) =>
						await rest('POST', '/credentials/test', {
							credentials: {
								...credential,
								type: 'roboflowApi',
								data: { apiKey, apiUrl: f.server.url, managementUrl: f.server.url },
							},
						});
					const status = (answer: { body: unknown }) =>
						(answer.body as { data?: { status?: string } } | undefined)?.data?.status;
					const good = await check(wf.LOCAL_CREDENTIAL, API_KEY);
					assert.equal(good.status, 200, JSON.stringify(good.body));
					assert.equal(status(good), 'OK', JSON.stringify(good.body));
					const bad = await check(BAD_CREDENTIAL, WRONG_KEY);
					assert.equal(status(bad), 'Error', JSON.stringify(bad.body));
					// Not n8n's bare "Unauthorized": the credential's rule says what to do.
					const message = (bad.body as { data?: { message?: string } }).data?.message ?? '';
					assert.match(message, /Roboflow rejected the API key.*Settings > API Keys/, message);
					assert.ok(
						!JSON.stringify(bad.body).includes(WRONG_KEY),
						'the wrong key appears in the answer',
					);
				},
			);

			test(
				"Model picker: the workspace's trained models of the operation's task",
				LONG,
				async () => {
					const classify = values(await pick('searchModels', { operation: 'classify' }));
					assert.deepEqual(classify.sort(), ['colors/1', 'tones/1']);
					const detect = values(await pick('searchModels', { operation: 'detect' }));
					assert.deepEqual(detect.sort(), ['shapes-retrained/2', 'shapes/1']);
					for (const absent of [
						'shapes-retrained/1',
						'shapes-untrained/1',
						'shapes-semantic/1',
						'colors/1',
					])
						assert.ok(!detect.includes(absent), `${absent} is listed for detect`);
					const answer = await pick('searchModels', { operation: 'detect' });
					const names = (answer.body as { data: { results: Array<{ name: string }> } }).data
						.results;
					assert.ok(
						names.every((r) => /^.+ v\d+ \(object-detection\)$/.test(r.name)),
						JSON.stringify(names),
					);
				},
			);

			test('Model picker: the search box narrows the list', LONG, async () => {
				assert.deepEqual(
					values(await pick('searchModels', { operation: 'detect' }, { filter: 'retrained' })),
					['shapes-retrained/2'],
				);
				assert.deepEqual(
					values(await pick('searchModels', { operation: 'classify' }, { filter: 'tone' })),
					['tones/1'],
				);
			});

			test("Workflow picker: the workspace's Workflows", LONG, async () => {
				const all = values(
					await pick('searchWorkflows', { operation: 'runWorkflow', workspace: '' }),
				);
				assert.deepEqual(all.sort(), [
					'always-fails',
					'compare-front-and-back',
					'crop-and-classify',
					'detect-count-and-visualize',
				]);
				assert.deepEqual(
					values(
						await pick(
							'searchWorkflows',
							{ operation: 'runWorkflow', workspace: '' },
							{ filter: 'crop' },
						),
					),
					['crop-and-classify'],
				);
			});

			test(
				'pickers with a wrong key: an error that says the key was rejected, without the key',
				LONG,
				async () => {
					for (const [method, operation] of [
						['searchModels', 'detect'],
						['searchWorkflows', 'runWorkflow'],
					] as const) {
						const answer = await pick(method, { operation }, { credential: BAD_CREDENTIAL });
						assert.ok(answer.status >= 400, `${method}: HTTP ${answer.status}`);
						const text = JSON.stringify(answer.body);
						assert.match(text, /rejected the API key/, `${method}: ${text}`);
						assert.ok(!text.includes(WRONG_KEY), `${method}: the wrong key appears in the answer`);
					}
				},
			);
		});

		for (const feature of FEATURES) describe(feature.name, () => feature.register(f));
	});
}
