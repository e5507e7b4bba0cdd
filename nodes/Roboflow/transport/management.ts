import { RoboflowApiError } from '../helpers/errors';
import { isRecord } from '../response/common';
import type { RoboflowCredentials } from './credentials';
import { DEFAULT_MANAGEMENT_URL } from './endpoint';
import type { ErrorAdvice } from './errorMapping';
import type { RoboflowRequest } from './request';
import { MAX_RESPONSE_BYTES } from './request';

/** Sends one request; the caller's context decides retries, timeout and cancellation. */
export type Send = (request: RoboflowRequest) => Promise<unknown>;

/** A project of a workspace, as the pickers and operations need it. */
export interface ManagementProject {
	/** The URL slug the routes take (`my-project`), without the workspace. */
	slug: string;
	name: string;
	/** Roboflow's project type (`object-detection`, `classification`...); empty when it sent none. */
	type: string;
}

/** A Workflow saved in a workspace. */
export interface ManagementWorkflow {
	/** Its URL slug, which the run route takes. */
	id: string;
	name: string;
}

// The management API's "no access" errors name the workspace, not a model.
const ADVICE: ErrorAdvice = { subject: 'this workspace' };

/** The management API's base URL: the credential's (for self-hosted and tests) or Roboflow's. */
export function managementBaseUrl(data: RoboflowCredentials): string {
	const text = typeof data.managementUrl === 'string' ? data.managementUrl.trim() : '';
	return (text || DEFAULT_MANAGEMENT_URL).replace(/\/+$/, '');
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** The last part of a Roboflow id: `workspace/project` gives `project`, `workspace/project/3` gives `3`. */
function lastPart(id: unknown): string {
	return text(id).split('/').pop() ?? '';
}

/**
 * The one client for Roboflow's management API (docs/roboflow-api.md §7): the key's workspace,
 * projects, versions and Workflows. Used by the pickers and by every operation, each through its
 * own `send` (a run's sends retry and stop with the execution; the editor's do not outlive it).
 * Errors come back as RoboflowApiError; the caller redacts and converts them, once, as for items.
 */
export class ManagementClient {
	readonly baseUrl: string;

	private keyWorkspace?: Promise<string>;

	constructor(
		data: RoboflowCredentials,
		private readonly send: Send,
	) {
		this.baseUrl = managementBaseUrl(data);
	}

	private async get(path: string, expected: string): Promise<unknown> {
		return await this.send({
			method: 'GET',
			url: `${this.baseUrl}${path}`,
			query: {},
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected,
			advice: ADVICE,
		});
	}

	/**
	 * The workspace that owns the key (`GET /`), asked once per client however often it is needed;
	 * a failed lookup fails every caller of that client, rather than being asked again per item.
	 */
	async workspaceOfKey(): Promise<string> {
		this.keyWorkspace ??= (async () => {
			const answer = await this.get('/', "the API key's workspace");
			const workspace = isRecord(answer) ? text(answer.workspace) : '';
			if (!workspace) {
				throw new RoboflowApiError(
					"Could not find the API key's workspace",
					"Roboflow's management API did not name a workspace for this key. Set the Workspace parameter to the workspace's URL slug.",
				);
			}
			return workspace;
		})();
		return await this.keyWorkspace;
	}

	/** The given workspace slug, or the key's when it is empty. */
	async workspace(slug?: string): Promise<string> {
		const given = (slug ?? '').trim();
		return given || (await this.workspaceOfKey());
	}

	/** Every project of a workspace (`GET /{workspace}`). */
	async projects(workspace: string): Promise<ManagementProject[]> {
		const answer = await this.get(`/${encodeURIComponent(workspace)}`, 'the workspace');
		const projects =
			isRecord(answer) && isRecord(answer.workspace) && Array.isArray(answer.workspace.projects)
				? answer.workspace.projects.filter(isRecord)
				: [];
		return projects
			.map((project) => ({
				slug: lastPart(project.id),
				name: text(project.name) || text(project.id),
				type: text(project.type),
			}))
			.filter((project) => project.slug);
	}

	/** The version numbers of a project that have a trained model, newest first (`GET /{ws}/{project}`). */
	async trainedVersions(workspace: string, project: string): Promise<number[]> {
		const answer = await this.get(
			`/${encodeURIComponent(workspace)}/${encodeURIComponent(project)}`,
			'the project',
		);
		const versions =
			isRecord(answer) && Array.isArray(answer.versions) ? answer.versions.filter(isRecord) : [];
		return (
			versions
				// Only versions with a trained model can answer (docs/roboflow-api.md §7).
				.filter((version) => Boolean(version.model))
				.map((version) => lastPart(version.id))
				.filter((number) => /^[1-9][0-9]*$/.test(number))
				.map(Number)
				.sort((a, b) => b - a)
		);
	}

	/** The Workflows saved in a workspace (`GET /{workspace}/workflows`). */
	async workflows(workspace: string): Promise<ManagementWorkflow[]> {
		const answer = await this.get(`/${encodeURIComponent(workspace)}/workflows`, 'the Workflows');
		const workflows =
			isRecord(answer) && Array.isArray(answer.workflows) ? answer.workflows.filter(isRecord) : [];
		return workflows
			.map((workflow) => ({
				id: text(workflow.url),
				name: text(workflow.name) || text(workflow.url),
			}))
			.filter((workflow) => workflow.id);
	}
}
