/** Roboflow's hosts and their documented request limits (docs/roboflow-api.md §1 and §8). */

/** Roboflow's Serverless Cloud API: one host for every model task and for Workflows. */
export const DEFAULT_API_URL = 'https://serverless.roboflow.com';

/** Roboflow's management API (workspace, projects, Workflows); the credential can override it. */
export const DEFAULT_MANAGEMENT_URL = 'https://api.roboflow.com';

/** The model tasks the legacy route serves; the server looks the task up itself. */
export type ModelTask = 'classification' | 'detection' | 'segmentation' | 'keypoints';

/** What a request is for: a model task, running a Workflow, or a foundation model (no training). */
export type Task = ModelTask | 'workflow' | 'foundation';

const MB = 1024 * 1024;

/** The "Hosted API (Legacy)" hosts, one per task, each documented at 5 MB per request. */
const LEGACY_HOST_BY_TASK: Record<ModelTask, string> = {
	classification: 'classify.roboflow.com',
	detection: 'detect.roboflow.com',
	keypoints: 'detect.roboflow.com',
	segmentation: 'outline.roboflow.com',
};
const LEGACY_HOSTS = new Set([
	'classify.roboflow.com',
	'detect.roboflow.com',
	'outline.roboflow.com',
	'segment.roboflow.com',
	'infer.roboflow.com',
]);
const LEGACY_LIMIT_BYTES = 5 * MB;
const SERVERLESS_HOSTS = new Set(['serverless.roboflow.com']);
const SERVERLESS_LIMIT_BYTES = 20 * MB;

export interface Endpoint {
	/** Base URL without a trailing slash. */
	baseUrl: string;
	/** The largest request body the host accepts, or undefined when none is documented. */
	maxRequestBytes?: number;
	/** How the host is named in messages: "Roboflow's Serverless Cloud API", "your server"... */
	label: string;
	legacy: boolean;
}

function hostOf(url: string): string | undefined {
	try {
		return new URL(url).hostname.toLowerCase();
	} catch {
		return undefined;
	}
}

/** Whether a URL is on one of the Hosted API (Legacy) hosts. */
export function isLegacyHost(url: string): boolean {
	const host = hostOf(url);
	return host !== undefined && LEGACY_HOSTS.has(host);
}

/** The credential's API URL, trimmed, without trailing slashes, the default when empty. */
export function apiBaseUrl(apiUrl: unknown): string {
	const text = typeof apiUrl === 'string' ? apiUrl.trim() : '';
	return (text || DEFAULT_API_URL).replace(/\/+$/, '');
}

/** The endpoint for a task: a legacy host sends each task to its own; any other URL serves all. */
export function endpointFor(apiUrl: unknown, task?: Task): Endpoint {
	const baseUrl = apiBaseUrl(apiUrl);
	const host = hostOf(baseUrl);
	if (host && LEGACY_HOSTS.has(host)) {
		// The legacy hosts serve only the model route; Workflows and foundation models go serverless.
		if (task === 'workflow' || task === 'foundation') return endpointFor(DEFAULT_API_URL);
		const legacyBase = task ? `https://${LEGACY_HOST_BY_TASK[task]}` : baseUrl;
		return {
			baseUrl: legacyBase,
			maxRequestBytes: LEGACY_LIMIT_BYTES,
			label: "Roboflow's Hosted API (Legacy)",
			legacy: true,
		};
	}
	if (host && SERVERLESS_HOSTS.has(host)) {
		return {
			baseUrl,
			maxRequestBytes: SERVERLESS_LIMIT_BYTES,
			label: "Roboflow's Serverless Cloud API",
			legacy: false,
		};
	}
	return { baseUrl, label: 'the server at the API URL', legacy: false };
}

/** Whether the API URL is Roboflow-hosted (Serverless, Legacy, `*.roboflow.cloud`), not self-hosted. */
export function isRoboflowHosted(apiUrl: unknown): boolean {
	const host = hostOf(apiBaseUrl(apiUrl));
	return (
		host !== undefined &&
		(LEGACY_HOSTS.has(host) || SERVERLESS_HOSTS.has(host) || host.endsWith('.roboflow.cloud'))
	);
}

/** Roboflow's own API URLs as a user would type them: the credential shows no management URL for these. */
export const ROBOFLOW_HOSTED_URLS = [
	DEFAULT_API_URL,
	...[...LEGACY_HOSTS].map((host) => `https://${host}`),
];
