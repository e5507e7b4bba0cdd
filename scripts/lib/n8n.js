'use strict';
// Runs real n8n (the pinned, cached install) in a throwaway user folder with this package
// installed the way n8n installs community packages: into <user folder>/.n8n/nodes.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { ensureN8n } = require('../../tools/n8n-install');

const ROOT = path.resolve(__dirname, '..', '..');

/** Builds and packs the node once; returns the tarball path. */
function packPackage(log) {
	log('Building and packing n8n-nodes-roboflow...');
	execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-pack-'));
	const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
	return path.join(dir, out.trim().split('\n').pop());
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
async function freePort() {
	const probe = net.createServer();
	await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address();
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

class N8nInstance {
	constructor({ version, tarball, allowDirs = [], log = () => {} }) {
		this.version = version;
		this.log = log;
		this.bin = ensureN8n(version, log);
		this.home = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${version}-`));
		const nodesDir = path.join(this.home, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
		// Peer dependencies stay out: n8n provides n8n-workflow itself, as for any community node.
		execFileSync('npm', ['install', tarball, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
			cwd: nodesDir,
			stdio: ['ignore', 'ignore', 'inherit'],
		});
		this.env = {
			...process.env,
			N8N_USER_FOLDER: this.home,
			N8N_ENCRYPTION_KEY: 'roboflow-e2e-encryption-key',
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
		};
	}

	/**
	 * Runs an n8n CLI command without blocking this process, whose event loop may be serving
	 * the local Roboflow server that n8n is about to call.
	 */
	async cli(args, { allowFailure = false, env = {}, onSpawn } = {}) {
		await this.pickBrokerPort();
		// stdout goes to a file: n8n exits right after printing a large execution, and a pipe loses
		// what was not yet written (files are written synchronously).
		const outFile = path.join(this.home, `stdout-${process.hrtime.bigint()}.txt`);
		const fd = fs.openSync(outFile, 'w');
		const child = spawn(process.execPath, [this.bin, ...args], { env: { ...this.env, ...env }, cwd: this.home, stdio: ['ignore', fd, 'pipe'] });
		fs.closeSync(fd);
		onSpawn?.(child);
		const err = [];
		child.stderr.on('data', (c) => err.push(c));
		const status = await new Promise((resolve) => child.on('close', resolve));
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
	async pickBrokerPort() {
		this.env.N8N_RUNNERS_BROKER_PORT ??= String(await freePort());
	}

	async importCredentials(credentials) {
		const file = path.join(this.home, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(credentials));
		await this.cli(['import:credentials', `--input=${file}`, '--decrypted']);
	}

	async importWorkflows(workflows) {
		const dir = path.join(this.home, 'workflows');
		fs.mkdirSync(dir, { recursive: true });
		for (const wf of workflows) fs.writeFileSync(path.join(dir, `${wf.id}.json`), JSON.stringify(wf));
		await this.cli(['import:workflow', '--separate', `--input=${dir}`]);
	}

	/**
	 * Runs a workflow with `n8n execute`; returns the run data (when it succeeded) and the whole
	 * output. `options` go to cli(): extra `env`, and `onSpawn(child)` to watch the process.
	 */
	async execute(id, options = {}) {
		const { status, stdout, output } = await this.cli(['execute', `--id=${id}`, '--rawOutput'], { ...options, allowFailure: true });
		let run;
		// The JSON is pretty-printed, so its only unindented "}" closes it; a runner's log line may follow.
		const start = stdout.indexOf('{');
		const end = stdout.indexOf('\n}', start);
		if (status === 0 && start >= 0 && end > 0) run = JSON.parse(stdout.slice(start, end + 2));
		return { ok: status === 0, run, output };
	}

	/**
	 * Starts `n8n start` and resolves once the editor page and REST API are served and an owner
	 * account exists. /healthz answers long before those are mounted, so it is not enough.
	 */
	async startEditor(port, owner, { quiet = false } = {}) {
		await this.pickBrokerPort();
		const env = { ...this.env, N8N_PORT: String(port), N8N_HOST: '127.0.0.1', N8N_LISTEN_ADDRESS: '127.0.0.1' };
		// 2.x refreshes an MCP server list from api.n8n.io at start; offline that only logs stack traces.
		if (Number(this.version.split('.')[0]) >= 2) env.N8N_DISABLED_MODULES = 'mcp-registry';
		// Quiet keeps n8n's log out of the terminal but the last of it for a start-up failure.
		const output = quiet ? 'pipe' : 'inherit';
		const child = spawn(process.execPath, [this.bin, 'start'], { env, cwd: this.home, stdio: ['ignore', output, output] });
		let tail = '';
		for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => (tail = (tail + chunk).slice(-4000)));
		const base = `http://127.0.0.1:${port}`;
		for (let i = 0; i < 240; i++) {
			try {
				// The editor page and the REST controllers are mounted separately; wait for both
				// (GET /rest/login answers 401 without a session once its controller is there).
				const page = await fetch(`${base}/`, { headers: { Accept: 'text/html' } });
				const login = await fetch(`${base}/rest/login`);
				if (page.ok && (page.headers.get('content-type') ?? '').includes('html') && login.status !== 404) {
					await this.setUpOwner(base, owner);
					return child;
				}
			} catch {}
			if (child.exitCode !== null) break;
			await new Promise((r) => setTimeout(r, 500));
		}
		child.kill();
		throw new Error(`n8n did not start within 2 minutes${tail ? `:\n${tail}` : ''}`);
	}

	/** Stops what startEditor started: SIGTERM, then SIGKILL if n8n's graceful shutdown stalls. */
	async stopEditor(child) {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
		await exited;
		clearTimeout(force);
	}

	/** Signs in to the editor's REST API; returns a fetch for `/rest/...` paths with the session cookie. */
	async restSession(base, { email, password }) {
		let res;
		// Seen once on a loaded machine: 404 for the login route just after the owner was set up.
		for (let attempt = 0; attempt < 20; attempt++) {
			res = await fetch(`${base}/rest/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: email, password }),
			});
			if (res.status !== 404) break;
			this.log(`n8n answered 404 to POST /rest/login (attempt ${attempt + 1}); retrying`);
			await new Promise((r) => setTimeout(r, 250));
		}
		if (!res.ok) throw new Error(`Signing in to n8n failed: HTTP ${res.status} ${await res.text()}`);
		const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		return async (method, route, body) => {
			const answer = await fetch(`${base}/rest${route}`, {
				method,
				headers: { 'Content-Type': 'application/json', Cookie: cookie },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return { status: answer.status, body: await answer.json().catch(() => undefined) };
		};
	}

	async setUpOwner(base, { email, password }) {
		const res = await fetch(`${base}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email, password, firstName: 'Demo', lastName: 'User' }),
		});
		if (!res.ok) throw new Error(`Setting up the n8n owner failed: HTTP ${res.status} ${await res.text()}`);
	}

	cleanup() {
		fs.rmSync(this.home, { recursive: true, force: true });
	}
}

/** The items a node emitted on each output of its first run. */
function nodeOutputs(run, nodeName) {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	return (task?.data?.main ?? []).map((items) => items ?? []);
}

module.exports = { packPackage, N8nInstance, nodeOutputs, freePort, ROOT };
