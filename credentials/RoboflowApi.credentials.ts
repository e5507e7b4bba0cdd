import type {
	Icon,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import {
	DEFAULT_API_URL,
	DEFAULT_MANAGEMENT_URL,
	ROBOFLOW_HOSTED_URLS,
} from '../nodes/Roboflow/transport/endpoint';

export class RoboflowApi implements ICredentialType {
	name = 'roboflowApi';

	displayName = 'Roboflow API';

	icon: Icon = { light: 'file:../icons/roboflow.svg', dark: 'file:../icons/roboflow.dark.svg' };

	documentationUrl =
		'https://docs.roboflow.com/developer/authentication/find-your-roboflow-api-key';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Your workspace API key, from the Roboflow app under Settings > API Keys (the private key)',
		},
		{
			displayName: 'API URL',
			name: 'apiUrl',
			type: 'string',
			default: DEFAULT_API_URL,
			required: true,
			description:
				"Where requests go. Keep the default for Roboflow's Serverless Cloud API (every model type and Workflows), or use your Dedicated Cloud API URL (https://<name>.roboflow.cloud) or self-hosted Roboflow Inference server (e.g. http://localhost:9001). A Hosted API (Legacy) URL such as https://classify.roboflow.com still works: each model type then goes to its own legacy host.",
		},
		{
			displayName: 'Management API URL',
			name: 'managementUrl',
			type: 'string',
			default: DEFAULT_MANAGEMENT_URL,
			// Roboflow's own endpoints always use Roboflow's management API.
			displayOptions: { hide: { apiUrl: ROBOFLOW_HOSTED_URLS } },
			description:
				"Where the node lists your workspace's models and Workflows and checks the key. Keep Roboflow's unless your setup serves its own.",
		},
	];

	// Roboflow documents the key as the `api_key` query parameter on every route. A function, not
	// the generic `={{$credentials.apiKey}}` form: n8n evaluates that expression on every request,
	// which measured as a fifth of the node's time per image (see bench/RESULTS.md).
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return { ...requestOptions, qs: { ...requestOptions.qs, api_key: credentials.apiKey } };
	}

	// The key is checked against the management API (`GET /` refuses a bad key with 401), for
	// every API URL: Inference servers, self-hosted ones included, have no key check of their own.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ($credentials.managementUrl || "${DEFAULT_MANAGEMENT_URL}").replace(/\\/+$/, "") }}`,
			url: '/',
			method: 'GET',
		},
		// n8n shows only the status text ("Unauthorized") unless a rule says what to do.
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Roboflow rejected the API key. Copy the Private API Key from Settings > API Keys of your workspace in the Roboflow app (not the Publishable Key) and paste it without spaces.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'Roboflow accepted the key but refused access to the workspace. Use a key of the workspace that owns your models, with the needed scopes (Settings > API Keys), or check the Management API URL.',
				},
			},
		],
	};
}
