import type { RoboflowCredentials } from '../actions/operation';
import { isRecord } from '../response/common';
import { DEFAULT_MANAGEMENT_URL } from './endpoint';

/** The management API's base URL: the credential's (for self-hosted and tests) or Roboflow's. */
export function managementBaseUrl(data: RoboflowCredentials): string {
	const text = typeof data.managementUrl === 'string' ? data.managementUrl.trim() : '';
	return (text || DEFAULT_MANAGEMENT_URL).replace(/\/+$/, '');
}

/** `GET /` answers with the workspace that owns the key (contract §7). */
export function readWorkspace(answer: unknown): string | undefined {
	return isRecord(answer) && typeof answer.workspace === 'string' && answer.workspace
		? answer.workspace
		: undefined;
}

/** Management API routes used by the node and its pickers. */
export const managementRoutes = {
	workspaceOfKey: (base: string) => `${base}/`,
	workspace: (base: string, workspace: string) => `${base}/${encodeURIComponent(workspace)}`,
	project: (base: string, workspace: string, project: string) =>
		`${base}/${encodeURIComponent(workspace)}/${encodeURIComponent(project)}`,
	workflows: (base: string, workspace: string) =>
		`${base}/${encodeURIComponent(workspace)}/workflows`,
};
