/**
 * The workspace behind the management API (api.roboflow.com, docs/roboflow-api.md §7): its projects, their
 * versions and which versions have a trained model, plus the answers of
 * `GET /{workspace}` and `GET /{workspace}/{project}`.
 *
 * Project slugs are the model route's project names: a version with a model answers on the
 * model route as `{slug}/{version}` (`workspaceModels`), so a model listed by a picker works.
 * `PROJECTS` (below) is the default workspace; `options.models` entries of the server add their
 * project (type from the model kind) or version when the table lacks it.
 *
 * Field values not used by clients (image counts, dates, metrics) are fixed, made-up numbers.
 * Metric formats (`map`, `recall`, `precision` as percentage strings) are unverified.
 */
import { COLOURS, SHAPE_CLASSES } from '../images/index.ts';
import type { ModelKindName } from './models.ts';
import { MODEL_KINDS } from './models.ts';

/** Roboflow's project types as the management API reports them (docs/roboflow-api.md §7). */
export type ProjectType =
	| 'classification'
	| 'object-detection'
	| 'instance-segmentation'
	| 'keypoint-detection'
	| 'semantic-segmentation';

export interface VersionInfo {
	version: number;
	name: string;
	images: number;
	/** The version has a trained model (`model` in its management entry). */
	trained: boolean;
	/** How `{slug}/{version}` answers on the model route; none = 404 there (e.g. semantic segmentation). */
	kind?: ModelKindName;
}

export interface ProjectInfo {
	slug: string;
	name: string;
	type: ProjectType;
	multilabel?: boolean;
	annotation: string;
	/** Class name -> number of annotations. */
	classes: Record<string, number>;
	images: number;
	unannotated: number;
	/** Oldest first. */
	versions: VersionInfo[];
}

const SHAPE_COUNTS = [61, 58, 64, 55, 49, 52];
const shapeClasses = (): Record<string, number> =>
	Object.fromEntries(SHAPE_CLASSES.map((name, i) => [name, SHAPE_COUNTS[i]]));

/**
 * The default workspace: one project per task of the model route, plus the cases pickers must
 * handle (a project without a trained version, one whose older version has no model, a task no
 * model operation serves).
 */
export const PROJECTS: readonly ProjectInfo[] = [
	{
		slug: 'colors',
		name: 'Colors',
		type: 'classification',
		annotation: 'colours',
		classes: { red: 48, green: 52, blue: 50 },
		images: 150,
		unannotated: 0,
		versions: [{ version: 1, name: 'raw', images: 150, trained: true, kind: 'colors' }],
	},
	{
		slug: 'tones',
		name: 'Tones',
		type: 'classification',
		multilabel: true,
		annotation: 'tones',
		classes: { bright: 70, dark: 66, colourful: 81 },
		images: 120,
		unannotated: 4,
		versions: [{ version: 1, name: 'raw', images: 116, trained: true, kind: 'tones' }],
	},
	{
		slug: 'shapes',
		name: 'Shapes',
		type: 'object-detection',
		annotation: 'shapes',
		classes: shapeClasses(),
		images: 200,
		unannotated: 3,
		versions: [{ version: 1, name: 'raw', images: 197, trained: true, kind: 'shapes' }],
	},
	{
		slug: 'shapes-seg',
		name: 'Shape Outlines',
		type: 'instance-segmentation',
		annotation: 'shapes',
		classes: shapeClasses(),
		images: 180,
		unannotated: 0,
		versions: [{ version: 1, name: 'raw', images: 180, trained: true, kind: 'shapes-seg' }],
	},
	{
		slug: 'shapes-pose',
		name: 'Shape Corners',
		type: 'keypoint-detection',
		annotation: 'shapes',
		classes: shapeClasses(),
		images: 90,
		unannotated: 0,
		versions: [{ version: 1, name: 'raw', images: 90, trained: true, kind: 'shapes-pose' }],
	},
	{
		slug: 'shapes-retrained',
		name: 'Shapes Retrained',
		type: 'object-detection',
		annotation: 'shapes',
		classes: shapeClasses(),
		images: 240,
		unannotated: 0,
		versions: [
			{ version: 1, name: 'raw', images: 200, trained: false },
			{ version: 2, name: 'augmented-640x640', images: 480, trained: true, kind: 'shapes' },
		],
	},
	{
		slug: 'shapes-untrained',
		name: 'Shapes Untrained',
		type: 'object-detection',
		annotation: 'shapes',
		classes: shapeClasses(),
		images: 40,
		unannotated: 12,
		versions: [{ version: 1, name: 'raw', images: 28, trained: false }],
	},
	{
		slug: 'shapes-semantic',
		name: 'Shape Areas',
		type: 'semantic-segmentation',
		annotation: 'areas',
		classes: { background: 80, shape: 80 },
		images: 80,
		unannotated: 0,
		versions: [{ version: 1, name: 'raw', images: 80, trained: true }],
	},
];

const projectTypeOf = (kind: ModelKindName): { type: ProjectType; multilabel?: boolean } => {
	const info = MODEL_KINDS[kind];
	return info.multiLabel ? { type: info.task, multilabel: true } : { type: info.task };
};

/** `PROJECTS` plus a project or version for each extra model (`options.models`) it lacks. */
export function buildProjects(extraModels: Readonly<Record<string, ModelKindName>>): ProjectInfo[] {
	const projects = PROJECTS.map((project) => ({
		...project,
		versions: project.versions.map((version) => ({ ...version })),
	}));
	for (const [id, kind] of Object.entries(extraModels)) {
		const slash = id.lastIndexOf('/');
		const slug = id.slice(0, slash);
		const version = Number(id.slice(slash + 1));
		// Only ids shaped like the management API's (`project/N`) can be listed.
		if (slash <= 0 || !/^[1-9][0-9]*$/.test(id.slice(slash + 1)) || slug.includes('/')) continue;
		let project = projects.find((p) => p.slug === slug);
		if (!project) {
			project = {
				slug,
				name: slug,
				...projectTypeOf(kind),
				annotation: slug,
				classes: Object.fromEntries(MODEL_KINDS[kind].classes.map((name) => [name, 10])),
				images: 10,
				unannotated: 0,
				versions: [],
			};
			projects.push(project);
		}
		const existing = project.versions.find((v) => v.version === version);
		if (existing) Object.assign(existing, { trained: true, kind });
		else project.versions.push({ version, name: `v${version}`, images: 10, trained: true, kind });
		project.versions.sort((a, b) => a.version - b.version);
	}
	return projects;
}

/** Model ids (`slug/version`) the workspace's trained versions serve on the model route. */
export function workspaceModels(projects: readonly ProjectInfo[]): Record<string, ModelKindName> {
	const models: Record<string, ModelKindName> = {};
	for (const project of projects)
		for (const version of project.versions)
			if (version.trained && version.kind)
				models[`${project.slug}/${version.version}`] = version.kind;
	return models;
}

const hex = (rgb: readonly number[]) =>
	`#${rgb.map((c) => c.toString(16).padStart(2, '0').toUpperCase()).join('')}`;
const OTHER_COLOURS = ['#8622FF', '#FE0056', '#00FFCE', '#FF8000', '#00B7EB', '#FFFF00'];

/** The v1 host a task's models are served on (`model.endpoint`). */
const ENDPOINT_HOSTS: Record<ProjectType, string> = {
	classification: 'https://classify.roboflow.com',
	'object-detection': 'https://detect.roboflow.com',
	'instance-segmentation': 'https://outline.roboflow.com',
	'keypoint-detection': 'https://detect.roboflow.com',
	'semantic-segmentation': 'https://segment.roboflow.com',
};

const CREATED = 1_767_225_600.123; // 2026-01-01
const DAY = 86_400;

/** A project as `GET /{workspace}` and `GET /{workspace}/{project}` describe it. */
export function projectEntry(workspace: string, project: ProjectInfo, index: number) {
	const train = Math.round(project.images * 0.7);
	const valid = Math.round(project.images * 0.2);
	return {
		id: `${workspace}/${project.slug}`,
		type: project.type,
		name: project.name,
		created: CREATED + index * DAY,
		updated: CREATED + (index + 30) * DAY,
		images: project.images,
		unannotated: project.unannotated,
		annotation: project.annotation,
		versions: project.versions.length,
		public: false,
		splits: { train, test: project.images - train - valid, valid },
		colors: Object.fromEntries(
			Object.keys(project.classes).map((name, i) => [
				name,
				name in COLOURS ? hex(COLOURS[name as keyof typeof COLOURS]) : OTHER_COLOURS[i % 6],
			]),
		),
		classes: { ...project.classes },
		...(project.multilabel ? { multilabel: true } : {}),
	};
}

/** A version entry of `GET /{workspace}/{project}`; `model` only when trained. */
export function versionEntry(
	workspace: string,
	project: ProjectInfo,
	version: VersionInfo,
	index: number,
) {
	const created = CREATED + (index + version.version) * DAY;
	const train = Math.round(version.images * 0.7);
	const valid = Math.round(version.images * 0.2);
	const modelId = `${project.slug}/${version.version}`;
	return {
		id: `${workspace}/${project.slug}/${version.version}`,
		name: version.name,
		created,
		images: version.images,
		splits: { train, test: version.images - train - valid, valid },
		preprocessing: { 'auto-orient': { enabled: true } },
		augmentation: {},
		exports: [],
		...(version.trained
			? {
					model: {
						id: modelId,
						endpoint: `${ENDPOINT_HOSTS[project.type]}/${modelId}`,
						start: created + 600,
						end: created + 4200,
						fromScratch: false,
						map: '95.2',
						recall: '93.8',
						precision: '96.1',
					},
				}
			: {}),
	};
}

export interface WorkspaceSummary {
	name: string;
	url: string;
	members: number;
}

export const workspaceSummary = (workspace: string): WorkspaceSummary => ({
	name: workspace,
	url: workspace,
	members: 1,
});

/** `GET /{workspace}`. */
export function workspaceAnswer(workspace: string, projects: readonly ProjectInfo[]) {
	return {
		workspace: {
			...workspaceSummary(workspace),
			projects: projects.map((project, i) => projectEntry(workspace, project, i)),
		},
	};
}

/** `GET /{workspace}/{project}`: versions newest first, as Roboflow lists them. */
export function projectAnswer(
	workspace: string,
	projects: readonly ProjectInfo[],
	project: ProjectInfo,
) {
	const index = projects.indexOf(project);
	return {
		workspace: workspaceSummary(workspace),
		project: projectEntry(workspace, project, index),
		versions: [...project.versions]
			.sort((a, b) => b.version - a.version)
			.map((version) => versionEntry(workspace, project, version, index)),
	};
}
