import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { mapWithConcurrency } from '../batch/pool';
import { RoboflowApiError, nodeApiError, redact } from '../helpers/errors';
import type { RoboflowCredentials } from '../transport/credentials';
import type { ModelTask } from '../transport/endpoint';
import { InferenceClient } from '../transport/inference';
import { ManagementClient, projectServesTask } from '../transport/management';
import type { RoboflowRequest, Send } from '../transport/request';
import { sendRoboflowRequest } from '../transport/request';
import { SharedPause } from '../transport/retry';

/** Projects whose versions are fetched at once while listing; a workspace may have many. */
const LIST_CONCURRENCY = 4;
/** The editor waits for the list: one retry at most, and no answer may take longer than this. */
const LIST_TIMEOUT_MS = 30_000;
const LIST_RETRIES = 1;

function matches(filter: string | undefined, ...texts: string[]): boolean {
	const needle = (filter ?? '').trim().toLowerCase();
	return !needle || texts.some((text) => text.toLowerCase().includes(needle));
}

/** A parameter of the node as the editor has it now; empty when not shown for this operation. */
export function currentParameter(
	context: ILoadOptionsFunctions,
	path: string,
	options: { extractValue?: boolean } = {},
): string {
	try {
		return String(context.getCurrentNodeParameter(path, options) ?? '').trim();
	} catch {
		return '';
	}
}

/** What the editor's calls talk to Roboflow through: both clients, with one send. */
export interface EditorApi {
	send: Send;
	management: ManagementClient;
	inference: InferenceClient;
	/** The Workspace parameter's workspace, or the key's. */
	workspace: string;
}

/** Runs an editor call with both clients; its errors reach the editor, so they are redacted. */
export async function withEditorApi<T>(
	context: ILoadOptionsFunctions,
	list: (api: EditorApi) => Promise<T>,
): Promise<T> {
	const credentials = await context.getCredentials<RoboflowCredentials>('roboflowApi');
	const policy = {
		credentials,
		timeoutMs: LIST_TIMEOUT_MS,
		maxRetries: LIST_RETRIES,
		pause: new SharedPause(),
		onRetry: () => {},
	};
	const send = async (request: RoboflowRequest) =>
		await sendRoboflowRequest.call(context, request, policy);
	const management = new ManagementClient(credentials, send);
	const inference = new InferenceClient(credentials.apiUrl);
	try {
		const workspace = await management.workspace(currentParameter(context, 'workspace'));
		return await list({ send, management, inference, workspace });
	} catch (error) {
		const secrets = [credentials.apiKey];
		if (error instanceof RoboflowApiError) throw nodeApiError(context.getNode(), error, secrets);
		const text = error instanceof Error ? error.message : String(error);
		throw new NodeOperationError(context.getNode(), redact(text, secrets));
	}
}

/** The Model picker: one entry per trained version of the operation's task, value `project/3`. */
export function modelSearch(
	taskOf: (operation: string) => ModelTask | undefined,
): (this: ILoadOptionsFunctions, filter?: string) => Promise<INodeListSearchResult> {
	return async function searchModels(this: ILoadOptionsFunctions, filter?: string) {
		const task = taskOf(currentParameter(this, 'operation') || 'classify');
		const wanted = (type: string) => task === undefined || projectServesTask(type, task);
		return await withEditorApi(this, async ({ management: client, workspace }) => {
			const projects = (await client.projects(workspace)).filter(
				(project) => wanted(project.type) && matches(filter, project.name, project.slug),
			);
			const lists = await mapWithConcurrency(
				projects.length,
				LIST_CONCURRENCY,
				async (index): Promise<INodeListSearchItems[]> => {
					const project = projects[index];
					const versions = await client.trainedVersions(workspace, project.slug);
					return versions.map((number) => ({
						name: `${project.name} v${number} (${project.type || 'object-detection'})`,
						value: `${project.slug}/${number}`,
						url: `https://app.roboflow.com/${workspace}/${project.slug}/${number}`,
					}));
				},
			);
			return { results: lists.flat() };
		});
	};
}

/** Every project of the workspace, whatever its type, for uploads: value the project's slug. */
export async function searchProjects(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await withEditorApi(this, async ({ management: client, workspace }) => ({
		results: (await client.projects(workspace))
			.filter((project) => matches(filter, project.name, project.slug))
			.map((project) => ({
				name: `${project.name} (${project.type || 'object-detection'})`,
				value: project.slug,
				url: `https://app.roboflow.com/${workspace}/${project.slug}`,
			})),
	}));
}

/** The Workflows of the workspace (the Workspace parameter's, or the key's). */
export async function searchWorkflows(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	return await withEditorApi(this, async ({ management: client, workspace }) => ({
		results: (await client.workflows(workspace))
			.filter((workflow) => matches(filter, workflow.name, workflow.id))
			.map((workflow) => ({ name: workflow.name, value: workflow.id })),
	}));
}
