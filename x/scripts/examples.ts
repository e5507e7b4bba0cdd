/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- a command-line script that writes files, never runs inside n8n */
/**
 * Writes the shipped example workflows, examples/*.json, from test/support/workflows.ts
 * (`EXAMPLES`), the builders the demo and the end-to-end tests run; the end-to-end tests fail
 * when a file is out of date.
 *
 *   node scripts/examples.ts            write them
 *   node scripts/examples.ts --check    only say which differ (exit 1 if any)
 */
import fs from 'node:fs';
import path from 'node:path';

import { EXAMPLES_DIR } from '../test/support/paths.ts';
import { EXAMPLES, exampleText } from '../test/support/workflows.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, build] of Object.entries(EXAMPLES)) {
	const target = path.join(EXAMPLES_DIR, file);
	const text = exampleText(build());
	const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
	if (current === text) {
		process.stdout.write(`examples/${file}: up to date\n`);
		continue;
	}
	stale++;
	if (check) {
		process.stdout.write(`examples/${file}: out of date\n`);
	} else {
		fs.writeFileSync(target, text);
		process.stdout.write(`examples/${file}: written\n`);
	}
}
if (check && stale) process.exitCode = 1;
