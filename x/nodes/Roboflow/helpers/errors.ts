import type { INode } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/**
 * An error in what the user gave the node (parameters or item data). The action turns it into
 * a NodeOperationError carrying the item index; it is thrown before anything is sent.
 */
export class RoboflowInputError extends Error {
	constructor(
		message: string,
		readonly description: string,
	) {
		super(message);
		this.name = 'RoboflowInputError';
	}
}

/**
 * A failed exchange with Roboflow, already phrased for the user. It carries no URL, headers or
 * request config, so the API key (sent as a query parameter) cannot leak through it.
 */
export class RoboflowApiError extends Error {
	constructor(
		message: string,
		readonly description: string,
		readonly httpCode?: number,
	) {
		super(message);
		this.name = 'RoboflowApiError';
	}
}

/** Replaces every occurrence of each secret in `text`, so server-supplied text cannot echo the key. */
export function redact(text: string, secrets: readonly string[]): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) result = result.split(secret).join('***');
	}
	return result;
}

/**
 * The n8n error for a failed exchange with Roboflow, redacted. Only the already-phrased message
 * travels: no URL, headers or config, where the key sits. `suffix` names the item (` [item 3]`).
 */
export function nodeApiError(
	node: INode,
	error: RoboflowApiError,
	secrets: readonly string[],
	{ itemIndex, suffix = '' }: { itemIndex?: number; suffix?: string } = {},
): NodeApiError {
	const message = redact(error.message, secrets) + suffix;
	const description = redact(error.description, secrets);
	const httpCode = error.httpCode ? String(error.httpCode) : undefined;
	return new NodeApiError(
		node,
		{ message, description, ...(httpCode ? { httpCode } : {}) },
		{ itemIndex, message, description, httpCode },
	);
}
