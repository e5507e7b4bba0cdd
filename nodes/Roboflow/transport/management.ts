import type { IDataObject } from 'n8n-workflow';

import { RoboflowApiError } from '../helpers/errors';
import { isRecord } from '../response/common';
import type { NotDescribed, WorkflowInterface } from '../response/workflowInterface';
import { interfaceFromSpecification } from '../response/workflowInterface';
import type { RoboflowCredentials } from './credentials';
import { managementBaseUrl } from './credentials';
import type { ModelTask } from './endpoint';
import type { ErrorAdvice } from './errorMapping';
import type { FormPart, RoboflowRequest, Send } from './request';
import { MAX_RESPONSE_BYTES } from './request';

export interface ManagementProject {
	/** The URL slug the routes take (`my-project`), without the workspace. */
	slug: string;
	name: string;
	/** Roboflow's project type (`object-detection`, `classification`...); empty when it sent none. */
	type: string;
}

export interface ManagementWorkflow {
	/** Its URL slug, which the run route takes. */
	id: string;
	name: string;
}

// The management API's "no access" errors name the workspace, not a model.
const ADVICE: ErrorAdvice = { subject: 'this workspace' };

export type UploadImage =
	| { kind: 'file'; data: Buffer; fileName: string; contentType: string }
	| { kind: 'url'; url: string };

export interface UploadFields {
	name: string;
	split: 'train' | 'valid' | 'test';
	batch: string;
	tags: string[];
	/** A flat object, sent as a JSON string. */
	metadata?: Record<string, unknown>;
	/** Ties the image to the prediction that produced it. */
	inferenceId?: string;
}

export interface AnnotationFile {
	/** Its file name: the extension tells Roboflow the format (`.json`, `.xml`, `.txt`...). */
	name: string;
	text: string;
	/** `text`: the file as body (active learning); `json`: `{annotationFile, labelmap}` (roboflow-python). */

	form: 'text' | 'json';
	labelmap?: Record<string, unknown> | unknown[];
	/** A model's prediction awaiting review, rather than ground truth. */
	prediction: boolean;
	overwrite: boolean;
	jobName?: string;
}

/** A project's dataset routes answer for the project, not the workspace. */
function datasetAdvice(project: string, byStatus: ErrorAdvice['byStatus']): ErrorAdvice {
	return {
		subject: `the project "${project}"`,
		byStatus: {
			404: [
				`Roboflow found no project "${project}" in the workspace of the API key`,
				"Pick the project from the list, or use its slug as in its URL (app.roboflow.com/my-workspace/my-project); the key must belong to the project's workspace.",
			],
			...byStatus,
		},
	};
}

/** Which project types serve each model task (docs/roboflow-api.md §7: match on substrings). */
const PROJECT_TYPES_OF_TASK: Record<ModelTask, (type: string) => boolean> = {
	classification: (type) => type.includes('classification'),
	// Inference treats a project without a type as object detection.
	detection: (type) => type === '' || type.includes('object-detection'),
	segmentation: (type) => type.includes('instance-segmentation'),
	keypoints: (type) => type.includes('keypoint'),
};

export function projectServesTask(projectType: string, task: ModelTask): boolean {
	return PROJECT_TYPES_OF_TASK[task](projectType);
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** A Workflow's inputs, or the error saying why Roboflow's answer held none. */
export function interfaceOrError(answer: WorkflowInterface | NotDescribed): WorkflowInterface {
	if ('problem' in answer)
		throw new RoboflowApiError(
			"Roboflow's answer does not describe the Workflow's inputs",
			answer.problem,
		);
	return answer;
}

/** The last part of a Roboflow id: `workspace/project` gives `project`, `workspace/project/3` gives `3`. */
function lastPart(id: unknown): string {
	return text(id).split('/').pop() ?? '';
}

/** Already annotated: any 409, or a 400 with roboflow-python's text (docs/roboflow-api.md §10.2). */
export function isAlreadyAnnotated(error: unknown): boolean {
	if (!(error instanceof RoboflowApiError)) return false;
	return (
		error.httpCode === 409 ||
		(error.httpCode === 400 && /already annotated/i.test(error.description))
	);
}

/**
 * The client for Roboflow's management API (workspace, projects, Workflows, uploads), sending
 * through the caller's `send`; errors come back as RoboflowApiError for the caller to redact.
 */
export class ManagementClient {
	readonly baseUrl: string;

	private keyWorkspace?: Promise<string>;

	constructor(
		credentials: RoboflowCredentials,
		private readonly send: Send,
	) {
		this.baseUrl = managementBaseUrl(credentials);
	}

	private async get(path: string, expected: string, query: IDataObject = {}): Promise<unknown> {
		return await this.send({
			api: 'management',
			method: 'GET',
			url: `${this.baseUrl}${path}`,
			query,
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected,
			advice: ADVICE,
		});
	}

	/** The key's workspace (`GET /`), asked once per client; a failure fails every caller. */
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

	/** `POST /dataset/{project}/upload`: a multipart file form, or the URL form (`image=` query). */
	uploadRequest(project: string, image: UploadImage, fields: UploadFields): RoboflowRequest {
		const metadata = fields.metadata ? JSON.stringify(fields.metadata) : undefined;
		const query: Record<string, string | string[]> = { batch: fields.batch };
		if (fields.tags.length) query.tag = fields.tags;
		if (fields.inferenceId) query.inference_id = fields.inferenceId;
		let body: RoboflowRequest['body'];
		if (image.kind === 'url') {
			Object.assign(query, { image: image.url, name: fields.name, split: fields.split });
			if (metadata) query.metadata = metadata;
		} else {
			const parts: FormPart[] = [
				{ field: 'name', value: fields.name },
				{ field: 'split', value: fields.split },
				{
					field: 'file',
					fileName: fields.name,
					contentType: image.contentType,
					data: image.data,
				},
			];
			if (metadata) parts.push({ field: 'metadata', value: metadata });
			body = { kind: 'multipart', parts };
		}
		return {
			api: 'management',
			url: `${this.baseUrl}/dataset/${encodeURIComponent(project)}/upload`,
			query,
			body,
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected: 'the id of the uploaded image',
			advice: datasetAdvice(project, {
				400:
					image.kind === 'url'
						? [
								'Roboflow could not fetch or read the image URL',
								'Roboflow downloads the image itself: the URL must be public (no private address, no login) and answer with an image. Otherwise download it with an HTTP Request node and upload it as a binary file.',
							]
						: [
								'Roboflow refused the image',
								'Check the image and the options sent with it (split, metadata) against what Roboflow said.',
							],
			}),
		};
	}

	/** Annotates an uploaded image (`POST /dataset/{project}/annotate/{id}`); 409: it has one. */
	annotateRequest(project: string, imageId: string, file: AnnotationFile): RoboflowRequest {
		const query: Record<string, string> = { name: file.name };
		if (file.jobName) query.jobName = file.jobName;
		if (file.prediction) query.prediction = 'true';
		if (file.overwrite) query.overwrite = 'true';
		const text =
			file.form === 'json'
				? JSON.stringify({ annotationFile: file.text, labelmap: file.labelmap ?? null })
				: file.text;
		return {
			api: 'management',
			url: `${this.baseUrl}/dataset/${encodeURIComponent(project)}/annotate/${encodeURIComponent(imageId)}`,
			query,
			body: { kind: file.form, text },
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected: "the annotation's confirmation",
			advice: datasetAdvice(project, {
				400: [
					'Roboflow refused the annotation',
					"Check the annotation file against its format (its name's extension: .json, .xml, .txt...) and, for YOLO text, the labelmap.",
				],
				409: [
					'The image already has an annotation',
					'Turn on "Overwrite Annotation" to replace it.',
				],
			}),
		};
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

	/** A Workflow's inputs from its saved specification (`GET /{workspace}/workflows/{id}`). */

	async workflowSpecification(
		workspace: string,
		workflowId: string,
		version?: string,
	): Promise<WorkflowInterface> {
		const answer = await this.get(
			`/${encodeURIComponent(workspace)}/workflows/${encodeURIComponent(workflowId)}`,
			"the Workflow's specification",
			version ? { workflow_version: version } : {},
		);
		return interfaceOrError(interfaceFromSpecification(answer));
	}
}
