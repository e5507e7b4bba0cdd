/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script, never inside n8n: reads its environment, writes to the terminal, sets the exit code */
/**
 * Starts the local Roboflow server from the command line:
 *
 *   node tools/roboflow-server/main.ts          (Node 24 runs the TypeScript directly)
 *
 * Environment (all optional):
 * - PORT (9001), HOST (127.0.0.1)
 * - ROBOFLOW_LOCAL_KEYS: comma-separated API keys (local-test-key)
 * - ROBOFLOW_LOCAL_AUTH: legacy | inference | serverless (legacy)
 * - ROBOFLOW_LOCAL_MAX_BODY_BYTES: request body limit in bytes (none)
 * - ROBOFLOW_LOCAL_WORKSPACE: the workspace slug: what GET / reports, the management routes
 *   serve and Workflow runs need in their path (local-workspace)
 * - ROBOFLOW_LOCAL_KEY_SCOPES: JSON `{"key": ["workflow:read", ...]}`: keys with only those
 *   scopes (`keyScopes`; default: every key has every scope)
 * - Inference's own URL-input flags: ALLOW_URL_INPUT (true), ALLOW_NON_HTTPS_URL_INPUT (false),
 *   ALLOW_URL_INPUT_WITHOUT_FQDN (false), WHITELISTED_DESTINATIONS_FOR_URL_INPUT,
 *   BLACKLISTED_DESTINATIONS_FOR_URL_INPUT (comma-separated hosts), MAX_IMAGE_URL_REDIRECTS (30)
 */
import type { AuthStyle } from './index.ts';
import { AUTH_STYLES, createRoboflowServer, MODELS, WORKFLOW_IDS } from './index.ts';

const env = process.env;
const flag = (name: string): boolean | undefined => {
	const value = env[name];
	if (value === undefined || value === '') return undefined;
	return ['1', 'true', 'yes', 'on', 't', 'y'].includes(value.trim().toLowerCase());
};
const list = (name: string): string[] | undefined =>
	env[name]
		?.split(',')
		.map((item) => item.trim())
		.filter(Boolean);

const auth = (env.ROBOFLOW_LOCAL_AUTH ?? 'legacy') as AuthStyle;
if (!AUTH_STYLES.includes(auth)) {
	process.stderr.write(`ROBOFLOW_LOCAL_AUTH must be one of ${AUTH_STYLES.join(', ')}\n`);
	process.exit(2);
}
const keys = list('ROBOFLOW_LOCAL_KEYS') ?? ['local-test-key'];
const maxBody = env.ROBOFLOW_LOCAL_MAX_BODY_BYTES
	? Number(env.ROBOFLOW_LOCAL_MAX_BODY_BYTES)
	: undefined;
const redirects = env.MAX_IMAGE_URL_REDIRECTS ? Number(env.MAX_IMAGE_URL_REDIRECTS) : undefined;
let keyScopes: Record<string, string[]> | undefined;
if (env.ROBOFLOW_LOCAL_KEY_SCOPES) {
	try {
		keyScopes = JSON.parse(env.ROBOFLOW_LOCAL_KEY_SCOPES) as Record<string, string[]>;
	} catch {
		process.stderr.write('ROBOFLOW_LOCAL_KEY_SCOPES must be JSON: {"key": ["workflow:read"]}\n');
		process.exit(2);
	}
}

const instance = createRoboflowServer({
	apiKeys: keys,
	auth,
	workspace: env.ROBOFLOW_LOCAL_WORKSPACE,
	keyScopes,
	maxBodyBytes: maxBody,
	allowUrlInput: flag('ALLOW_URL_INPUT'),
	allowNonHttpsUrls: flag('ALLOW_NON_HTTPS_URL_INPUT'),
	allowUrlsWithoutFqdn: flag('ALLOW_URL_INPUT_WITHOUT_FQDN'),
	urlAllowList: list('WHITELISTED_DESTINATIONS_FOR_URL_INPUT'),
	urlDenyList: list('BLACKLISTED_DESTINATIONS_FOR_URL_INPUT'),
	maxImageUrlRedirects: redirects,
});

instance.start(Number(env.PORT ?? 9001), env.HOST ?? '127.0.0.1').then((url) => {
	const models = MODELS.map(
		(model) => `${model.id} (${model.task}${model.multiLabel ? ', multi-label' : ''})`,
	).join(', ');
	process.stdout.write(
		`Local Roboflow server on ${url} (auth: ${auth}; keys: ${keys.length}; models: ${models}; ` +
			`workflows of ${env.ROBOFLOW_LOCAL_WORKSPACE || 'local-workspace'}: ${WORKFLOW_IDS.join(', ')})\n`,
	);
});
