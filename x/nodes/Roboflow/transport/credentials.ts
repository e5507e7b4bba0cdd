import type { ICredentialsDecrypted, INode } from 'n8n-workflow';

/** The Roboflow API credential's fields, as n8n hands them to the node. */
// A type alias, not an interface, so it fits n8n's indexed credential data type.
export type RoboflowCredentials = {
	apiKey: string;
	apiUrl?: string;
	managementUrl?: string;
	/** Per n8n process and account; absent in credentials saved before the field existed. */
	maxRequestsInFlight?: number;
};

/**
 * The decrypted credential in the form n8n's request helper takes. Handing it over saves the
 * helper a database read and a decryption on every request.
 */
export function decryptedCredentials(
	node: INode,
	data: RoboflowCredentials,
): ICredentialsDecrypted {
	const ref = node.credentials?.roboflowApi;
	return { id: ref?.id ?? '', name: ref?.name ?? '', type: 'roboflowApi', data };
}
