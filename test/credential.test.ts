/**
 * The credential's own `test` request, resolved with n8n's expression engine and authenticated
 * by the credential's `authenticate`, as n8n's credential tester does, then sent to the local server.
 */
import axios from 'axios';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

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
	// n8n resolves the request's expressions before the credential authenticates it.
	const { qs, headers } = await credential.authenticate(credentials, {
		baseURL,
		url: request.url ?? '/',
		method: request.method,
	});
	// As n8n sends it: an error status throws unless the request reads it as an answer.
	const response = await axios.request({
		baseURL,
		url: request.url,
		method: request.method,
		params: qs,
		headers: headers as Record<string, string> | undefined,
		validateStatus: (status) =>
			request.ignoreHttpStatusErrors === true || (status >= 200 && status < 300),
	});
	// As n8n's credential tester judges the answer: the first rule whose key has its value fails it.
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
	const field = credential.properties.find((p) => p.name === 'managementUrl')!;
	const shown = (apiUrl: string) => NodeHelpers.displayParameter({ apiUrl }, field, null, null);
	expect(
		[
			'https://serverless.roboflow.com',
			'https://classify.roboflow.com',
			'http://localhost:9001',
		].map(shown),
	).toEqual([false, false, true]);
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
	// Says what to do, not n8n's bare "Unauthorized".
	expect(bad.message).toMatch(/Roboflow rejected the API key.*Settings > API Keys/);
	const notRoboflow = await testCredential({
		apiKey: API_KEY,
		apiUrl: 'http://localhost:9001',
		managementUrl: `${server.url}/no-such-route/`,
	});
	expect(notRoboflow).toMatchObject({ ok: false });
	expect(notRoboflow.message).toMatch(/did not confirm the key/);
});
