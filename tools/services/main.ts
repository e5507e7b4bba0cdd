/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script: writes to the terminal */
/**
 * npm run services -- install: installs Debian's redis-server and postgresql (apt-get, as root)
 * when missing, for the queue-mode end-to-end tests (which start their own throwaway instances,
 * see index.ts). CI runs it before `npm test`.
 */
import { ensureServicePackages } from './index.ts';

const [command] = process.argv.slice(2);
if (command !== 'install') {
	process.stderr.write('Usage: npm run services -- install\n');
	process.exit(2);
}
ensureServicePackages((message) => process.stderr.write(`${message}\n`));
process.stdout.write('redis-server and postgresql are installed\n');
