import { RoboflowInputError } from '../helpers/errors';
import type { ModelRef } from '../transport/inference';

// Roboflow's slugs (workspaces, projects, Workflows) are letters, digits, dashes and underscores.
// Anything else (`../`, `?`, `#`, spaces) would change the request path, so it is refused.
const SLUG = '[A-Za-z0-9][A-Za-z0-9_-]*';

export const SLUG_PATTERN = new RegExp(`^${SLUG}$`);
/** `project/version`, as Roboflow shows a model on its Deploy page. */
export const MODEL_ID = new RegExp(`^(${SLUG})/([1-9][0-9]*)$`);
/** A project slug, optionally after its workspace (the management API's project `id`). */
export const PROJECT_ID = new RegExp(`^(?:${SLUG}/)?(${SLUG})$`);
/** A project's page in Roboflow's app, `https://app.roboflow.com/<workspace>/<project>/...`. */
export const PROJECT_URL = new RegExp(
	`^https?://app\\.roboflow\\.com/[^/?#]+/(${SLUG})(?:[/?#].*)?$`,
);

/** The value matched by one of `patterns` (its first group, or the whole); else a clear error. */
function matchOrThrow(
	value: unknown,
	patterns: RegExp[],
	problem: (shown: string) => string,
	hint: string,
): RegExpExecArray {
	const text = typeof value === 'string' ? value.trim() : '';
	for (const pattern of patterns) {
		const match = pattern.exec(text);
		if (match) return match;
	}
	throw new RoboflowInputError(
		problem(typeof value === 'string' ? `"${value}"` : String(value)),
		hint,
	);
}

export function parseModelId(value: unknown): ModelRef {
	const [, project, version] = matchOrThrow(
		value,
		[MODEL_ID],
		(shown) => `Model ID ${shown} is not in the form project/version`,
		'Use the model ID Roboflow shows on the model\'s Deploy page, e.g. "vehicle-classification-eapcd/2": the project slug, a slash, then the version number.',
	);
	return { project, version, id: `${project}/${version}` };
}

/** The project slug the dataset routes take, from a slug, `workspace/slug` or an app URL. */
export function parseProjectId(value: unknown): string {
	return matchOrThrow(
		value,
		[PROJECT_ID, PROJECT_URL],
		(shown) => `Project ${shown} is not a Roboflow project`,
		"Pick the project from the list, paste its URL from Roboflow's app (e.g. https://app.roboflow.com/my-workspace/my-project), or use its slug (my-project).",
	)[1];
}

/** A workspace or Workflow slug, checked before it becomes part of a request path. */
export function parseSlug(value: unknown, label: string, hint: string): string {
	return matchOrThrow(
		value,
		[SLUG_PATTERN],
		(shown) => `${label} ${shown} is not a valid ${label.toLowerCase()}`,
		hint,
	)[0];
}
