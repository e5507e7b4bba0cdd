/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling runs in Node and drives n8n's CLI, never inside n8n */
/**
 * Real n8n for the end-to-end tests, the demo and the benchmark: the pinned, cached install
 * (tools/n8n-install) run in a throwaway user folder, with this package installed the way n8n
 * installs community packages: into <user folder>/.n8n/nodes.
 *
 *   const tarball = packPackage(log);
 *   const n8n = new N8nInstance({ version: N8N_VERSIONS.v2, tarball, allowDirs: [dir] });
 *   await n8n.importCredentials([...]); await n8n.importWorkflows([...]);
 *   const { ok, run } = await n8n.execute('workflow-id');
 *   nodeOutputs(run, 'Roboflow')[0]   // the items of the node's first output
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { stopProcess } from '../../tools/child-process/index.ts';
import { ensureN8n } from '../../tools/n8n-install/index.ts';
import { ROOT } from './paths.ts';
import type { Workflow } from './workflows.ts';

export type Log = (message: string) => void;

/** Writes a line to stderr: the tools keep stdout for their results (tables, TAP, reports). */
export const logToStderr: Log = (message) => {
	process.stderr.write(`${message}\n`);
};

const sleep = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A binary field of an item as `n8n execute --rawOutput` prints it (filesystem mode: an `id`, no `data`). */
export interface BinaryMeta {
	fileName?: string;
	fileExtension?: string;
	mimeType?: string;
	fileSize?: string;
	id?: string;
	data?: string;
}

export interface N8nItem {
	json: Record<string, unknown>;
	binary?: Record<string, BinaryMeta>;
	pairedItem?: unknown;
}

export interface TaskData {
	executionTime?: number;
	data?: { main?: Array<N8nItem[] | null> };
	error?: unknown;
}

/** The run data `n8n execute --rawOutput` prints. */
export interface RunData {
	data?: { resultData?: { runData?: Record<string, TaskData[]>; error?: unknown } };
}

export interface ExecuteResult {
	ok: boolean;
	run?: RunData;
	/** stdout and stderr, for messages and failures. */
	output: string;
}

export interface CliOptions {
	allowFailure?: boolean;
	env?: Record<string, string>;
	/** Called with the n8n process once started, e.g. to sample its memory. */
	onSpawn?: (child: ChildProcess) => void;
}

export interface Owner {
	email: string;
	password: string;
}

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
) => Promise<{ status: number; body: unknown }>;

/** Builds and packs the node once; returns the tarball's path. */
export function packPackage(log: Log = logToStderr): string {
	log('Building and packing n8n-nodes-roboflow...');
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command, no user input
	execFileSync('npm', ['run', '--silent', 'build'], {
		cwd: ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-pack-'));
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command, no user input
	const out = execFileSync(
		'npm',
		['pack', '--silent', '--ignore-scripts', '--pack-destination', dir],
		{
			cwd: ROOT,
			encoding: 'utf8',
		},
	);
	return path.join(dir, out.trim().split('\n').pop() ?? '');
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

/** The items a node emitted on each output of its first run (an empty list for an output without items). */
export function nodeOutputs(run: RunData | undefined, nodeName: string): N8nItem[][] {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	return (task?.data?.main ?? []).map((items) => items ?? []);
}

/** n8n's execution time for a node's first run, in milliseconds (NaN when it did not run). */
export function nodeTime(run: RunData | undefined, nodeName: string): number {
	return run?.data?.resultData?.runData?.[nodeName]?.[0]?.executionTime ?? Number.NaN;
}

export class N8nInstance {
	readonly version: string;
	readonly home: string;
	private readonly bin: string;
	private readonly log: Log;
	private readonly env: Record<string, string | undefined>;

	constructor({
		version,
		tarball,
		allowDirs = [],
		log = logToStderr,
		env = {},
	}: {
		version: string;
		tarball: string;
		/** Folders the Read/Write Files node may use (N8N_RESTRICT_FILE_ACCESS_TO). */
		allowDirs?: string[];
		log?: Log;
		/** Settings over the defaults below for every command (e.g. queue mode's database and Redis). */
		env?: Record<string, string>;
	}) {
		this.version = version;
		this.log = log;
		this.bin = ensureN8n(version, log);
		this.home = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${version}-`));
		const nodesDir = path.join(this.home, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		fs.writeFileSync(
			path.join(nodesDir, 'package.json'),
			JSON.stringify({ name: 'installed-nodes', private: true }),
		);
		// Peer dependencies stay out: n8n provides n8n-workflow itself, as for any community node.
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm command on our own tarball
		execFileSync(
			'npm',
			[
				'install',
				tarball,
				'--legacy-peer-deps',
				'--ignore-scripts',
				'--no-audit',
				'--no-fund',
				'--loglevel=error',
			],
			{
				cwd: nodesDir,
				stdio: ['ignore', 'ignore', 'inherit'],
			},
		);
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
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
			N8N_RUNNERS_ENABLED: 'true',
			N8N_SECURE_COOKIE: 'false',
			DB_SQLITE_POOL_SIZE: '2',
			...env,
		};
	}

	/** The major version: 1 or 2. */
	get major(): number {
		return Number(this.version.split('.')[0]);
	}

	/**
	 * Runs an n8n CLI command without blocking this process, whose event loop may be serving
	 * the local Roboflow server that n8n is about to call.
	 */
	async cli(args: string[], { allowFailure = false, env = {}, onSpawn }: CliOptions = {}) {
		await this.pickBrokerPort();
		// stdout goes to a file: n8n exits right after printing a large execution, and a pipe loses
		// what was not yet written (files are written synchronously).
		const outFile = path.join(this.home, `stdout-${process.hrtime.bigint()}.txt`);
		const fd = fs.openSync(outFile, 'w');
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs the pinned n8n CLI with fixed arguments
		const child = spawn(process.execPath, [this.bin, ...args], {
			env: { ...this.env, ...env },
			cwd: this.home,
			stdio: ['ignore', fd, 'pipe'],
		});
		fs.closeSync(fd);
		onSpawn?.(child);
		const err: Buffer[] = [];
		child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
		const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
		const stdout = fs.readFileSync(outFile, 'utf8');
		fs.rmSync(outFile);
		const output = `${stdout}\n${Buffer.concat(err).toString('utf8')}`;
		if (status !== 0 && !allowFailure) {
			throw new Error(`n8n ${args[0]} failed (exit ${status}):\n${output.slice(-4000)}`);
		}
		return { status, stdout, output };
	}

	/**
	 * The task runner broker listens on 5679 by default; a free port instead lets this
	 * instance run beside another n8n (a user's own, or the demo's editor).
	 */
	private async pickBrokerPort(): Promise<void> {
		this.env.N8N_RUNNERS_BROKER_PORT ??= String(await freePort());
	}

	async importCredentials(credentials: Credential[]): Promise<void> {
		const file = path.join(this.home, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(credentials));
		await this.cli(['import:credentials', `--input=${file}`, '--decrypted']);
	}

	/** Imports workflows in one CLI call (each needs an `id`, the one `execute` takes). */
	async importWorkflows(workflows: Workflow[]): Promise<void> {
		const dir = path.join(this.home, 'workflows');
		fs.mkdirSync(dir, { recursive: true });
		for (const workflow of workflows) {
			if (!workflow.id)
				throw new Error(`The workflow "${workflow.name}" has no id to import it by`);
			fs.writeFileSync(path.join(dir, `${workflow.id}.json`), JSON.stringify(workflow));
		}
		await this.cli(['import:workflow', '--separate', `--input=${dir}`]);
	}

	/**
	 * Runs a workflow with `n8n execute`; returns the run data (when it succeeded) and the whole
	 * output. `options` go to cli(): extra `env`, and `onSpawn(child)` to watch the process.
	 */
	async execute(
		id: string,
		options: Omit<CliOptions, 'allowFailure'> = {},
	): Promise<ExecuteResult> {
		const { status, stdout, output } = await this.cli(['execute', `--id=${id}`, '--rawOutput'], {
			...options,
			allowFailure: true,
		});
		let run: RunData | undefined;
		// The JSON is pretty-printed, so its only unindented "}" closes it; a runner's log line may follow.
		const start = stdout.indexOf('{');
		const end = stdout.indexOf('\n}', start);
		if (status === 0 && start >= 0 && end > 0)
			run = JSON.parse(stdout.slice(start, end + 2)) as RunData;
		return { ok: status === 0, run, output };
	}

	/**
	 * Starts `n8n start` and resolves once the editor page and REST API are served and an owner
	 * account exists. /healthz answers long before those are mounted, so it is not enough.
	 */
	async startEditor(port: number, owner: Owner, { quiet = false } = {}): Promise<ChildProcess> {
		await this.pickBrokerPort();
		const env: Record<string, string | undefined> = {
			...this.env,
			// Its own task broker: `n8n execute` runs beside the editor on the instance's port.
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			N8N_PORT: String(port),
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
		};
		// 2.x refreshes an MCP server list from api.n8n.io at start; offline that only logs stack traces.
		if (this.major >= 2) env.N8N_DISABLED_MODULES = 'mcp-registry';
		// Quiet keeps n8n's log out of the terminal but the last of it for a start-up failure.
		const output = quiet ? 'pipe' : 'inherit';
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs the pinned n8n CLI with fixed arguments
		const child = spawn(process.execPath, [this.bin, 'start'], {
			env,
			cwd: this.home,
			stdio: ['ignore', output, output],
		});
		let tail = '';
		for (const stream of [child.stdout, child.stderr]) {
			stream?.on('data', (chunk: Buffer) => {
				tail = (tail + chunk.toString('utf8')).slice(-4000);
			});
		}
		const base = `http://127.0.0.1:${port}`;
		for (let i = 0; i < 240; i++) {
			try {
				// The editor page and the REST controllers are mounted separately; wait for both
				// (GET /rest/login answers 401 without a session once its controller is there).
				const page = await fetch(`${base}/`, { headers: { Accept: 'text/html' } });
				const login = await fetch(`${base}/rest/login`);
				if (
					page.ok &&
					(page.headers.get('content-type') ?? '').includes('html') &&
					login.status !== 404
				) {
					await this.setUpOwner(base, owner);
					return child;
				}
			} catch {
				// Not listening yet.
			}
			if (child.exitCode !== null) break;
			await sleep(500);
		}
		child.kill();
		throw new Error(`n8n did not start within 2 minutes${tail ? `:\n${tail}` : ''}`);
	}

	/**
	 * Starts `n8n worker` (queue mode: the instance's `env` names Redis and the database) and
	 * resolves once it says it is ready to take executions.
	 */
	async startWorker(concurrency: number, env: Record<string, string> = {}): Promise<ChildProcess> {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs the pinned n8n CLI with fixed arguments
		const child = spawn(process.execPath, [this.bin, 'worker', `--concurrency=${concurrency}`], {
			env: { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...env },
			cwd: this.home,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let tail = '';
		const ready = new Promise<boolean>((resolve) => {
			for (const stream of [child.stdout, child.stderr]) {
				stream?.on('data', (chunk: Buffer) => {
					tail = (tail + chunk.toString('utf8')).slice(-4000);
					if (/worker is now ready/i.test(tail)) resolve(true);
				});
			}
			child.once('exit', () => resolve(false));
		});
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<boolean>((resolve) => {
			timer = setTimeout(() => resolve(false), 120_000);
		});
		const started = await Promise.race([ready, timeout]);
		clearTimeout(timer);
		if (!started) {
			child.kill('SIGKILL');
			throw new Error(`n8n worker did not get ready within 2 minutes:\n${tail}`);
		}
		return child;
	}

	/** Stops what startEditor started: SIGTERM, then SIGKILL if n8n's graceful shutdown stalls. */
	async stopEditor(child: ChildProcess): Promise<void> {
		await stopProcess(child);
	}

	/** Signs in to the editor's REST API; returns a call for `/rest/...` routes with the session cookie. */
	async restSession(base: string, { email, password }: Owner): Promise<RestCall> {
		let res: Response | undefined;
		// Seen once on a loaded machine: 404 for the login route just after the owner was set up.
		for (let attempt = 0; attempt < 20; attempt++) {
			res = await fetch(`${base}/rest/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: email, password }),
			});
			if (res.status !== 404) break;
			this.log(`n8n answered 404 to POST /rest/login (attempt ${attempt + 1}); retrying`);
			await sleep(250);
		}
		if (!res?.ok)
			throw new Error(`Signing in to n8n failed: HTTP ${res?.status} ${await res?.text()}`);
		const cookie = res.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.join('; ');
		return async (method, route, body) => {
			const answer = await fetch(`${base}/rest${route}`, {
				method,
				headers: { 'Content-Type': 'application/json', Cookie: cookie },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return {
				status: answer.status,
				body: (await answer.json().catch(() => undefined)) as unknown,
			};
		};
	}

	/**
	 * Creates the owner account, then signs in to check that it took: once, on a loaded machine,
	 * the setup answered OK early in n8n's start-up and the account was still not there (the
	 * sign-in refused it and the editor asked for an owner again), so it is repeated until the
	 * sign-in works.
	 */
	private async setUpOwner(base: string, { email, password }: Owner): Promise<void> {
		let last = '';
		for (let attempt = 1; attempt <= 20; attempt++) {
			const setup = await fetch(`${base}/rest/owner/setup`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ email, password, firstName: 'Demo', lastName: 'User' }),
			});
			const setupText = await setup.text();
			const login = await fetch(`${base}/rest/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: email, password }),
			});
			if (login.ok) return;
			last = `setup HTTP ${setup.status} ${setupText.slice(0, 300)}; sign-in HTTP ${login.status}`;
			this.log(`The n8n owner is not set up yet (${last}); retrying`);
			await sleep(500);
		}
		throw new Error(`Setting up the n8n owner failed: ${last}`);
	}

	/** Deletes the user folder (database, binary data, installed package). */
	cleanup(): void {
		fs.rmSync(this.home, { recursive: true, force: true });
	}
}
