/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling runs in Node and drives n8n's CLI, never inside n8n */
/**
 * Real n8n for the end-to-end tests, the demo and the benchmark: a pinned release
 * (tools/n8n-install) on a throwaway user folder, with this package installed as n8n installs
 * community packages (<user folder>/.n8n/nodes). CLI commands and long-running processes (the
 * editor `n8n start`, `n8n worker`) share the folder.
 *
 *   const n8n = new N8n(N8N_VERSIONS.v2, { allowDirs: [dir] });
 *   await n8n.importCredentials([...]); await n8n.importWorkflows([...]);
 *   const { ok, run } = await n8n.execute('workflow-id');
 *   nodeOutputs(run, 'Roboflow')[0]      // the items of the node's first output
 *   const main = await n8n.start();      // signed in: await main.rest('GET', '/workflows/x')
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Started } from '../../tools/child-process/index.ts';
import { freePort, startProcess, stopProcess, until } from '../../tools/child-process/index.ts';
import { ensureN8n } from '../../tools/n8n-install/index.ts';
import { ROOT } from './paths.ts';
import type { Workflow } from './workflows.ts';

/** The tools keep stdout for their results (tables, TAP, reports) and say what they do on stderr. */
export const log = (message: string) => process.stderr.write(`${message}\n`);

export interface N8nItem {
	json: Record<string, unknown>;
	/** As `n8n execute --rawOutput` prints it: the file's metadata and its id in the binary store. */
	binary?: Record<string, { fileName?: string; mimeType?: string; id?: string }>;
	pairedItem?: unknown;
}

export interface TaskData {
	startTime?: number;
	executionTime?: number;
	data?: { main?: Array<N8nItem[] | null> };
}

/** The run data `n8n execute --rawOutput` prints. */
export interface RunData {
	data?: { resultData?: { runData?: Record<string, TaskData[]> } };
}

/** What `n8n execute` gave: the run data when it succeeded, and its whole output either way. */
export interface Execution {
	ok: boolean;
	run?: RunData;
	output: string;
}

type Env = Record<string, string>;

export interface Credential {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

/** A signed-in call to the editor's REST API: `rest('POST', '/credentials/test', body)`. */
export type RestCall = (
	method: string,
	route: string,
	body?: unknown,
) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- n8n's JSON answers, whose shape the callers assert

/** A running `n8n start`, signed in as OWNER. */
export interface Main {
	baseUrl: string;
	rest: RestCall;
	/** Activates an imported workflow; resolves once n8n serves its production webhook `path`. */
	activate(workflowId: string, path: string, method?: string): Promise<void>;
	stop(): Promise<void>;
}

/** The owner account of every `n8n start` (the demo's editor prints it to sign in with). */
export const OWNER = { email: 'demo@example.com', password: 'Roboflow-demo-1' };

/**
 * A guard against a process that hangs, not a speed bound: an n8n start takes 10 to 60 s on a
 * loaded 2-core machine (migrations, loading nodes), an execution of a few images a few seconds.
 */
export const N8N_START_MS = 4 * 60_000;

/** The items a node emitted on each output of its first run (an empty list for an output without items). */
export function nodeOutputs(run: RunData | undefined, nodeName: string): N8nItem[][] {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	return (task?.data?.main ?? []).map((items) => items ?? []);
}

/** The file name of an item's binary `field`. */
export const fileName = (item: N8nItem, field = 'data') => item.binary?.[field]?.fileName ?? '';

/** n8n's execution time for a node's first run, in milliseconds (NaN when it did not run). */
export function nodeTime(run: RunData | undefined, nodeName: string): number {
	return run?.data?.resultData?.runData?.[nodeName]?.[0]?.executionTime ?? Number.NaN;
}

let tarball: string | undefined;

/** Builds and packs the node, once per process; the tarball is removed when the process exits. */
export function packedPackage(): string {
	if (tarball) return tarball;
	log('Building and packing n8n-nodes-roboflow...');
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command, no user input
	execFileSync('npm', ['run', '--silent', 'build'], {
		cwd: ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-pack-'));
	process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
	const pack = ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir];
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command, no user input
	const out = execFileSync('npm', pack, { cwd: ROOT, encoding: 'utf8' });
	tarball = path.join(dir, out.trim().split('\n').pop() ?? '');
	return tarball;
}

/** Signs in to the editor's REST API (creating the owner first); returns calls with the session cookie. */
async function signIn(baseUrl: string): Promise<RestCall> {
	const call = async (method: string, route: string, body?: unknown, cookie = '') => {
		const answer = await fetch(`${baseUrl}/rest${route}`, {
			method,
			headers: { 'Content-Type': 'application/json', Cookie: cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await answer.text();
		return { answer, status: answer.status, body: text.startsWith('{') ? JSON.parse(text) : text };
	};
	await call('POST', '/owner/setup', { ...OWNER, firstName: 'Demo', lastName: 'User' });
	const login = await call('POST', '/login', {
		emailOrLdapLoginId: OWNER.email,
		password: OWNER.password,
	});
	if (login.status !== 200)
		throw new Error(`Signing in to n8n failed: HTTP ${login.status} ${JSON.stringify(login.body)}`);
	const cookie = login.answer.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
	return async (method, route, body) => {
		const { status, body: answer } = await call(method, route, body, cookie);
		return { status, body: answer };
	};
}

/** Activates a workflow; n8n registers its webhook a moment later, answering a CORS preflight 204 from then on. */
async function activate(
	baseUrl: string,
	rest: RestCall,
	id: string,
	route: string,
	method = 'POST',
) {
	const { body } = await rest('GET', `/workflows/${id}`);
	const answer = await rest('POST', `/workflows/${id}/activate`, {
		versionId: body?.data?.versionId,
	});
	if (answer.status !== 200)
		throw new Error(`Activating ${id}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
	const preflight = async () => {
		const headers = { Origin: baseUrl, 'Access-Control-Request-Method': method };
		const response = await fetch(`${baseUrl}/webhook/${route}`, { method: 'OPTIONS', headers });
		return response.status === 204 || undefined;
	};
	await until(`the webhook ${method} ${route}`, preflight, { timeoutMs: N8N_START_MS });
}

export class N8n {
	readonly version: string;
	readonly major: number;
	readonly home: string;
	private readonly bin: string;
	private readonly env: Record<string, string | undefined>;

	/**
	 * A fresh user folder of n8n `version` with the packed package installed. `allowDirs`: the
	 * folders the Read/Write Files node may use; `env`: settings for every process (e.g. queue mode).
	 */
	constructor(
		version: string,
		{ allowDirs = [], env = {} }: { allowDirs?: string[]; env?: Env } = {},
	) {
		this.version = version;
		this.major = Number(version.split('.')[0]);
		this.bin = ensureN8n(version, log);
		this.home = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${version}-`));
		const nodes = path.join(this.home, '.n8n', 'nodes');
		fs.mkdirSync(nodes, { recursive: true });
		fs.writeFileSync(
			path.join(nodes, 'package.json'),
			'{ "name": "installed-nodes", "private": true }',
		);
		// Peer dependencies stay out: n8n provides n8n-workflow itself, as for any community node.
		const install = [
			'install',
			packedPackage(),
			'--legacy-peer-deps',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
		];
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command on our own tarball
		execFileSync('npm', [...install, '--loglevel=error'], {
			cwd: nodes,
			stdio: ['ignore', 'ignore', 'inherit'],
		});
		this.env = {
			...process.env,
			N8N_USER_FOLDER: this.home,
			N8N_ENCRYPTION_KEY: 'roboflow-e2e-dummy-encryption-key',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_RESTRICT_FILE_ACCESS_TO: allowDirs.join(';'),
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
			N8N_RUNNERS_ENABLED: 'true',
			N8N_SECURE_COOKIE: 'false',
			DB_SQLITE_POOL_SIZE: '2',
			// 2.x refreshes an MCP server list from api.n8n.io at start; offline that only logs stack traces.
			...(this.major >= 2 ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
			...env,
		};
	}

	/** Each process its own task-runner broker port (5679 by default), so processes run side by side. */
	private async envFor(extra: Env): Promise<NodeJS.ProcessEnv> {
		return { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...extra };
	}

	/**
	 * Runs an n8n command without blocking this process, whose event loop may be serving the local
	 * servers n8n calls. stdout goes to a file: n8n exits right after printing a large execution,
	 * and a pipe would lose its end.
	 */
	async cli(
		args: string[],
		{ env = {}, onSpawn }: { env?: Env; onSpawn?: (child: ChildProcess) => void } = {},
	) {
		const outFile = path.join(this.home, `stdout-${process.hrtime.bigint()}.txt`);
		const fd = fs.openSync(outFile, 'w');
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs the pinned n8n CLI with fixed arguments
		const child = spawn(process.execPath, [this.bin, ...args], {
			env: await this.envFor(env),
			cwd: this.home,
			stdio: ['ignore', fd, 'pipe'],
		});
		fs.closeSync(fd);
		onSpawn?.(child);
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
		const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
		const stdout = fs.readFileSync(outFile, 'utf8');
		fs.rmSync(outFile);
		return { status, stdout, output: `${stdout}\n${stderr}` };
	}

	/** Imports credentials (their data decrypted) and workflows (each with the `id` `execute` takes). */
	async import(credentials: Credential[], workflows: Workflow[], env: Env = {}): Promise<void> {
		const dir = fs.mkdtempSync(path.join(this.home, 'import-'));
		fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(credentials));
		fs.mkdirSync(path.join(dir, 'workflows'));
		for (const flow of workflows)
			fs.writeFileSync(path.join(dir, 'workflows', `${flow.id}.json`), JSON.stringify(flow));
		const commands = [
			...(credentials.length
				? [['import:credentials', `--input=${dir}/credentials.json`, '--decrypted']]
				: []),
			...(workflows.length ? [['import:workflow', '--separate', `--input=${dir}/workflows`]] : []),
		];
		for (const args of commands) {
			const { status, output } = await this.cli(args, { env });
			if (status !== 0)
				throw new Error(`n8n ${args[0]} failed (exit ${status}):\n${output.slice(-4000)}`);
		}
	}

	/** `n8n execute` of an imported workflow. */
	async execute(id: string, onSpawn?: (child: ChildProcess) => void): Promise<Execution> {
		const { status, stdout, output } = await this.cli(['execute', `--id=${id}`, '--rawOutput'], {
			onSpawn,
		});
		// The JSON is pretty-printed, so its only unindented "}" closes it; a runner's log line may follow.
		const start = stdout.indexOf('{');
		const end = stdout.indexOf('\n}', start);
		const ok = status === 0 && start >= 0 && end > 0;
		const run = ok ? (JSON.parse(stdout.slice(start, end + 2)) as RunData) : undefined;
		return {
			ok,
			run,
			output: ok ? output : `${output}\n(n8n execute ended with exit code ${status})`,
		};
	}

	/** Spawns `n8n <args>` and resolves once its output shows `readyLine`. */
	private async spawnReady(
		args: string[],
		env: Env,
		readyLine: RegExp,
		echo = false,
	): Promise<Started> {
		const options = { env: await this.envFor(env), cwd: this.home, readyLine, echo };
		const started = startProcess(process.execPath, [this.bin, ...args], options);
		const ready = async () => started.ready() || undefined;
		await until(`n8n ${this.version} ${args[0]}`, ready, { timeoutMs: N8N_START_MS, started });
		return started;
	}

	/** `n8n start` (the editor, webhooks) on `port` (default: a free one), signed in as OWNER. */
	async start({
		port,
		env = {},
		echo = false,
	}: { port?: number; env?: Env; echo?: boolean } = {}): Promise<Main> {
		port ??= await freePort();
		const local = {
			N8N_PORT: String(port),
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
		};
		// After this line n8n has mounted every route and activated its workflows.
		const started = await this.spawnReady(
			['start'],
			{ ...local, ...env },
			/Editor is now accessible via/,
			echo,
		);
		const baseUrl = `http://127.0.0.1:${port}`;
		const stop = async () => await stopProcess(started.child);
		const rest = await signIn(baseUrl).catch(async (error: unknown) => {
			await stop();
			throw error;
		});
		return {
			baseUrl,
			rest,
			stop,
			activate: async (id, route, method) => await activate(baseUrl, rest, id, route, method),
		};
	}

	/** `n8n worker` (queue mode: `env` names Redis and the database), once it takes executions. */
	async startWorker(concurrency: number, env: Env): Promise<Started> {
		return await this.spawnReady(
			['worker', `--concurrency=${concurrency}`],
			env,
			/worker is now ready/i,
		);
	}

	/** Deletes the user folder (database, binary data, installed package). */
	cleanup(): void {
		fs.rmSync(this.home, { recursive: true, force: true });
	}
}
