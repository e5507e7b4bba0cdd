/**
 * The workspace behind the management API (api.roboflow.com, docs/roboflow-api.md §7): its
 * projects and versions, and the answers of `GET /{workspace}` and `GET /{workspace}/{project}`.
 * A version served as a model kind answers on the model route as `{slug}/{version}`, so a model
 * a picker lists works. Counts, dates and metrics are made-up fixed values.
 */
import { COLOURS, SHAPE_CLASSES } from '../images/index.ts';
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
	classes: readonly string[];
	/** Oldest first: version 1, 2, ... */
	versions: Version[];
	multilabel?: true;
}

const project = (
	slug: string,
	name: string,
	type: ProjectType,
	classes: readonly string[],
	versions: Version[],
	multilabel?: true,
): ProjectInfo => ({ slug, name, type, classes, versions, multilabel });

/**
 * One project per task of the model route, and what pickers must handle: a project whose older
 * version has no model, one never trained, a task the model route does not serve.
 */
export const PROJECTS: readonly ProjectInfo[] = [
	project('colors', 'Colors', 'classification', ['red', 'green', 'blue'], ['colors']),
	project('tones', 'Tones', 'classification', ['bright', 'dark', 'colourful'], ['tones'], true),
	project('shapes', 'Shapes', 'object-detection', SHAPE_CLASSES, ['shapes']),
	project('shapes-seg', 'Shape Outlines', 'instance-segmentation', SHAPE_CLASSES, ['shapes-seg']),
	project('shapes-pose', 'Shape Corners', 'keypoint-detection', SHAPE_CLASSES, ['shapes-pose']),
	project('shapes-retrained', 'Shapes Retrained', 'object-detection', SHAPE_CLASSES, [
		null,
		'shapes',
	]),
	project('shapes-untrained', 'Shapes Untrained', 'object-detection', SHAPE_CLASSES, [null]),
	project(
		'shapes-semantic',
		'Shape Areas',
		'semantic-segmentation',
		['background', 'shape'],
		['trained'],
	),
	project('shape-captions', 'Shape Captions', 'text-image-pairs', [], ['florence-2']),
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

const CREATED = 1_767_225_600.123; // 2026-01-01
const DAY = 86_400;
const splits = (images: number) => ({
	train: Math.round(images * 0.7),
	test: Math.round(images * 0.1),
	valid: Math.round(images * 0.2),
});
const colour = (name: string) => {
	const rgb: readonly number[] = COLOURS[name as keyof typeof COLOURS] ?? [134, 34, 255];
	return `#${rgb
		.map((c) => c.toString(16).padStart(2, '0'))
		.join('')
		.toUpperCase()}`;
};

/** A project as both management routes describe it. */
function projectEntry(
	{ slug, name, type, classes, versions, multilabel }: ProjectInfo,
	index: number,
) {
	const images = 100 + 10 * index;
	return {
		id: `${WORKSPACE}/${slug}`,
		type,
		name,
		created: CREATED + index * DAY,
		updated: CREATED + (index + 30) * DAY,
		images,
		unannotated: index % 3,
		annotation: slug,
		versions: versions.length,
		public: false,
		splits: splits(images),
		colors: Object.fromEntries(classes.map((each) => [each, colour(each)])),
		classes: Object.fromEntries(classes.map((each, i) => [each, 40 + i])),
		...(multilabel ? { multilabel } : {}),
	};
}

/** A version of `GET /{workspace}/{project}`, with its `model` when trained. */
function versionEntry({ slug, type }: ProjectInfo, kind: Version, version: number) {
	const created = CREATED + version * DAY;
	const id = `${slug}/${version}`;
	const model = {
		id,
		endpoint: `https://${HOSTS[type]}.roboflow.com/${id}`,
		start: created + 600,
		end: created + 4200,
		fromScratch: false,
		map: '95.2',
		recall: '93.8',
		precision: '96.1',
	};
	return {
		id: `${WORKSPACE}/${id}`,
		name: version === 1 ? 'raw' : 'augmented-640x640',
		created,
		images: 100,
		splits: splits(100),
		preprocessing: { 'auto-orient': { enabled: true } },
		augmentation: {},
		exports: [],
		...(kind ? { model } : {}),
	};
}

const summary = { name: WORKSPACE, url: WORKSPACE, members: 1 };

/** `GET /{workspace}`. */
export const workspaceAnswer = () => ({
	workspace: { ...summary, projects: PROJECTS.map(projectEntry) },
});

/** `GET /{workspace}/{project}`: versions newest first, as Roboflow lists them. */
export const projectAnswer = (project: ProjectInfo) => ({
	workspace: summary,
	project: projectEntry(project, PROJECTS.indexOf(project)),
	versions: project.versions.map((kind, i) => versionEntry(project, kind, i + 1)).reverse(),
});
