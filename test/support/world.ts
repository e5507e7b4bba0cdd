/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * One n8n version's world for the end-to-end cases (and a browser test): a scratch folder, the
 * local Roboflow server (a self-hosted Inference server: it downloads http:// image URLs) and the
 * local chat model, one n8n user folder with the package installed, the credentials and every
 * case's workflows imported once, and one shared `n8n start` (its editor, REST API and webhooks).
 *
 *   const world = new World(N8N_VERSIONS.v2);
 *   await world.setUp(cases);               // imports what each case's workflows(world) gives
 *   const run = await world.run('id');      // `n8n execute`, once per workflow
 *   const { rest, baseUrl } = await world.main();
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createOpenAiServer } from '../../tools/openai-server/index.ts';
import type { OpenAiServer } from '../../tools/openai-server/index.ts';
import {
	createRoboflowServer,
	SELF_HOSTED_URL_OPTIONS,
} from '../../tools/roboflow-server/index.ts';
import type { RoboflowServer } from '../../tools/roboflow-server/index.ts';
import type { Execution, Main, RunData } from './n8n.ts';
import { log, N8n, N8N_START_MS } from './n8n.ts';
import type { Workflow } from './workflows.ts';
import { LOCAL_CREDENTIAL, LOCAL_OPENAI_CREDENTIAL } from './workflows.ts';

export const API_KEY = 'e2e-dummy-key-7c3e91';
export const WRONG_KEY = 'wrong-key-0000';
export const WRONG_CREDENTIAL = { id: 'roboflow-wrong-key', name: 'Roboflow, wrong key' };
/** The model the local chat server answers as; the scripted choices are each case's. */
export const CHAT_MODEL = 'local-model';

/** Guards against a hang, not speed bounds: one `n8n execute` of a few images, one call to n8n's REST API. */
const EXECUTION_MS = 2 * 60_000;
const REQUEST_MS = 30_000;

/** A test's timeout from what it does: processes it starts, executions it runs, REST calls, waits it injects. */
export const budget = ({ starts = 0, executions = 0, requests = 0, waitsMs = 0 }) => ({
	timeout: starts * N8N_START_MS + executions * EXECUTION_MS + requests * REQUEST_MS + waitsMs,
});

export interface E2eCase {
	name: string;
	/** The workflows the case runs, imported with every other case's before any test runs. */
	workflows?(world: World): Workflow[];
	/** Registers the case's tests (node:test's `test`), run after the world is set up. */
	tests(world: World): void;
}

export class World {
	readonly version: string;
	readonly work = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-e2e-'));
	readonly server: RoboflowServer = createRoboflowServer({
		apiKeys: [API_KEY],
		...SELF_HOSTED_URL_OPTIONS,
	});
	/** The scripted chat model: a case adds its rules (which tool a message makes it call). */
	readonly chat: OpenAiServer = createOpenAiServer({ models: [CHAT_MODEL] });
	n8n!: N8n;
	private readonly runs = new Map<string, Promise<Execution>>();
	private shared?: Promise<Main>;

	constructor(version: string) {
		this.version = version;
	}

	/** A fresh subfolder of the world's scratch folder, which n8n's file nodes may use. */
	dir(name: string): string {
		return fs.mkdtempSync(path.join(this.work, `${name}-`));
	}

	async setUp(cases: E2eCase[]): Promise<void> {
		const [apiUrl, chatUrl] = await Promise.all([this.server.start(), this.chat.start()]);
		const workflows = cases.flatMap((c) => c.workflows?.(this) ?? []);
		log(`n8n ${this.version}: installing the package, importing ${workflows.length} workflows`);
		this.n8n = new N8n(this.version, { allowDirs: [this.work] });
		const roboflow = (apiKey: string) => ({
			type: 'roboflowApi',
			data: { apiKey, apiUrl, managementUrl: apiUrl },
		});
		const openAi = { type: 'openAiApi', data: { apiKey: 'sk-local', url: `${chatUrl}/v1` } };
		const credentials = [
			{ ...LOCAL_CREDENTIAL, ...roboflow(API_KEY) },
			{ ...WRONG_CREDENTIAL, ...roboflow(WRONG_KEY) },
			{ ...LOCAL_OPENAI_CREDENTIAL, ...openAi },
		];
		await this.n8n.import(credentials, workflows);
	}

	/**
	 * The shared `n8n start`, started on first use. Its binary data is in the database:
	 * n8n 1.x's filesystem mode loses uploads of concurrent webhook executions of one workflow
	 * (when one ends it deletes the workflow's temporary folder, with the others' uploads in it).
	 */
	async main(): Promise<Main> {
		const database = {
			N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem,database',
			N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		};
		this.shared ??= this.n8n.start({ env: database });
		return await this.shared;
	}

	/** `n8n execute` of a workflow (once: later calls share the run), its whole output free of the key. */
	async execute(id: string): Promise<Execution> {
		const pending = this.runs.get(id) ?? this.n8n.execute(id);
		this.runs.set(id, pending);
		const result = await pending;
		assert.ok(!result.output.includes(API_KEY), "the API key appears in n8n's output");
		return result;
	}

	/** Like execute(), and the run must have succeeded. */
	async run(id: string): Promise<RunData> {
		const { ok, run, output } = await this.execute(id);
		assert.ok(ok && run, `workflow ${id} failed:\n${output.slice(-3000)}`);
		return run;
	}

	async tearDown(): Promise<void> {
		await (await this.shared?.catch(() => undefined))?.stop();
		await Promise.all([this.server.stop(), this.chat.stop()]);
		this.n8n?.cleanup();
		fs.rmSync(this.work, { recursive: true, force: true });
	}
}
