/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * Upload Image to Project in real n8n: the active-learning example (Detect Objects upstream, an
 * If on the best confidence, the prediction attached for review), a custom annotation file, the
 * same image again (a duplicate), the URL form, an unknown project, and the project picker
 * through the editor's REST API. What the project received is read back from the local server.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { COLOURS, makePng } from '../../../tools/roboflow-server/index.ts';
import type { ActiveLearningSample } from '../../support/images.ts';
import { shapeCell, shapeImage, writeActiveLearningImages } from '../../support/images.ts';
import type { N8nItem } from '../../support/n8n.ts';
import { nodeOutputs } from '../../support/n8n.ts';
import * as wf from '../../support/workflows.ts';
import type { E2eContext, E2eFeature } from './feature.ts';

const LONG = { timeout: 5 * 60_000 };
const LOCAL = wf.CREDENTIAL(wf.LOCAL_CREDENTIAL.id, wf.LOCAL_CREDENTIAL.name);

const ACTIVE = 'e2eUploadActiveLearning';
const CUSTOM = 'e2eUploadCustom';
const URLS = 'e2eUploadUrl';

/** The custom annotation: YOLO text for the Code node's image, with its labelmap. */
const YOLO = '0 0.25 0.3 0.2 0.25';
const LABELMAP = { '0': 'red' };
const NODES = {
	custom: 'Upload with annotation file',
	again: 'Upload the same image again',
	url: 'Upload from URL',
	unknown: 'Upload to unknown project',
} as const;

const fileName = (item: N8nItem) => item.binary?.data?.fileName ?? '?';

let samples: ActiveLearningSample[] = [];
let urlImage = '';

/** An item with a shapes image in `data` (stored through n8n's binary helpers) and YOLO text. */
const IMAGE_CODE = `const bytes = Buffer.from(${JSON.stringify(
	shapeImage([shapeCell('red', 0, 0)], 100, 70).toString('base64'),
)}, 'base64');
return [{ json: { yolo: ${JSON.stringify(YOLO)} }, binary: { data: await this.helpers.prepareBinaryData(bytes, 'field.png', 'image/png') } }];`;

function upload(
	name: string,
	parameters: Record<string, unknown>,
	position: [number, number],
	extra: Partial<wf.WorkflowNode> = {},
) {
	return wf.roboflowNode(
		{
			operation: 'upload',
			projectId: { __rl: true, value: 'shapes', mode: 'id' },
			annotation: 'none',
			...parameters,
		},
		LOCAL,
		position,
		{ name, ...extra },
	);
}

export const uploadFeature: E2eFeature = {
	name: 'upload image to project',

	workflows(context: E2eContext) {
		const dir = path.join(context.work, 'active-learning');
		samples = writeActiveLearningImages(dir);
		urlImage = context.server.addImage('porch.png', makePng(30, 20, COLOURS.green));
		return {
			[ACTIVE]: wf.activeLearning({
				id: ACTIVE,
				imagesGlob: `${dir}/*.png`,
				modelId: 'shapes/1',
				projectId: 'shapes',
			}),
			[CUSTOM]: wf.linear(CUSTOM, 'Upload: custom annotation, then a duplicate', [
				wf.trigger,
				wf.codeNode('Field photo', IMAGE_CODE, [220, 0]),
				upload(
					NODES.custom,
					{
						projectId: { __rl: true, value: 'https://app.roboflow.com/ws/shapes-seg', mode: 'url' },
						annotation: 'custom',
						annotationFile: '={{ $json.yolo }}',
						annotationFileName: 'field.txt',
						labelmap: JSON.stringify(LABELMAP),
						options: { tags: 'manual', batchName: 'field' },
					},
					[440, 0],
				),
				upload(
					NODES.again,
					{ projectId: { __rl: true, value: 'shapes-seg', mode: 'id' } },
					[660, 0],
				),
			]),
			[URLS]: wf.linear(URLS, 'Upload: URL form, unknown project', [
				wf.trigger,
				wf.codeNode(
					'Image URL',
					`return [{ json: { url: ${JSON.stringify(urlImage)} } }];`,
					[220, 0],
				),
				upload(
					NODES.url,
					{
						inputType: 'imageUrl',
						imageUrl: '={{ $json.url }}',
						projectId: { __rl: true, value: 'colors', mode: 'id' },
						options: { outputField: 'uploaded' },
					},
					[440, 0],
				),
				upload(
					NODES.unknown,
					{
						inputType: 'imageUrl',
						imageUrl: '={{ $json.url }}',
						projectId: { __rl: true, value: 'no-such-project', mode: 'id' },
					},
					[660, 0],
					{ onError: 'continueRegularOutput' },
				),
			]),
		};
	},

	register(context: E2eContext) {
		test(
			'active learning: the unsure images go to the project with the prediction for review',
			LONG,
			async () => {
				const run = await context.run(ACTIVE);
				const detected = nodeOutputs(run, wf.ACTIVE_LEARNING_NODES.detect)[0];
				const uploaded = nodeOutputs(run, wf.ACTIVE_LEARNING_NODES.upload)[0];
				const unsure = samples
					.filter((s) => s.count === 0 || s.confidence < wf.UNSURE_BELOW)
					.map((s) => s.name)
					.sort();
				assert.deepEqual(uploaded.map(fileName).sort(), unsure);
				assert.ok(unsure.length >= 2 && unsure.length < samples.length);
				const received = context.server.received('shapes').images;
				for (const item of uploaded) {
					const sample = samples.find((s) => s.name === fileName(item));
					const image = received.find((entry) => entry.id === item.json.image_id);
					assert.ok(image, `${fileName(item)}: not in the project`);
					assert.deepEqual(image.tags, [wf.UNSURE_TAG]);
					assert.equal(image.batch, 'n8n');
					assert.equal(image.source, 'file');
					const prediction = detected.find((d) => fileName(d) === fileName(item));
					assert.ok(prediction?.json.inference_id);
					assert.equal(image.inferenceId, prediction.json.inference_id);
					if (sample?.count === 0) {
						assert.equal(item.json.annotation_status, 'nothing to attach');
						assert.equal(image.annotation, null);
					} else {
						assert.equal(item.json.annotation_status, 'attached');
						assert.equal(image.annotation?.prediction, true);
						assert.equal(image.annotation?.name, fileName(item).replace(/\.png$/, '.json'));
						const sent = JSON.parse(image.annotation?.text ?? '{}') as Record<string, unknown>;
						assert.deepEqual(sent.predictions, prediction?.json.predictions);
					}
					// The item still carries its image and the detection for what comes next.
					assert.ok(item.binary?.data);
					assert.equal(item.json.count, sample?.count);
				}
			},
		);

		test(
			'a custom annotation file with its labelmap; the same image again is a duplicate with the same id',
			LONG,
			async () => {
				const run = await context.run(CUSTOM);
				const [first] = nodeOutputs(run, NODES.custom)[0];
				const [again] = nodeOutputs(run, NODES.again)[0];
				assert.equal(first.json.annotation_status, 'attached');
				assert.equal(first.json.project, 'shapes-seg');
				assert.equal(again.json.duplicate, true);
				assert.equal(again.json.image_id, first.json.image_id);
				assert.equal(again.json.annotation_status, 'not requested');
				const images = context.server
					.received('shapes-seg')
					.images.filter((image) => image.id === first.json.image_id);
				assert.equal(images.length, 1);
				assert.deepEqual(
					{
						name: images[0].name,
						tags: images[0].tags,
						batch: images[0].batch,
						annotation: images[0].annotation && {
							name: images[0].annotation.name,
							text: images[0].annotation.text,
							labelmap: images[0].annotation.labelmap,
							prediction: images[0].annotation.prediction,
						},
					},
					{
						name: 'field.png',
						tags: ['manual'],
						batch: 'field',
						annotation: { name: 'field.txt', text: YOLO, labelmap: LABELMAP, prediction: false },
					},
				);
			},
		);

		test(
			'an image URL: Roboflow downloads it; an unknown project is a plain error on the item',
			LONG,
			async () => {
				const run = await context.run(URLS);
				const [fromUrl] = nodeOutputs(run, NODES.url)[0];
				const uploaded = fromUrl.json.uploaded as Record<string, unknown>;
				const image = context.server
					.received('colors')
					.images.find((entry) => entry.id === uploaded.image_id);
				assert.equal(image?.source, 'url');
				assert.equal(image?.url, urlImage);
				assert.equal(image?.name, 'porch.png');
				const [failed] = nodeOutputs(run, NODES.unknown)[0];
				assert.equal(
					failed.json.error,
					'Roboflow found no project "no-such-project" in the workspace of the API key [item 0]',
				);
			},
		);

		test(
			'the project picker lists every project of the workspace as "Name (type)"',
			LONG,
			async () => {
				const { rest } = await context.editor();
				const answer = await rest('POST', '/dynamic-node-parameters/resource-locator-results', {
					nodeTypeAndVersion: { name: 'n8n-nodes-roboflow.roboflow', version: 1 },
					path: 'parameters.projectId',
					methodName: 'searchProjects',
					currentNodeParameters: {
						operation: 'upload',
						inputType: 'binaryData',
						binaryPropertyName: 'data',
						options: {},
						projectId: { __rl: true, value: '', mode: 'list' },
					},
					credentials: LOCAL,
					...(context.n8n.major >= 2 ? { workflowId: ACTIVE } : {}),
					filter: 'shape',
				});
				assert.equal(answer.status, 200, JSON.stringify(answer.body));
				const { data } = answer.body as {
					data: { results: Array<{ name: string; value: string }> };
				};
				const names = data.results.map((r) => r.name);
				assert.ok(names.includes('Shapes (object-detection)'), names.join());
				assert.ok(names.includes('Shape Corners (keypoint-detection)'), names.join());
				assert.ok(!names.some((name) => name.startsWith('Colors')), names.join());
			},
		);
	},
};
