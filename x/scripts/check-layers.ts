/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- a command-line check run by `npm run lint`, never inside n8n */
/**
 * Keeps the node's layers pointing one way (part of `npm run lint`): every relative import in
 * nodes/Roboflow goes from a folder to one strictly lower in LAYERS, or stays in its own folder.
 * A folder missing from LAYERS fails the check, so a new folder is placed on purpose.
 *
 *   node scripts/check-layers.ts
 */
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from '../test/support/paths.ts';

const NODE_DIR = path.join(ROOT, 'nodes', 'Roboflow');

/** Highest first: a folder may import only from folders after its own row. */
const LAYERS: string[][] = [
	['.'], // Roboflow.node.ts: the node's description and entry point
	['actions', 'methods'], // the operations, and the editor's pickers
	['batch'], // one batch machinery and the operation contract it owns
	['input'], // reading what the user gave: images, model IDs, numbers
	['transport'], // one client per API: requests, retries, error mapping, management
	['response', 'helpers'], // reading Roboflow's answers; errors and redaction
];

const RANK = new Map(LAYERS.flatMap((row, rank) => row.map((folder) => [folder, rank] as const)));

function sourceFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

/** The top folder of nodes/Roboflow a file sits in (`.` for the node file itself). */
function layerOf(file: string): string {
	const relative = path.relative(NODE_DIR, file);
	return relative.includes(path.sep) ? relative.split(path.sep)[0] : '.';
}

const IMPORT = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g;

const problems: string[] = [];
for (const file of sourceFiles(NODE_DIR)) {
	const from = layerOf(file);
	const fromRank = RANK.get(from);
	const name = path.relative(ROOT, file);
	if (fromRank === undefined) {
		problems.push(`${name}: folder "${from}" has no place in LAYERS (scripts/check-layers.ts)`);
		continue;
	}
	for (const match of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
		const target = path.resolve(path.dirname(file), match[1]);
		if (!target.startsWith(NODE_DIR + path.sep)) {
			problems.push(`${name}: imports ${match[1]}, outside nodes/Roboflow`);
			continue;
		}
		const to = layerOf(target);
		if (to === from) continue;
		const toRank = RANK.get(to);
		if (toRank === undefined || toRank <= fromRank) {
			problems.push(`${name}: ${from}/ imports ${to}/ (${match[1]}), which is not below it`);
		}
	}
}

if (problems.length) {
	process.stderr.write(`Imports that point up or sideways:\n${problems.join('\n')}\n`);
	process.exit(1);
}
process.stdout.write(
	`Layers: every import in nodes/Roboflow points down (${LAYERS.map((row) => row.join(' ')).join(' > ')}).\n`,
);
