import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { RoboflowCredentials } from '../actions/operation';
import { redact } from '../helpers/errors';
import { isRecord } from '../response/common';
import { apiErrorFromNetwork, apiErrorFromStatus, networkCode } from '../transport/errorMapping';
import { managementBaseUrl, managementRoutes, readWorkspace } from '../transport/management';

/** Which project types each model operation lists (contract §7: match on substrings). */
const PROJECT_TYPES: Record<string, (type: string) => boolean> = {
	classify: (type) => type.includes('classification'),
	// Inference treats a project without a type as object detection.
	detect: (type) => type === '' || type.includes('object-detection'),
	segment: (type) => type.includes('instance-segmentation'),
	keypoints: (type) => type.includes('keypoint'),
};

/** Projects whose versions are fetched at once while listing; a workspace may have many. */
const LIST_CONCURRENCY = 4;
const LIST_TIMEOUT_MS = 30_000;

async function managementGet(
	this: ILoadOptionsFunctions,
	data: RoboflowCredentials,
	url: string,
): Promise<unknown> {
	let response: { statusCode: number; body: unknown };
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, 'roboflowApi', {
			method: 'GET',
			url,
			json: true,
			timeout: LIST_TIMEOUT_MS,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as { statusCode: number; body: unknown };
	} catch (error) {
		// The helper's own error carries the request, whose query holds the key: never pass it on.
		throw listError.call(this, apiErrorFromNetwork(networkCode(error)), data);
	}
	if (response.statusCode >= 400) {
		throw listError.call(
			this,
			apiErrorFromStatus(response.statusCode, response.body, { subject: 'this workspace' }),
			data,
		);
	}
	return response.body;
}

function listError(
	this: ILoadOptionsFunctions,
	error: { message: string; description: string; httpCode?: number },
	data: RoboflowCredentials,
) {
	const message = redact(error.message, [data.apiKey]);
	const description = redact(error.description, [data.apiKey]);
	const httpCode = error.httpCode ? String(error.httpCode) : undefined;
	return new NodeApiError(
		this.getNode(),
		{ message, description, ...(httpCode ? { httpCode } : {}) },
		{ message, description, httpCode },
	);
}

async function workspaceFor(
	this: ILoadOptionsFunctions,
	data: RoboflowCredentials,
	base: string,
): Promise<string> {
	let workspace = '';
	try {
		workspace = String(this.getCurrentNodeParameter('workspace') ?? '').trim();
	} catch {
		workspace = '';
	}
	if (workspace) return workspace;
	const found = readWorkspace(
		await managementGet.call(this, data, managementRoutes.workspaceOfKey(base)),
	);
	if (!found) {
		throw new NodeApiError(this.getNode(), {
			message: "Could not find the API key's workspace",
			description: "Roboflow's management API did not name a workspace for this key.",
		});
	}
	return found;
}

function matches(filter: string | undefined, ...texts: string[]): boolean {
	const needle = (filter ?? '').trim().toLowerCase();
	return !needle || texts.some((text) => text.toLowerCase().includes(needle));
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** What both lists need: the credential, the management API's URL and the workspace to list. */
async function listContext(this: ILoadOptionsFunctions) {
	const data = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	const base = managementBaseUrl(data);
	return { data, base, workspace: await workspaceFor.call(this, data, base) };
}

/**
 * The models of the key's workspace for the operation's task: one entry per version with a
 * trained model, "Project name v3 (object-detection)", value `project/3`.
 */
export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const { data, base, workspace } = await listContext.call(this);
	const operation = String(this.getCurrentNodeParameter('operation') ?? 'classify');
	const wanted = PROJECT_TYPES[operation] ?? (() => true);
	const answer = await managementGet.call(this, data, managementRoutes.workspace(base, workspace));
	const projects = (
		isRecord(answer) && isRecord(answer.workspace) && Array.isArray(answer.workspace.projects)
			? answer.workspace.projects
			: []
	).filter(isRecord);

	const candidates = projects
		.map((project) => ({
			// A project id is "workspace/project"; the model route wants the project part.
			slug: text(project.id).split('/').pop() ?? '',
			name: text(project.name) || text(project.id),
			type: text(project.type),
		}))
		.filter(
			(project) =>
				project.slug && wanted(project.type) && matches(filter, project.name, project.slug),
		);

	const results: INodeListSearchItems[][] = new Array(candidates.length);
	let next = 0;
	const worker = async () => {
		while (next < candidates.length) {
			const index = next++;
			const project = candidates[index];
			const details = await managementGet.call(
				this,
				data,
				managementRoutes.project(base, workspace, project.slug),
			);
			const versions =
				isRecord(details) && Array.isArray(details.versions)
					? details.versions.filter(isRecord)
					: [];
			results[index] = versions
				// Only versions with a trained model can answer (contract §7).
				.filter((version) => Boolean(version.model))
				.map((version) => text(version.id).split('/').pop() ?? '')
				.filter((number) => /^[1-9][0-9]*$/.test(number))
				.sort((a, b) => Number(b) - Number(a))
				.map((number) => ({
					name: `${project.name} v${number} (${project.type || 'object-detection'})`,
					value: `${project.slug}/${number}`,
					url: `https://app.roboflow.com/${workspace}/${project.slug}/${number}`,
				}));
		}
	};
	await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, candidates.length) }, worker));
	return { results: results.flat() };
}

/** The Workflows of the workspace (the Workspace parameter's, or the key's). */
export async function searchWorkflows(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const { data, base, workspace } = await listContext.call(this);
	const answer = await managementGet.call(this, data, managementRoutes.workflows(base, workspace));
	const workflows = (
		isRecord(answer) && Array.isArray(answer.workflows) ? answer.workflows : []
	).filter(isRecord);
	return {
		results: workflows
			.map((workflow) => ({
				name: text(workflow.name) || text(workflow.url),
				value: text(workflow.url),
			}))
			.filter((workflow) => workflow.value && matches(filter, workflow.name, workflow.value)),
	};
}
