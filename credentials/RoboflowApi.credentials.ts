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
import { DEFAULT_MAX_REQUESTS_IN_FLIGHT } from '../nodes/Roboflow/transport/accountLimiter';
import type { RoboflowCredentials } from '../nodes/Roboflow/transport/credentials';
import {
	DEFAULT_KEY_TRANSPORT,
	keyTransportFor,
	managementBaseUrl,
	withKeyIn,
} from '../nodes/Roboflow/transport/credentials';

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
			displayName: 'Send API Key As',
			name: 'keyTransport',
			type: 'options',
			options: [
				{
					name: 'Authorization Header',
					value: 'header',
					description:
						"Roboflow's recommendation: the key stays out of URLs and the logs of proxies (self-hosted Inference 1.5.0 or later)",
				},
				{
					name: 'Query Parameter',
					value: 'query',
					description: 'For self-hosted Inference servers older than 1.5.0',
				},
			],
			default: DEFAULT_KEY_TRANSPORT,
			description:
				'How the key travels to the API URL. The management API and the Hosted API (Legacy) hosts always get it as the api_key query parameter.',
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
		{
			displayName: 'Max Requests in Flight',
			name: 'maxRequestsInFlight',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 0 },
			default: DEFAULT_MAX_REQUESTS_IN_FLIGHT,
			description: `The most requests to Roboflow this account has open at once in one n8n process, shared by every execution using this credential (each queue-mode worker is its own process: the account sees workers x this). Below it the node finds the account's capacity itself: it halves its pace when Roboflow answers 429 (rate limited) and grows back slowly. The default, ${DEFAULT_MAX_REQUESTS_IN_FLIGHT}, suits the Serverless API's rate limit of about 20 requests per second; raise it for a dedicated or self-hosted server.`,
		},
	];

	// The key where Roboflow reads it (docs/roboflow-api.md §2), as the node's transport places it;
	// this serves the credential's Test and other nodes using the credential.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const fields = credentials as RoboflowCredentials;
		const url = `${requestOptions.baseURL ?? ''}${requestOptions.url}`;
		const api = url.startsWith(managementBaseUrl(fields)) ? 'management' : 'inference';
		return withKeyIn(requestOptions, keyTransportFor(fields, url, api), fields.apiKey);
	}

	// Checked against the management API for every API URL (Inference servers have no key check).
	// Error statuses are read, not thrown: n8n 1.x would lose the status, so the rules judge the body.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ($credentials.managementUrl || "${DEFAULT_MANAGEMENT_URL}").replace(/\\/+$/, "") }}`,
			url: '/',
			method: 'GET',
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				// The management API's answer to an unknown or revoked key.
				type: 'responseSuccessBody',
				properties: {
					key: 'error.type',
					value: 'OAuthException',
					message:
						'Roboflow rejected the API key. Copy the Private API Key from Settings > API Keys of your workspace in the Roboflow app (not the Publishable Key) and paste it without spaces.',
				},
			},
			{
				// Anything else that names no workspace: another error, or not Roboflow's API at all.
				type: 'responseSuccessBody',
				properties: {
					key: 'workspace',
					value: undefined,
					message:
						"Roboflow's management API did not confirm the key. Check the API key (Settings > API Keys in the Roboflow app) and, if you changed it, the Management API URL.",
				},
			},
		],
	};
}
