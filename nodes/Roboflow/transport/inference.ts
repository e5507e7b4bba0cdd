/** The client for Roboflow's inference API: where each task goes, and its routes' requests. */
import type { IDataObject } from 'n8n-workflow';

import type { Endpoint, Task } from './endpoint';
import { apiBaseUrl, endpointFor } from './endpoint';
import type { ErrorAdvice } from './errorMapping';
import type { RoboflowRequest } from './request';
import { MAX_IMAGE_RESPONSE_BYTES, MAX_RESPONSE_BYTES } from './request';

/** An image as a request carries it: bare base64, or a URL Roboflow downloads itself. */
export type ImagePayload = { kind: 'base64'; base64: string } | { kind: 'url'; url: string };

/** A model version: the project slug and the version number, as the model route takes them. */
export interface ModelRef {
	project: string;
	version: string;
	/** `project/version`, as Roboflow shows it and as the output's `model_id` reports it. */
	id: string;
}

const segment = encodeURIComponent;

export class InferenceClient {
	readonly baseUrl: string;

	constructor(apiUrl: unknown) {
		this.baseUrl = apiBaseUrl(apiUrl);
	}

	/** Where requests for a task go and how large they may be. */
	endpoint(task: Task): Endpoint {
		return endpointFor(this.baseUrl, task);
	}

	/** `POST {host}/{project}/{version}`; `withPicture` asks for the annotated picture too. */
	modelRequest(spec: {
		endpoint: Endpoint;
		model: ModelRef;
		image: ImagePayload;
		query: IDataObject;
		withPicture: boolean;
		expected: string;
		advice?: ErrorAdvice;
	}): RoboflowRequest {
		const query: IDataObject = { ...spec.query };
		if (spec.withPicture) query.format = 'image_and_json';
		if (spec.image.kind === 'url') query.image = spec.image.url;
		return {
			api: 'inference',
			url: `${spec.endpoint.baseUrl}/${spec.model.project}/${spec.model.version}`,
			query,
			body: spec.image.kind === 'base64' ? { kind: 'base64', text: spec.image.base64 } : undefined,
			maxResponseBytes: spec.withPicture ? MAX_IMAGE_RESPONSE_BYTES : MAX_RESPONSE_BYTES,
			expected: spec.expected,
			advice: spec.advice,
		};
	}

	/** Runs a saved Workflow (`POST /{workspace}/workflows/{id}`) with its JSON body's text. */
	workflowRequest(workspace: string, workflowId: string, body: string, advice: ErrorAdvice) {
		return {
			api: 'inference',
			url: `${this.endpoint('workflow').baseUrl}/${segment(workspace)}/workflows/${segment(workflowId)}`,
			query: {},
			body: { kind: 'json', text: body },
			keyInBody: true,
			maxResponseBytes: MAX_IMAGE_RESPONSE_BYTES,
			expected: 'a Workflow result',
			advice,
		} satisfies RoboflowRequest;
	}

	/** A foundation model's route (`/clip/compare`...), JSON body (docs/roboflow-api.md §11). */

	foundationRequest(route: string, body: string, expected: string, advice?: ErrorAdvice) {
		return {
			api: 'inference',
			url: `${this.endpoint('foundation').baseUrl}${route}`,
			query: {},
			body: { kind: 'json', text: body },
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected,
			advice,
		} satisfies RoboflowRequest;
	}

	/** A Workflow's inputs as this server describes them (`describe_interface`). */
	describeInterfaceRequest(workspace: string, workflowId: string, version?: string) {
		return {
			api: 'inference',
			url: `${this.endpoint('workflow').baseUrl}/${segment(workspace)}/workflows/${segment(workflowId)}/describe_interface`,
			query: {},
			body: {
				kind: 'json',
				text: JSON.stringify(version ? { workflow_version_id: version } : {}),
			},
			keyInBody: true,
			maxResponseBytes: MAX_RESPONSE_BYTES,
			expected: "the Workflow's interface",
			advice: {
				subject: 'this Workflow',
				byStatus: {
					404: [
						'Roboflow found no Workflow with this ID',
						"Check the Workspace and the Workflow: the key must belong to the Workflow's workspace.",
					],
				},
			},
		} satisfies RoboflowRequest;
	}
}
