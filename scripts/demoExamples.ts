/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the demo runs in Node and drives real n8n, never inside n8n */
/**
 * The demo's tables: each shipped example (examples/*.json) set up on a folder of images and a
 * model, and its run read as a table, a row per item of one node. With the images' right answers
 * known (the local server's models), a cell that differs, or a file not saved, is a mistake.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import type { N8nItem, RunData } from '../test/support/n8n.ts';
import { fileName, nodeOutputs } from '../test/support/n8n.ts';
import type { Workflow, WorkflowNode } from '../test/support/workflows.ts';
import { codeNode, EXAMPLES, example } from '../test/support/workflows.ts';

export interface DemoExample {
	file: string;
	workflow: Workflow;
	/** Folders the workflow reads or writes (allowed to n8n's file nodes). */
	dirs: string[];
	/** The node whose output items are the table's rows, and its columns. */
	node: string;
	columns: Record<string, (item: N8nItem, run: RunData | undefined) => string>;
	note: string;
	/** The right answers: the text the `column`th cell must show, by the row's first cell. */
	right?: { column: number; answers: Map<string, string> };
}

const byName = (workflow: Workflow, name: string) =>
	workflow.nodes.find((n) => n.name === name) as WorkflowNode;
/** A file the workflow should have written: its name, or that it is missing. */
const saved = (file: string) =>
	fs.existsSync(file) ? path.basename(file) : `${path.basename(file)} (not saved)`;
const connect = (workflow: Workflow, from: string, to: WorkflowNode[][]) => {
	workflow.connections[from] = {
		main: to.map((nodes) => nodes.map(({ name }) => ({ node: name, type: 'main', index: 0 }))),
	};
};

/** `name` in `work`, created. */
export function folder(work: string, name: string): string {
	const dir = path.join(work, name);
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

/** A column: the output of `node` the item left by (its file name found there), and its file (`field`) in that output's folder. */
function routedFile(node: string, outputs: Array<[string, string]>, field?: string) {
	return (item: N8nItem, run: RunData | undefined) => {
		const index = nodeOutputs(run, node).findIndex((items) =>
			items.some((other) => fileName(other) === fileName(item)),
		);
		const [taken, dir] = outputs[index] ?? ['-', ''];
		return `${taken}: ${saved(path.join(dir, fileName(item, field)))}`;
	};
}

/** The route example's Switch and Save nodes for `classes` (it has red, green, blue), then `unsure`. */
function withClasses(workflow: Workflow, classes: string[]): void {
	const rules = byName(workflow, EXAMPLES.route.switch).parameters.rules as { values: unknown[] };
	const [rule, save] = [
		JSON.stringify(rules.values[0]),
		JSON.stringify(byName(workflow, 'Save red')),
	];
	const each = (text: string, c: string) =>
		JSON.parse(text.replace(/"red"|(?<=is-|write-|Save |\/)red\b/g, (m) => m.replace('red', c)));
	rules.values = classes.map((c) => each(rule, c));
	const saves = classes.map((c) => each(save, c)).concat(byName(workflow, 'Save unsure'));
	saves.forEach((s, i) => (s.position = [940, -240 + i * 160]));
	workflow.nodes = [...workflow.nodes.filter((n) => !n.name.startsWith('Save ')), ...saves];
	connect(
		workflow,
		EXAMPLES.route.switch,
		saves.map((s) => [s]),
	);
}

/** examples/route-images-by-class.json: classify, then a folder per class. */
export function routeExample(
	work: string,
	images: string,
	model: string,
	classes: string[],
	colours?: Map<string, string>,
): DemoExample {
	const sorted = folder(work, 'sorted');
	const names = [...classes, 'unsure'];
	for (const name of names) folder(sorted, name);
	const workflow = example(EXAMPLES.route.file, 'rf-route-by-class', {
		model,
		folders: { images, sorted },
	});
	if (classes.join() !== 'red,green,blue') withClasses(workflow, classes);
	return {
		file: EXAMPLES.route.file,
		workflow,
		dirs: [images, sorted],
		node: EXAMPLES.route.roboflow,
		columns: {
			image: (item) => fileName(item),
			'top class': (item) => String(item.json.top || '(none)'),
			confidence: (item) => Number(item.json.confidence).toFixed(3),
			'route taken': routedFile(
				EXAMPLES.route.switch,
				names.map((name) => [name, path.join(sorted, name)]),
			),
		},
		note: `Images sorted into ${sorted}/<class>/`,
		right: colours && { column: 1, answers: colours },
	};
}

/** examples/count-objects-and-alert.json: detect, then the annotated picture into alerts/ or ok/. */
export function countExample(
	work: string,
	images: string,
	model: string,
	alertAbove: number,
	counts?: Map<string, string>,
): DemoExample {
	const dirs = { alerts: folder(work, 'alerts'), ok: folder(work, 'ok') };
	const { file, detect, check } = EXAMPLES.count;
	const workflow = example(file, 'rf-count-objects-and-alert', {
		model,
		folders: { images, ...dirs },
	});
	const ifNode = byName(workflow, check).parameters.conditions as {
		conditions: Array<{ rightValue: number }>;
	};
	ifNode.conditions[0].rightValue = alertAbove;
	return {
		file,
		workflow,
		dirs: [images, dirs.alerts, dirs.ok],
		node: detect,
		columns: {
			image: (item) => fileName(item),
			objects: (item) => String(item.json.count),
			class_counts: (item) =>
				Object.entries(item.json.class_counts as object)
					.map((e) => e.join(' '))
					.join(', ') || '-',
			'annotated picture saved': routedFile(check, Object.entries(dirs), 'annotated'),
		},
		note: `Annotated pictures saved into ${dirs.alerts}/ (more than ${alertAbove} objects) and ${dirs.ok}/`,
		right: counts && { column: 1, answers: counts },
	};
}

/** examples/classify-by-text.json: CLIP picks one of the labels, then a folder per label. */
export function classifyByTextExample(
	work: string,
	images: string,
	colours?: Map<string, string>,
): DemoExample {
	const { file, classify, switch: switchNode } = EXAMPLES.classifyByText;
	const sorted = folder(work, 'sorted-by-text');
	const names = ['red', 'green', 'blue'];
	for (const name of names) folder(sorted, name);
	return {
		file,
		workflow: example(file, 'rf-classify-by-text', { folders: { images, sorted } }),
		dirs: [images, sorted],
		node: classify,
		columns: {
			image: (item) => fileName(item),
			'top label': (item) => String(item.json.top),
			confidence: (item) => Number(item.json.confidence).toFixed(3),
			'route taken': routedFile(
				switchNode,
				names.map((name) => [name, path.join(sorted, name)]),
			),
		},
		note: `No trained model: images sorted into ${sorted}/<colour>/ by the best of the labels`,
		right: colours && {
			column: 1,
			answers: new Map([...colours].map(([name, colour]) => [name, `something ${colour}`])),
		},
	};
}

/** examples/find-objects-by-text.json: SAM 3 finds what the prompt says, then alerts/ or ok/. */
export function findByTextExample(
	work: string,
	images: string,
	found?: Map<string, string>,
): DemoExample {
	const { file, find, check, prompt } = EXAMPLES.findByText;
	const dirs = { alerts: folder(work, 'text-alerts'), ok: folder(work, 'text-ok') };
	return {
		file,
		workflow: example(file, 'rf-find-objects-by-text', { folders: { images, ...dirs } }),
		dirs: [images, dirs.alerts, dirs.ok],
		node: find,
		columns: {
			image: (item) => fileName(item),
			[`"${prompt}" found`]: (item) =>
				String((item.json.class_counts as Record<string, number>)[prompt]),
			'best confidence': (item) => Number(item.json.confidence ?? 0).toFixed(2),
			'image saved': routedFile(check, Object.entries(dirs)),
		},
		note: `No trained model: images with a ${prompt} saved into ${dirs.alerts}/, the others into ${dirs.ok}/`,
		right: found && { column: 1, answers: found },
	};
}

/** A Code node making one item per picture a Workflow returned (any output name), each written out. */
function everyImage(workflow: Workflow, output: string): void {
	const save = byName(workflow, 'Save output image');
	const split = codeNode(
		'One item per output image',
		'return $input.all().flatMap((item, index) => Object.entries(item.binary ?? {})\n' +
			"\t.filter(([field]) => field !== 'data')\n" +
			'\t.map(([field, image]) => ({ json: { source: item.binary?.data?.fileName ?? `item-${index}`, field }, binary: { image }, pairedItem: { item: index } })));',
		{ position: [660, 0] },
	);
	const target = `=${output}/{{ $json.source.replace(/\\.[^.]*$/, '') }}-{{ $binary.image.fileName }}`;
	Object.assign(save, {
		position: [880, 0],
		parameters: { ...save.parameters, dataPropertyName: 'image', fileName: target },
	});
	workflow.nodes.push(split);
	connect(workflow, EXAMPLES.workflow.run, [[split]]);
	connect(workflow, split.name, [[save]]);
}

/**
 * examples/run-workflow.json: Run Workflow, then its picture written out. Another Workflow
 * (`parameters` of the node given): every picture it returns, whatever their output names.
 */
export function workflowExample(
	work: string,
	images: string,
	parameters?: Record<string, unknown>,
	counts?: Map<string, string>,
): DemoExample {
	const output = folder(work, 'workflow-output');
	const workflow = example(EXAMPLES.workflow.file, 'rf-run-workflow', {
		folders: { images, 'workflow-output': output },
	});
	const node = byName(workflow, EXAMPLES.workflow.run);
	if (parameters) {
		node.parameters = { ...node.parameters, ...parameters };
		everyImage(workflow, output);
	}
	const { workspace, workflowId } = node.parameters as {
		workspace: string;
		workflowId: { value: string };
	};
	const pictures = (item: N8nItem) =>
		Object.keys(item.binary ?? {}).filter((field) => field !== 'data');
	const stem = (item: N8nItem) => fileName(item).replace(/\.[^.]*$/, '');
	return {
		file: EXAMPLES.workflow.file,
		workflow,
		dirs: [images, output],
		node: EXAMPLES.workflow.run,
		columns: {
			image: (item) => fileName(item),
			count_objects: (item) => String(item.json.count_objects ?? '-'),
			'output image written': (item) =>
				pictures(item)
					.map((field) => saved(path.join(output, `${stem(item)}-${fileName(item, field)}`)))
					.join(', ') || '(no image returned)',
		},
		note: `Workflow "${workspace ? `${workspace}/` : ''}${workflowId.value}"; its images saved into ${output}/`,
		right: counts && { column: 1, answers: counts },
	};
}

/**
 * examples/active-learning.json: detect, then the unsure images sent to `project` with the
 * prediction attached; with the local `server`, what the project received is read back from it.
 */
export function activeLearningExample(
	images: string,
	model: string,
	project: string,
	server?: RoboflowServer,
	sentBack?: Map<string, string>,
): DemoExample {
	const { file, detect, upload, unsureBelow } = EXAMPLES.activeLearning;
	const sent = (item: N8nItem, run: RunData | undefined) =>
		nodeOutputs(run, upload)[0]?.find((other) => fileName(other) === fileName(item))?.json;
	const arrived = (item: N8nItem, run: RunData | undefined) => {
		const uploaded = sent(item, run);
		if (!uploaded || !server) return uploaded ? 'not read back (Roboflow)' : '-';
		const image = server.received(project).images.find((entry) => entry.id === uploaded.image_id);
		const annotation = image?.annotation?.prediction
			? `${image.annotation.name} (prediction)`
			: 'no annotation';
		return image ? `${image.tags.join(', ')}; ${annotation}` : 'MISSING';
	};
	return {
		file,
		workflow: example(file, 'rf-active-learning', { model, project, folders: { images } }),
		dirs: [images],
		node: detect,
		columns: {
			image: (item) => fileName(item),
			objects: (item) => String(item.json.count),
			'best confidence': (item) => Number(item.json.confidence).toFixed(2),
			'sent back': (item, run) => (sent(item, run) ? 'yes' : 'no'),
			image_id: (item, run) => String(sent(item, run)?.image_id ?? '-'),
			annotation_status: (item, run) => String(sent(item, run)?.annotation_status ?? '-'),
			'in the project (read back)': arrived,
		},
		note: `Images with no object or a best confidence under ${unsureBelow} uploaded to project "${project}" with the prediction for review`,
		right: sentBack && { column: 3, answers: sentBack },
	};
}
