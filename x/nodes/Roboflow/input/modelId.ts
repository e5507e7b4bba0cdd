import { RoboflowInputError } from '../helpers/errors';

export interface ModelRef {
	project: string;
	version: string;
	/** `project/version`, as Roboflow shows it and as the output's `model_id` reports it. */
	id: string;
}

// Roboflow project slugs are lowercase letters, digits and dashes; versions are whole numbers.
// Anything else (`../`, `?`, `#`, spaces) would change the request path, so it is refused.
export const MODEL_ID = /^([A-Za-z0-9][A-Za-z0-9_-]*)\/([1-9][0-9]*)$/;

export function parseModelId(value: unknown): ModelRef {
	const text = typeof value === 'string' ? value.trim() : '';
	const match = MODEL_ID.exec(text);
	if (!match) {
		const shown = typeof value === 'string' ? `"${value}"` : String(value);
		throw new RoboflowInputError(
			`Model ID ${shown} is not in the form project/version`,
			'Use the model ID Roboflow shows on the model\'s Deploy page, e.g. "vehicle-classification-eapcd/2": the project slug, a slash, then the version number.',
		);
	}
	return { project: match[1], version: match[2], id: `${match[1]}/${match[2]}` };
}
