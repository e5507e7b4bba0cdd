/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- tooling runs in Node, never inside n8n */
/**
 * Where the repository is, for the tooling and the tests. Found by walking up to this package's
 * package.json from the script Node was started with, then from the working directory: the
 * tooling is type-checked in tsconfig.test.json as CommonJS too, where `import.meta` is not
 * allowed.
 */
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'n8n-nodes-roboflow';

function isProjectRoot(dir: string): boolean {
	try {
		const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
			name?: string;
		};
		return manifest.name === PACKAGE_NAME;
	} catch {
		return false;
	}
}

function findRoot(): string {
	const starts = [
		process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : undefined,
		process.cwd(),
	];
	for (const start of starts) {
		if (!start) continue;
		for (let dir = start; ; dir = path.dirname(dir)) {
			if (isProjectRoot(dir)) return dir;
			if (path.dirname(dir) === dir) break;
		}
	}
	throw new Error(
		`Could not find the ${PACKAGE_NAME} repository above ${starts.filter(Boolean).join(' or ')}`,
	);
}

/** The repository's root folder. */
export const ROOT = findRoot();
