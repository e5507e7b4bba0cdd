import { RoboflowInputError } from '../helpers/errors';

// A project slug, optionally after its workspace (`workspace/project`, the project `id` of the
// management API, docs/roboflow-api.md §7). Anything else would change the request path.
export const PROJECT_ID = /^(?:[A-Za-z0-9][A-Za-z0-9_-]*\/)?([A-Za-z0-9][A-Za-z0-9_-]*)$/;

/** A project's page in Roboflow's app, `https://app.roboflow.com/<workspace>/<project>/...`. */
export const PROJECT_URL =
	/^https?:\/\/app\.roboflow\.com\/[^/?#]+\/([A-Za-z0-9][A-Za-z0-9_-]*)(?:[/?#].*)?$/;

/** The project slug the dataset routes take, from a slug, `workspace/slug` or an app URL. */
export function parseProjectId(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	const slug = PROJECT_ID.exec(text)?.[1] ?? PROJECT_URL.exec(text)?.[1];
	if (!slug) {
		const shown = typeof value === 'string' ? `"${value}"` : String(value);
		throw new RoboflowInputError(
			`Project ${shown} is not a Roboflow project`,
			"Pick the project from the list, paste its URL from Roboflow's app (e.g. https://app.roboflow.com/my-workspace/my-project), or use its slug (my-project).",
		);
	}
	return slug;
}
