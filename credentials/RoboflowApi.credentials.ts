import type {
	Icon,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

export class RoboflowApi implements ICredentialType {
	name = 'roboflowApi';

	displayName = 'Roboflow API';

	icon: Icon = { light: 'file:../icons/roboflow.svg', dark: 'file:../icons/roboflow.dark.svg' };

	documentationUrl = 'https://docs.roboflow.com/developer/authentication/find-your-roboflow-api-key';

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
			default: 'https://classify.roboflow.com',
			required: true,
			description:
				'Where classification requests go. Keep the default for Roboflow\'s hosted API, use https://serverless.roboflow.com for the serverless v2 API, or the URL of your self-hosted Roboflow Inference server (e.g. http://localhost:9001) or dedicated deployment.',
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

	// Hosted keys are checked against Roboflow's management API (`GET /` refuses a bad key).
	// A self-hosted server has no such route, so there the test only proves the URL answers.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ $credentials.apiUrl.includes(".roboflow.com") ? "https://api.roboflow.com" : $credentials.apiUrl.replace(/\\/+$/, "") }}',
			url: '/',
			method: 'GET',
		},
	};
}
