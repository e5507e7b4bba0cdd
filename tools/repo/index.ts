/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- tooling runs in Node, never inside n8n */
/**
 * The repository's root, for the tooling and the tests: the nearest folder holding this package's
 * package.json above the script Node runs, or else above the working directory (`import.meta`
 * is not an option: jest type-checks the tooling as CommonJS).
 */
import fs from 'node:fs';
import path from 'node:path';

const isRoot = (dir: string) => {
	const manifest = path.join(dir, 'package.json');
	return (
		fs.existsSync(manifest) &&
		fs.readFileSync(manifest, 'utf8').includes('"name": "n8n-nodes-roboflow"')
	);
};

function above(start: string): string | undefined {
	for (let dir = start; ; dir = path.dirname(dir)) {
		if (isRoot(dir)) return dir;
		if (path.dirname(dir) === dir) return undefined;
	}
}

export const ROOT =
	above(path.dirname(path.resolve(process.argv[1] ?? '.'))) ??
	above(process.cwd()) ??
	(() => {
		throw new Error(
			`No n8n-nodes-roboflow repository above ${process.argv[1]} or ${process.cwd()}`,
		);
	})();
