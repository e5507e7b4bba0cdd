/**
 * The workspace behind the management API (api.roboflow.com, docs/roboflow-api.md §7): its
 * projects and versions, and the answers of `GET /{workspace}` and `GET /{workspace}/{project}`.
 * A version with a model kind answers on the model route as `{slug}/{version}`, so a model a
 * picker lists works. Counts, dates and metrics are made-up fixed values.
 */
import { COLOURS, SHAPE_CLASSES } from '../images/index.ts';
import type { ModelKind } from './models.ts';

export const WORKSPACE = 'local-workspace';

export type ProjectType =
	| 'classification'
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'semantic-segmentation';

export interface VersionInfo {
	version: number;
	name: string;
	/** How `{slug}/{version}` answers on the model route; none = not served (404). */
	kind?: ModelKind;
	/** Trained, whether or not the model route serves it (semantic segmentation is not). */
	trained: boolean;
}

export interface ProjectInfo {
	slug: string;
	name: string;
	type: ProjectType;
	multilabel?: boolean;
	/** Class name -> number of annotations. */
	classes: Record<string, number>;
	images: number;
	versions: VersionInfo[];
}

const shapes = Object.fromEntries(SHAPE_CLASSES.map((name, i) => [name, 50 + i]));
const served = (kind: ModelKind, version = 1): VersionInfo => ({
	version,
	name: 'raw',
	kind,
	trained: true,
});

/**
 * One project per task of the model route, and what pickers must handle: a project whose older
 * version has no model, one never trained, a task the model route does not serve.
 */
export const PROJECTS: readonly ProjectInfo[] = [
	{
		slug: 'colors',
		name: 'Colors',
		type: 'classification',
		classes: { red: 48, green: 52, blue: 50 },
		images: 150,
		versions: [served('colors')],
	},
	{
		slug: 'tones',
		name: 'Tones',
		type: 'classification',
		multilabel: true,
		classes: { bright: 70, dark: 66, colourful: 81 },
		images: 120,
		versions: [served('tones')],
	},
	{
		slug: 'shapes',
		name: 'Shapes',
		type: 'object-detection',
		classes: shapes,
		images: 200,
		versions: [served('shapes')],
	},
	{
		slug: 'shapes-seg',
		name: 'Shape Outlines',
		type: 'instance-segmentation',
		classes: shapes,
		images: 180,
		versions: [served('shapes-seg')],
	},
	{
		slug: 'shapes-pose',
		name: 'Shape Corners',
		type: 'keypoint-detection',
		classes: shapes,
		images: 90,
		versions: [served('shapes-pose')],
	},
	{
		slug: 'shapes-retrained',
		name: 'Shapes Retrained',
		type: 'object-detection',
		classes: shapes,
		images: 240,
		versions: [
			{ version: 1, name: 'raw', trained: false },
			{ ...served('shapes', 2), name: 'augmented-640x640' },
		],
	},
	{
		slug: 'shapes-untrained',
		name: 'Shapes Untrained',
		type: 'object-detection',
		classes: shapes,
		images: 40,
		versions: [{ version: 1, name: 'raw', trained: false }],
	},
	{
		slug: 'shapes-semantic',
		name: 'Shape Areas',
		type: 'semantic-segmentation',
		classes: { background: 80, shape: 80 },
		images: 80,
		versions: [{ version: 1, name: 'raw', trained: true }],
	},
];

/** Model ids (`slug/version`) the model route serves, and their kinds. */
export const TRAINED_MODELS: Readonly<Record<string, ModelKind>> = Object.fromEntries(
	PROJECTS.flatMap((project) =>
		project.versions.flatMap((v) => (v.kind ? [[`${project.slug}/${v.version}`, v.kind]] : [])),
	),
);

/** The v1 host each task's models are served on (`model.endpoint`). */
const ENDPOINTS: Record<ProjectType, string> = {
	classification: 'https://classify.roboflow.com',
	'object-detection': 'https://detect.roboflow.com',
	'instance-segmentation': 'https://outline.roboflow.com',
	'keypoint-detection': 'https://detect.roboflow.com',
	'semantic-segmentation': 'https://segment.roboflow.com',
};

const CREATED = 1_767_225_600.123; // 2026-01-01
const DAY = 86_400;
const splits = (images: number) => {
	const [train, valid] = [Math.round(images * 0.7), Math.round(images * 0.2)];
	return { train, test: images - train - valid, valid };
};
const hex = (rgb: readonly number[]) =>
	`#${rgb
		.map((c) => c.toString(16).padStart(2, '0'))
		.join('')
		.toUpperCase()}`;

/** A project as both management routes describe it. */
function projectEntry(project: ProjectInfo, index: number) {
	return {
		id: `${WORKSPACE}/${project.slug}`,
		type: project.type,
		name: project.name,
		created: CREATED + index * DAY,
		updated: CREATED + (index + 30) * DAY,
		images: project.images,
		unannotated: index % 3,
		annotation: project.slug,
		versions: project.versions.length,
		public: false,
		splits: splits(project.images),
		colors: Object.fromEntries(
			Object.keys(project.classes).map((name) => [
				name,
				name in COLOURS ? hex(COLOURS[name as keyof typeof COLOURS]) : '#8622FF',
			]),
		),
		classes: { ...project.classes },
		...(project.multilabel ? { multilabel: true } : {}),
	};
}

function versionEntry(project: ProjectInfo, version: VersionInfo, index: number) {
	const created = CREATED + (index + version.version) * DAY;
	const modelId = `${project.slug}/${version.version}`;
	const model = {
		id: modelId,
		endpoint: `${ENDPOINTS[project.type]}/${modelId}`,
		start: created + 600,
		end: created + 4200,
		fromScratch: false,
		map: '95.2',
		recall: '93.8',
		precision: '96.1',
	};
	return {
		id: `${WORKSPACE}/${modelId}`,
		name: version.name,
		created,
		images: project.images,
		splits: splits(project.images),
		preprocessing: { 'auto-orient': { enabled: true } },
		augmentation: {},
		exports: [],
		...(version.trained ? { model } : {}),
	};
}

const summary = { name: WORKSPACE, url: WORKSPACE, members: 1 };

/** `GET /{workspace}`. */
export const workspaceAnswer = () => ({
	workspace: { ...summary, projects: PROJECTS.map(projectEntry) },
});

/** `GET /{workspace}/{project}`: versions newest first, as Roboflow lists them. */
export function projectAnswer(project: ProjectInfo) {
	const index = PROJECTS.indexOf(project);
	const versions = [...project.versions]
		.reverse()
		.map((version) => versionEntry(project, version, index));
	return { workspace: summary, project: projectEntry(project, index), versions };
}
