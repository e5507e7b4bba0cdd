/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- dev tooling: installs n8n from Node on a developer's or CI machine, never runs inside n8n */
/**
 * The pinned n8n releases, installed once into a cache folder outside the repository that the
 * end-to-end tests, the demo and the benchmark of every checkout share.
 *
 *   const bin = ensureN8n(N8N_VERSIONS.v2);   // <cache>/n8n-2.41.1/node_modules/n8n/bin/n8n
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../repo/index.ts';

/** The n8n releases we test against; keep in step with the README. */
export const N8N_VERSIONS = { v2: '2.41.1', v1: '1.123.81' } as const;

/** `v2` / `v1` to their pinned release; anything else is taken as a version number. */
export const resolveVersion = (label: string): string =>
	N8N_VERSIONS[label as keyof typeof N8N_VERSIONS] ?? label;

/** Marks an install folder as complete; a folder without it is installed again. */
export const STAMP_FILE = '.installed';

/** `$ROBOFLOW_NODE_CACHE`, or `n8n-nodes-roboflow` in the user's cache folder. */
function cacheRoot(): string {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return process.env.ROBOFLOW_NODE_CACHE || path.join(base, 'n8n-nodes-roboflow');
}

/** The n8n CLI entry of `version`, installed first (by install.ts, which reports progress) if needed. */
export function ensureN8n(
	version: string,
	log: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): string {
	if (Number(process.versions.node.split('.')[0]) < 24)
		throw new Error(
			`n8n 2.x needs Node 24, but this is Node ${process.version}: run through npm (npm run test:e2e, npm run demo), which puts the pinned Node 24 first on PATH.`,
		);
	const dir = path.join(cacheRoot(), `n8n-${version}`);
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (fs.existsSync(path.join(dir, STAMP_FILE)) && fs.existsSync(bin)) return bin;
	log(
		`Installing n8n ${version} into ${dir}, once for every later run: usually 3 to 8 minutes (about 2,000 packages).`,
	);
	const script = path.join(ROOT, 'tools', 'n8n-install', 'install.ts');
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- our own install script, no user input
	const result = spawnSync(process.execPath, [script, version, dir], {
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	if (result.status !== 0)
		throw new Error(`Installing n8n ${version} into ${dir} failed; the output above says why.`);
	return bin;
}
