/**
 * The n8n runtime a jest project runs on, and the few places where the harness has to treat
 * n8n 1.x and 2.x differently. The "n8n 2.x" project loads the plain dev dependencies; the
 * "n8n 1.x" project maps `n8n-core`, `n8n-workflow`, `@n8n/di`... to n8n 1.123.81's packages
 * (see test/harness/runtimes.js and jest.config.js), so every import below is already the
 * runtime's own.
 */
import { Container } from '@n8n/di';
import { version as n8nCoreVersion } from 'n8n-core/package.json';
import { version as n8nWorkflowVersion } from 'n8n-workflow/package.json';

/**
 * 'v2': n8n 2.41.1 (n8n-core 2.41.1, n8n-workflow 2.41.0, @n8n/di 0.17.0).
 * 'v1': n8n 1.123.81 (n8n-core 1.122.48, n8n-workflow 1.120.31, @n8n/di 0.10.0).
 * Read from the n8n-core actually loaded, so a test can branch where the majors legitimately differ.
 */
export const RUNTIME: 'v1' | 'v2' = n8nCoreVersion.startsWith('1.') ? 'v1' : 'v2';

/** The loaded versions, for test names and failure messages. */
export const N8N_VERSIONS = { core: n8nCoreVersion, workflow: n8nWorkflowVersion } as const;

/**
 * Lets the test process exit once the tests are done. n8n-core 1.x's SSH tunnel manager, built
 * with every ExecuteContext, starts a ref'd 60 s cleanup interval that n8n only clears at
 * shutdown (2.x unrefs it). Building it up front here, from the engine's own container, and
 * unrefing the timer is a no-op on 2.x.
 */
export async function releaseEngineTimers(): Promise<void> {
	const { SSHClientsManager } = await import('n8n-core/dist/execution-engine/ssh-clients-manager');
	const manager = Container.get(SSHClientsManager) as unknown as { cleanupTimer?: NodeJS.Timeout };
	manager.cleanupTimer?.unref();
}
