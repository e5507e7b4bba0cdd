/**
 * The workspace behind the management API (api.roboflow.com, docs/roboflow-api.md §7): its
 * projects and versions, and the answers of `GET /{workspace}` and `GET /{workspace}/{project}`.
 * A version served as a model kind answers on the model route as `{slug}/{version}`, so a model
 * a picker lists works. Only the fields the node reads.
 */
import type { ModelKind } from './models.ts';

export const WORKSPACE = 'local-workspace';

type ProjectType =
	| 'classification'
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'semantic-segmentation'
	| 'text-image-pairs';

/**
 * A version: served on the model route as a kind, a fine-tuned Florence-2 (served on
 * `/infer/lmm`), trained but not served, or never trained (null).
 */
type Version = ModelKind | 'florence-2' | 'trained' | null;

export interface ProjectInfo {
	slug: string;
	name: string;
	type: ProjectType;
	/** Oldest first: version 1, 2, ... */
	versions: Version[];
}

const project = (
	slug: string,
	name: string,
	type: ProjectType,
	versions: Version[],
): ProjectInfo => ({ slug, name, type, versions });

/**
 * One project per task of the model route, and what pickers must handle: a project whose older
 * version has no model, one never trained, a task the model route does not serve.
 */
export const PROJECTS: readonly ProjectInfo[] = [
	project('colors', 'Colors', 'classification', ['colors']),
	project('tones', 'Tones', 'classification', ['tones']),
	project('shapes', 'Shapes', 'object-detection', ['shapes']),
	project('shapes-seg', 'Shape Outlines', 'instance-segmentation', ['shapes-seg']),
	project('shapes-pose', 'Shape Corners', 'keypoint-detection', ['shapes-pose']),
	project('shapes-retrained', 'Shapes Retrained', 'object-detection', [null, 'shapes']),
	project('shapes-untrained', 'Shapes Untrained', 'object-detection', [null]),
	project('shapes-semantic', 'Shape Areas', 'semantic-segmentation', ['trained']),
	project('shape-captions', 'Shape Captions', 'text-image-pairs', ['florence-2']),
];

/** The model id (`slug/version`) of every trained version, with what it is. */
export const TRAINED: Readonly<Record<string, Exclude<Version, null>>> = Object.fromEntries(
	PROJECTS.flatMap(({ slug, versions }) =>
		versions.flatMap((kind, i) => (kind ? [[`${slug}/${i + 1}`, kind]] : [])),
	),
);

/** The v1 host each task's models are served on (`model.endpoint`). */
const HOSTS: Record<ProjectType, string> = {
	classification: 'classify',
	'object-detection': 'detect',
	'instance-segmentation': 'outline',
	'keypoint-detection': 'detect',
	'semantic-segmentation': 'segment',
	'text-image-pairs': 'serverless',
};

/** A project as both management routes describe it: the fields the pickers read. */
const projectEntry = ({ slug, name, type, versions }: ProjectInfo) => ({
	id: `${WORKSPACE}/${slug}`,
	type,
	name,
	versions: versions.length,
});

/** A version of `GET /{workspace}/{project}`, with its `model` when trained. */
function versionEntry({ slug, type }: ProjectInfo, kind: Version, version: number) {
	const id = `${slug}/${version}`;
	const model = { id, endpoint: `https://${HOSTS[type]}.roboflow.com/${id}` };
	return { id: `${WORKSPACE}/${id}`, ...(kind ? { model } : {}) };
}

/** `GET /{workspace}`. */
export const workspaceAnswer = () => ({
	workspace: { name: WORKSPACE, url: WORKSPACE, projects: PROJECTS.map(projectEntry) },
});

/** `GET /{workspace}/{project}`: versions newest first, as Roboflow lists them. */
export const projectAnswer = (project: ProjectInfo) => ({
	project: projectEntry(project),
	versions: project.versions.map((kind, i) => versionEntry(project, kind, i + 1)).reverse(),
});
