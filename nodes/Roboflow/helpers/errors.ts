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
