/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script: reads its arguments, writes to the terminal */
/**
 * npm run n8n:install [-- v2 | v1 | <version> ...]: installs the pinned n8n releases (all of
 * them when none is named) into the cache (see index.ts) and prints each CLI entry's path.
 */
import { ensureN8n, N8N_VERSIONS, resolveVersion } from './index.ts';

const wanted = process.argv.slice(2);
const versions = wanted.length ? wanted.map(resolveVersion) : Object.values(N8N_VERSIONS);
for (const version of versions) process.stdout.write(`${ensureN8n(version)}\n`);
