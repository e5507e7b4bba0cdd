/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling runs in Node, never inside n8n */
/** Where the repository and its parts are (the root itself is found in tools/repo/index.ts). */
import path from 'node:path';

import { ROOT } from '../../tools/repo/index.ts';

export { ROOT };

/** The shipped example workflows. */
export const EXAMPLES_DIR = path.join(ROOT, 'examples');
