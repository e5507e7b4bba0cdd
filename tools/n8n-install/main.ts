/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script: reads its arguments, writes to the terminal */
/** npm run n8n:install [-- v2 | v1 | <version> ...]: installs the pinned releases (or those named) and prints each CLI's path. */
import { ensureN8n, N8N_VERSIONS, resolveVersion } from './index.ts';

const wanted = process.argv.slice(2);
for (const version of wanted.length ? wanted.map(resolveVersion) : Object.values(N8N_VERSIONS))
	process.stdout.write(`${ensureN8n(version)}\n`);
