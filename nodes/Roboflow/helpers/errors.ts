import type { INode } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/** An error in the user's parameters or item data, thrown before anything is sent. */
export class RoboflowInputError extends Error {
	constructor(
		message: string,
		readonly description: string,
	) {
		super(message);
		this.name = 'RoboflowInputError';
	}
}

/** A failed exchange with Roboflow, phrased for the user; no URL or headers, so no key. */
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

/** The redacted n8n error for a RoboflowApiError; `suffix` names the item (` [item 3]`). */
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
