/**
 * The credential's own `test` request, resolved with n8n's expression engine and authenticated
 * by the credential's `authenticate`, as n8n's credential tester does, then sent to the local server.
 */
import axios from 'axios';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { RoboflowApi } from '../credentials/RoboflowApi.credentials';
import { evaluateExpression } from './harness/expression';
import { API_KEY, useLocalServer } from './harness/roboflowNode';

const { server } = useLocalServer();
const credential = new RoboflowApi();

function resolve(value: string | undefined, credentials: ICredentialDataDecryptedObject): string {
	if (!value?.startsWith('=')) return value ?? '';
	return String(evaluateExpression(value, { variables: { $credentials: credentials } }));
}

async function testCredential(credentials: ICredentialDataDecryptedObject) {
	const { request } = credential.test;
	const baseURL = resolve(request.baseURL, credentials);
	const { qs } = await credential.authenticate(credentials, {
		url: request.url ?? '/',
		method: request.method,
	});
	const response = await axios.request({
		baseURL,
		url: request.url,
		method: request.method,
		params: qs,
		validateStatus: () => true,
	});
	// As n8n's credential tester judges the answer: the first rule whose key has its value fails it
	// (the request reads error statuses as answers, `ignoreHttpStatusErrors`).
	expect(request.ignoreHttpStatusErrors).toBe(true);
	const failed = (credential.test.rules ?? []).find(
		(rule) =>
			rule.type === 'responseSuccessBody' &&
			readPath(response.data, rule.properties.key) === rule.properties.value,
	);
	return {
		baseURL,
		status: response.status,
		ok: failed === undefined,
		message: failed?.properties.message,
	};
}

/** lodash's `get` as n8n uses it for the rules: `error.type` of the body. */
function readPath(value: unknown, key: string): unknown {
	return key
		.split('.')
		.reduce<unknown>(
			(at, part) =>
				typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined,
			value,
		);
}

test("the key is checked against the management API: Roboflow's, or the one the credential names", () => {
	const base = (data: ICredentialDataDecryptedObject) =>
		resolve(credential.test.request.baseURL, { apiKey: 'k', ...data });
	expect(
		base({ apiUrl: 'https://classify.roboflow.com', managementUrl: 'https://api.roboflow.com' }),
	).toBe('https://api.roboflow.com');
	expect(base({ apiUrl: 'https://serverless.roboflow.com/' })).toBe('https://api.roboflow.com');
	expect(base({ apiUrl: 'http://localhost:9001/', managementUrl: 'http://127.0.0.1:8080/' })).toBe(
		'http://127.0.0.1:8080',
	);
});

test("the Management API URL is shown only for an API URL that is not Roboflow's own", () => {
	const field = credential.properties.find((p) => p.name === 'managementUrl');
	expect(field?.default).toBe('https://api.roboflow.com');
	expect(field?.displayOptions?.hide?.apiUrl).toEqual(
		expect.arrayContaining(['https://serverless.roboflow.com', 'https://classify.roboflow.com']),
	);
});

test('the credential test passes with the right key and fails with a wrong one', async () => {
	const good = await testCredential({
		apiKey: API_KEY,
		apiUrl: 'http://localhost:9001',
		managementUrl: `${server.url}/`,
	});
	expect(good).toMatchObject({ baseURL: server.url, ok: true });
	const bad = await testCredential({
		apiKey: 'not-the-key',
		apiUrl: 'http://localhost:9001',
		managementUrl: server.url,
	});
	expect(bad).toMatchObject({ ok: false, status: 401 });
	// Says what to do, not n8n's bare "Unauthorized", and never echoes the key (Roboflow's body does).
	expect(bad.message).toMatch(/Roboflow rejected the API key.*Settings > API Keys/);
	expect(bad.message).not.toContain('not-the-key');
	const notRoboflow = await testCredential({
		apiKey: API_KEY,
		apiUrl: 'http://localhost:9001',
		managementUrl: `${server.url}/no-such-route/`,
	});
	expect(notRoboflow).toMatchObject({ ok: false });
	expect(notRoboflow.message).toMatch(/did not confirm the key/);
});

test('the key is a password field and travels as the api_key query parameter', async () => {
	const apiKey = credential.properties.find((p) => p.name === 'apiKey');
	expect(apiKey?.typeOptions?.password).toBe(true);
	const authenticated = await credential.authenticate(
		{ apiKey: 'k1', apiUrl: 'x' },
		{ url: '/a/1', qs: { confidence: 0.5 } },
	);
	expect(authenticated).toEqual({ url: '/a/1', qs: { confidence: 0.5, api_key: 'k1' } });
	expect(credential.properties.find((p) => p.name === 'apiUrl')?.default).toBe(
		'https://serverless.roboflow.com',
	);
});
