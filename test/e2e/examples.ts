/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * The shipped examples (examples/*.json) run with `n8n execute` as a user imports them, only their
 * folders, model IDs and credential filled in: the packed package loads, reads n8n's binary
 * store, and its outputs drive n8n's own nodes (Switch, If, Write Files). Then the first example
 * again with a wrong key: the run fails with Roboflow's refusal in words, the key nowhere. The
 * two foundation-model examples, and Read Text and Describe Image in one small workflow.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { decodeImage } from '../../tools/roboflow-server/index.ts';
import type { SceneSample } from '../support/images.ts';
import { GATE_SCENES, SHAPE_SCENES, writeColourSamples, writeScenes } from '../support/images.ts';
import type { N8nItem } from '../support/n8n.ts';
import { fileName, nodeOutputs } from '../support/n8n.ts';
import {
	EXAMPLES,
	example,
	linear,
	readFiles,
	roboflowNode,
	trigger,
} from '../support/workflows.ts';
import type { E2eCase, World } from '../support/world.ts';
import { budget, WRONG_CREDENTIAL, WRONG_KEY } from '../support/world.ts';

const stem = (name: string) => name.replace(/\.[^.]*$/, '');
const sorted = (names: string[]) => [...names].sort();

/** A file the workflow wrote: a JPEG of `size`. */
function assertJpeg(file: string, size: { width: number; height: number }): void {
	const bytes = fs.readFileSync(file);
	assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], `${file}: not a JPEG`);
	const { width, height } = decodeImage(bytes);
	assert.deepEqual({ width, height }, { width: size.width, height: size.height }, file);
}

/** Each item's scene, by its file name. */
function byScene(items: N8nItem[], scenes: SceneSample[]): Array<[N8nItem, SceneSample]> {
	assert.deepEqual(sorted(items.map((item) => fileName(item))), sorted(scenes.map((s) => s.name)));
	return items.map((item) => [item, scenes.find((s) => s.name === fileName(item)) as SceneSample]);
}

let dirs: Record<string, string> = {};
let colours: Array<{ name: string; colour: string }> = [];
let shapes: SceneSample[] = [];
let gate: SceneSample[] = [];

export const examplesCase: E2eCase = {
	name: 'the example workflows',

	workflows(world: World) {
		const names = [
			...['colours', 'sorted', 'shapes', 'alerts', 'ok', 'workflow-output', 'gate'],
			...['text-sorted', 'text-alerts', 'text-ok'],
		];
		dirs = Object.fromEntries(names.map((name) => [name, world.dir(name)]));
		colours = writeColourSamples(dirs.colours);
		shapes = writeScenes(dirs.shapes, SHAPE_SCENES);
		gate = writeScenes(dirs.gate, GATE_SCENES);
		for (const name of ['red', 'green', 'blue', 'unsure'])
			for (const sorted of [dirs.sorted, dirs['text-sorted']])
				fs.mkdirSync(path.join(sorted, name));
		const { route, count, workflow, activeLearning, classifyByText, findByText } = EXAMPLES;
		const routeFill = { folders: { images: dirs.colours, sorted: dirs.sorted }, model: 'colors/1' };
		const shapesFill = { model: 'shapes/1', project: 'shapes', folders: { images: dirs.shapes } };
		return [
			example(route.file, 'e2eRoute', routeFill),
			example(route.file, 'e2eWrongKey', { ...routeFill, credential: WRONG_CREDENTIAL.id }),
			example(count.file, 'e2eCount', {
				...shapesFill,
				folders: { ...shapesFill.folders, alerts: dirs.alerts, ok: dirs.ok },
			}),
			example(workflow.file, 'e2eRunWorkflow', {
				folders: { ...shapesFill.folders, 'workflow-output': dirs['workflow-output'] },
			}),
			example(activeLearning.file, 'e2eActiveLearning', {
				...shapesFill,
				folders: { images: dirs.gate },
			}),
			example(classifyByText.file, 'e2eClassifyByText', {
				folders: { images: dirs.colours, sorted: dirs['text-sorted'] },
			}),
			example(findByText.file, 'e2eFindByText', {
				folders: { images: dirs.shapes, alerts: dirs['text-alerts'], ok: dirs['text-ok'] },
			}),
			linear('e2eReadAndDescribe', 'Read Text, then Describe Image', [
				trigger,
				readFiles(path.join(dirs.shapes, 'busy.png')),
				{ ...roboflowNode({ operation: 'readText' }), id: 'read-text', name: 'Read text' },
				{ ...roboflowNode({ operation: 'describe' }), id: 'describe', name: 'Describe' },
			]),
		];
	},

	tests(world: World) {
		test(
			'route-images-by-class: each image on its class output and saved byte for byte; the plain-string model ID read',
			budget({ executions: 1 }),
			async () => {
				const run = await world.run('e2eRoute');
				const outputs = nodeOutputs(run, EXAMPLES.route.switch).map((items) =>
					sorted(items.map((item) => fileName(item))),
				);
				const expected = ['red', 'green', 'blue'].map((c) =>
					sorted(colours.filter((s) => s.colour === c).map((s) => s.name)),
				);
				assert.deepEqual(outputs, [...expected, []]);
				for (const { name, colour } of colours) {
					const saved = fs.readFileSync(path.join(dirs.sorted, colour, name));
					assert.ok(
						saved.equals(fs.readFileSync(path.join(dirs.colours, name))),
						`${name} was not saved byte for byte`,
					);
				}
				const classified = nodeOutputs(run, EXAMPLES.route.roboflow)[0];
				assert.deepEqual(
					classified.map((item) => [item.json.model_id, item.pairedItem]),
					colours.map((_, i) => ['colors/1', { item: i }]),
				);
			},
		);

		test(
			'count-objects-and-alert: the objects per image, the annotated JPEG of its size saved into alerts/ or ok/',
			budget({ executions: 1 }),
			async () => {
				const run = await world.run('e2eCount');
				for (const [item, shape] of byScene(nodeOutputs(run, EXAMPLES.count.detect)[0], shapes)) {
					assert.deepEqual(
						[item.json.count, item.json.class_counts],
						[shape.count, shape.counts],
						shape.name,
					);
					assert.equal(fileName(item, 'annotated'), `${stem(shape.name)}-annotated.jpg`);
					assert.doesNotMatch(JSON.stringify(item.json), /\/9j\//, 'a base64 JPEG is in the JSON');
					const folder = shape.count > EXAMPLES.count.alertAbove ? dirs.alerts : dirs.ok;
					assertJpeg(path.join(folder, `${stem(shape.name)}-annotated.jpg`), shape);
				}
			},
		);

		test(
			"run-workflow: count_objects per image, the Workflow's output_image a JPEG of its size written out",
			budget({ executions: 1 }),
			async () => {
				const run = await world.run('e2eRunWorkflow');
				for (const [item, shape] of byScene(nodeOutputs(run, EXAMPLES.workflow.run)[0], shapes)) {
					assert.equal(item.json.count_objects, shape.count, shape.name);
					assert.deepEqual(item.json.output_image, {
						type: 'binary',
						binary_field: 'output_image',
					});
					assert.doesNotMatch(
						JSON.stringify(item.json),
						/\/9j\/|base64/,
						'a base64 image is in the JSON',
					);
					assertJpeg(
						path.join(dirs['workflow-output'], `${stem(shape.name)}-output_image.jpg`),
						shape,
					);
				}
			},
		);

		test(
			'active-learning: the unsure images reach the project, tagged, with the prediction attached',
			budget({ executions: 1 }),
			async () => {
				const { unsureBelow, tag, upload } = EXAMPLES.activeLearning;
				const run = await world.run('e2eActiveLearning');
				const unsure = gate.filter((s) => s.count === 0 || s.confidence < unsureBelow);
				assert.ok(unsure.length >= 2 && unsure.length < gate.length);
				const received = world.server.received('shapes').images;
				for (const [item, sample] of byScene(nodeOutputs(run, upload)[0], unsure)) {
					const image = received.find((entry) => entry.id === item.json.image_id);
					assert.ok(image, `${sample.name}: not in the project`);
					assert.deepEqual(image.tags, [tag]);
					// The example links the upload to its prediction by an expression.
					assert.ok(item.json.inference_id);
					assert.equal(image.inferenceId, item.json.inference_id);
					assert.equal(image.annotation?.prediction ?? false, sample.count > 0, sample.name);
					assert.equal(
						item.json.annotation_status,
						sample.count > 0 ? 'attached' : 'nothing to attach',
					);
				}
			},
		);

		test(
			'classify-by-text: with no trained model, each image on the output of its colour and saved there',
			budget({ executions: 1 }),
			async () => {
				const { switch: switchNode, classify } = EXAMPLES.classifyByText;
				const run = await world.run('e2eClassifyByText');
				const outputs = nodeOutputs(run, switchNode).map((items) =>
					sorted(items.map((item) => fileName(item))),
				);
				const expected = ['red', 'green', 'blue'].map((c) =>
					sorted(colours.filter((s) => s.colour === c).map((s) => s.name)),
				);
				assert.deepEqual(outputs, expected);
				for (const item of nodeOutputs(run, classify)[0])
					assert.ok(Number(item.json.confidence) > 0.9, JSON.stringify(item.json));
				for (const { name, colour } of colours)
					assert.ok(fs.existsSync(path.join(dirs['text-sorted'], colour, name)), name);
			},
		);

		test(
			"find-objects-by-text: the prompt's count per image decides alerts/ or ok/",
			budget({ executions: 1 }),
			async () => {
				const { find, prompt } = EXAMPLES.findByText;
				const run = await world.run('e2eFindByText');
				for (const [item, shape] of byScene(nodeOutputs(run, find)[0], shapes)) {
					const red = shape.counts.red ?? 0;
					assert.deepEqual(item.json.class_counts, { [prompt]: red }, shape.name);
					const folder = red > 0 ? dirs['text-alerts'] : dirs['text-ok'];
					assert.ok(fs.existsSync(path.join(folder, shape.name)), shape.name);
				}
			},
		);

		test(
			'Read Text and Describe Image: the text read and the caption of the image',
			budget({ executions: 1 }),
			async () => {
				const run = await world.run('e2eReadAndDescribe');
				const [read, described] = ['Read text', 'Describe'].map(
					(name) => nodeOutputs(run, name)[0][0].json.text,
				);
				assert.equal(read, 'red green magenta\nblue');
				assert.equal(
					described,
					'A red rectangle, a green rectangle, a magenta rectangle and a blue rectangle on a white background.',
				);
			},
		);

		test(
			"a wrong key fails the run with Roboflow's refusal in words, the key nowhere in n8n's output",
			budget({ executions: 1 }),
			async () => {
				const { ok, output } = await world.execute('e2eWrongKey');
				assert.equal(ok, false);
				assert.match(output, /Roboflow rejected the API key/);
				assert.ok(!output.includes(WRONG_KEY), "the wrong key appears in n8n's output");
			},
		);
	},
};
