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
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../repo/index.ts';

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

function assertNode24(): void {
	const major = Number(process.versions.node.split('.')[0]);
	if (major < 24) {
		throw new Error(
			`n8n 2.x needs Node 24, but this is Node ${process.version}. Run through npm ` +
				'(npm run test:e2e / npm run demo), which puts the pinned Node 24 from devDependencies first on PATH.',
		);
	}
}

/** Marks an install folder as complete; a folder without it is installed again. */
export const STAMP_FILE = '.installed';

/** What the one-time install usually takes; said before it starts. */
const USUAL_INSTALL_TIME = '3 to 8 minutes';

const INSTALL_SCRIPT = path.join(ROOT, 'tools', 'n8n-install', 'install.ts');

const stderrLine = (message: string) => process.stderr.write(`${message}\n`);

/**
 * Returns the path of the n8n CLI entry for `version`, installing it first if needed. The install
 * (install.ts) runs as a child process that prints a status line every few seconds to stderr.
 */
export function ensureN8n(version: string, log: (message: string) => void = stderrLine): string {
	assertNode24();
	const dir = path.join(cacheRoot(), `n8n-${version}`);
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (fs.existsSync(path.join(dir, STAMP_FILE)) && fs.existsSync(bin)) return bin;

	log(
		`Installing n8n ${version} into ${dir}: once, later runs reuse it. ` +
			`It usually takes ${USUAL_INSTALL_TIME}: npm downloads about 2,000 packages.`,
	);
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- our own install script, no user input
	const result = spawnSync(process.execPath, [INSTALL_SCRIPT, version, dir], {
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	if (result.status !== 0) {
		throw new Error(`Installing n8n ${version} into ${dir} failed; the output above says why.`);
	}
	return bin;
}
