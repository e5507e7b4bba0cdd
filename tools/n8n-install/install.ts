/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- dev tooling: installs n8n from Node on a developer's or CI machine, never runs inside n8n */
/**
 * node tools/n8n-install/install.ts <version> <folder>: installs n8n <version> into <folder> and
 * stamps it complete. npm prints nothing for the minutes this takes, so a status line every ten
 * seconds says which step runs and how far it got. A child process of ensureN8n (index.ts), so
 * that its callers stay synchronous while this one keeps time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { STAMP_FILE } from './index.ts';

const say = (message: string) => process.stderr.write(`${message}\n`);
function minutes(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * npm creates every package folder (nested ones too) before it unpacks into them, so the folders
 * that hold a package.json, of all of them, is how far it got.
 */
function unpacked(folder: string, count = { done: 0, total: 0 }): typeof count {
	for (const name of fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
		if (name.startsWith('.')) continue;
		const entry = path.join(folder, name);
		const packages = name.startsWith('@')
			? fs.readdirSync(entry).map((n) => path.join(entry, n))
			: [entry];
		for (const pkg of packages) {
			count.total++;
			if (fs.existsSync(path.join(pkg, 'package.json'))) count.done++;
			unpacked(path.join(pkg, 'node_modules'), count);
		}
	}
	return count;
}

function installStatus(nodeModules: string): string {
	let count;
	try {
		count = unpacked(nodeModules);
	} catch {
		return 'npm install: unpacking'; // npm moved a folder while we looked
	}
	if (!count.total) return 'npm install: resolving the dependency tree';
	return `npm install: ${count.done.toLocaleString('en')} of ${count.total.toLocaleString('en')} packages in place`;
}

/** Node's headers for rebuilding sqlite3 offline: beside the binary the `node` dev dependency installs. */
function nodeHeadersDir(): string | undefined {
	const nodeDir = path.resolve(path.dirname(process.execPath), '..');
	const nested = [
		path.join(nodeDir, 'node_modules'),
		path.resolve('node_modules', 'node', 'node_modules'),
	];
	const candidates = [nodeDir];
	for (const dir of nested.filter((d) => fs.existsSync(d)))
		candidates.push(...fs.readdirSync(dir).map((name) => path.join(dir, name)));
	return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node.h')));
}

/** Runs npm in `cwd`, a status line every ten seconds; ends npm when our parent is gone. */
async function npm(args: string[], cwd: string, env: Record<string, string>, status: () => string) {
	const [parent, started] = [process.ppid, Date.now()];
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm commands, no user input
	const child = spawn('npm', args, {
		cwd,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	const timer = setInterval(() => {
		if (process.ppid !== parent) child.kill();
		say(`  ${status()} (${minutes(Date.now() - started)} so far)`);
	}, 10_000);
	const code = await new Promise((resolve) => child.on('close', resolve));
	clearInterval(timer);
	if (code !== 0) throw new Error(`npm ${args[0]} failed (${String(code)})`);
}

async function install(version: string, dir: string): Promise<void> {
	const started = Date.now();
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
	// --ignore-scripts: an optional Kafka client's native build needs the internet; sqlite3, the
	// native module n8n needs, is rebuilt next against Node 24's own headers.
	const quiet = ['--no-audit', '--no-fund', '--no-progress', '--loglevel=error'];
	const nodeModules = path.join(dir, 'node_modules');
	await npm(['install', '--ignore-scripts', ...quiet], dir, {}, () => installStatus(nodeModules));
	const headers = nodeHeadersDir();
	await npm(
		['rebuild', 'sqlite3', ...quiet],
		dir,
		headers ? { npm_config_nodedir: headers } : {},
		() => 'npm rebuild sqlite3',
	);
	fs.writeFileSync(path.join(dir, STAMP_FILE), new Date().toISOString());
	say(`Installed n8n ${version} in ${minutes(Date.now() - started)}.`);
}

const [version, dir] = process.argv.slice(2);
install(version, path.resolve(dir)).catch((error: unknown) => {
	say(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
