/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script: writes to the terminal */
/**
 * npm run services -- install: installs Debian's redis-server, postgresql and chromium (apt-get,
 * as root) when missing, for the queue-mode end-to-end tests (which start their own throwaway
 * instances, see index.ts) and the editor test. CI runs it before `npm test`.
 */
import { ensureChromium, ensureServicePackages } from './index.ts';

const [command] = process.argv.slice(2);
if (command !== 'install') {
	process.stderr.write('Usage: npm run services -- install\n');
	process.exit(2);
}
const log = (message: string) => process.stderr.write(`${message}\n`);
ensureServicePackages(log);
ensureChromium(log);
process.stdout.write('redis-server, postgresql and chromium are installed\n');
