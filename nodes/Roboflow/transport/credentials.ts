import type { IHttpRequestOptions } from 'n8n-workflow';

import { DEFAULT_MANAGEMENT_URL, isLegacyHost } from './endpoint';

/** How the key travels to the inference hosts; the management API always takes the query. */
export type KeyTransport = 'header' | 'query';

export const DEFAULT_KEY_TRANSPORT: KeyTransport = 'header';

/** The Roboflow API credential's fields, as n8n hands them to the node. */
// A type alias, not an interface, so it fits n8n's indexed credential data type.
export type RoboflowCredentials = {
	apiKey: string;
	apiUrl?: string;
	managementUrl?: string;
	/** Per n8n process and account; absent in credentials saved before the field existed. */
	maxRequestsInFlight?: number;
	/** Absent in credentials saved before the field existed: the default applies. */
	keyTransport?: KeyTransport;
};

/** The management API's base URL: the credential's (for self-hosted and tests) or Roboflow's. */
export function managementBaseUrl(credentials: Partial<RoboflowCredentials>): string {
	const text =
		typeof credentials.managementUrl === 'string' ? credentials.managementUrl.trim() : '';
	return (text || DEFAULT_MANAGEMENT_URL).replace(/\/+$/, '');
}

/**
 * Where a request's key goes: the management API takes the query; inference hosts the header,
 * unless the credential asks for the query (servers before 1.5.0) or the host is a Legacy one,
 * which predates the header (docs/roboflow-api.md §2).
 */
export function keyTransportFor(
	credentials: Partial<RoboflowCredentials>,
	url: string,
	api: 'inference' | 'management',
): KeyTransport {
	if (api === 'management' || isLegacyHost(url)) return 'query';
	return credentials.keyTransport === 'query' ? 'query' : DEFAULT_KEY_TRANSPORT;
}

/** The request with the key as a Bearer header or as the `api_key` query parameter. */
export function withKeyIn(
	options: IHttpRequestOptions,
	transport: KeyTransport,
	apiKey: string,
): IHttpRequestOptions {
	if (transport === 'header')
		return { ...options, headers: { ...options.headers, Authorization: `Bearer ${apiKey}` } };
	return { ...options, qs: { ...options.qs, api_key: apiKey } };
}
