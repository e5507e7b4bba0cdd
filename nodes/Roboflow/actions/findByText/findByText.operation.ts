import type { IDataObject } from 'n8n-workflow';

import type { RoboflowOperation } from '../../batch/operation';
import { RoboflowInputError } from '../../helpers/errors';
import { fractionParameter } from '../../input/fraction';
import { normalizeDetections, simplifyDetections } from '../../response/detection';
import { perPrompt, sam3Detections } from '../../response/foundation';
import { maxDetectionsParameter } from '../shared/detectionOperation';
import { forOperations, optionsCollection, SHARED_OPTIONS } from '../shared/descriptions';
import { foundationSender, wordList } from '../shared/foundation';

/** SAM 3 takes at most 16 prompts per request (docs/roboflow-api.md §11.3). */
const SAM3_MAX_PROMPTS = 16;
/** SAM 3 reads a threshold of 0 as its default, 0.5 (§11.3): the lowest it takes is sent instead. */
const SAM3_LOWEST_THRESHOLD = 0.01;

interface FindByTextOptions {
	engine?: 'sam3' | 'yoloWorld';
	confidence?: number;
	maxDetections?: number;
	simplify?: boolean;
}

/** The options, as Detect Objects has them but for the defaults each engine has itself. */
const options = optionsCollection([
	{
		displayName: 'Engine',
		name: 'engine',
		type: 'options',
		options: [
			{
				name: 'SAM 3',
				value: 'sam3',
				description: 'Outlines of every object each prompt describes (Segment Anything 3)',
			},
			{ name: 'YOLO-World', value: 'yoloWorld', description: 'Boxes only, faster' },
		],
		default: 'sam3',
	},
	{
		...SHARED_OPTIONS.confidence,
		default: 0.5,
		description:
			"Objects scoring below this (0 to 1) are left out. Not set: the engine's own default, 0.5 for SAM 3 and 0.4 for YOLO-World.",
	},
	SHARED_OPTIONS.maxDetections,
	SHARED_OPTIONS.simplify,
]);

/** Each engine's route, request body for the image and prompts, and reading of its answer. */
function engineRequest(engine: string, prompts: string[], confidence: number | undefined) {
	if (engine === 'yoloWorld') {
		return {
			route: '/yolo_world/infer',
			fields: (image: IDataObject) => ({
				image,
				text: prompts,
				...(confidence !== undefined ? { confidence } : {}),
			}),
			read: (answer: unknown) => normalizeDetections(answer, 'yolo_world/l', 'box'),
		};
	}
	if (prompts.length > SAM3_MAX_PROMPTS) {
		throw new RoboflowInputError(
			`SAM 3 takes at most ${SAM3_MAX_PROMPTS} prompts; ${prompts.length} were given`,
			'Split the prompts over two Roboflow nodes, or switch Engine to YOLO-World, which takes any number.',
		);
	}
	const threshold =
		confidence === undefined
			? {}
			: { output_prob_thresh: Math.max(confidence, SAM3_LOWEST_THRESHOLD) };
	return {
		route: '/sam3/concept_segment',
		fields: (image: IDataObject) => ({
			image,
			prompts: prompts.map((text) => ({ type: 'text', text })),
			format: 'polygon',
			...threshold,
		}),
		read: (answer: unknown) => sam3Detections(answer, prompts, 'sam3/sam3_final'),
	};
}

/** Finds objects a text describes, with no trained model: SAM 3 (outlines) or YOLO-World (boxes). */
export const findByText: RoboflowOperation = {
	option: {
		name: 'Find Objects by Text',
		value: 'findByText',
		description:
			'Find and count objects described in words, with no trained model (SAM 3, YOLO-World)',
		action: 'Find objects by text',
	},
	toolDescription:
		"Finds and counts the objects that short text prompts describe (e.g. person, helmet), no trained model needed. Returns how many it found (count), the count per prompt (class_counts, 0 when none) and each object's prompt, confidence and box in pixels.",
	properties: forOperations(
		['findByText'],
		[
			{
				displayName: 'Prompts',
				name: 'prompts',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. person, helmet',
				description:
					'What to find: short noun phrases separated by commas (or a list from an expression), at most 16 with SAM 3',
			},
			options,
		],
	),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a list of objects found",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, or an Inference server with SAM 3 or YOLO-World enabled).',
	},
	async execute(job, api) {
		const jobOptions = job.options as FindByTextOptions;
		const prompts = wordList(
			this.getNodeParameter('prompts', job.itemIndex),
			'Prompts',
			'person, helmet',
		);
		const confidence =
			jobOptions.confidence === undefined
				? undefined
				: fractionParameter(jobOptions.confidence, 'Confidence threshold');
		const max =
			jobOptions.maxDetections === undefined
				? undefined
				: maxDetectionsParameter(jobOptions.maxDetections);
		const engine = engineRequest(jobOptions.engine ?? 'sam3', prompts, confidence);
		const send = await foundationSender.call(this, job, api, 'a list of objects found');
		const found = engine.read(await send(engine.route, engine.fields));
		const result = perPrompt(found, prompts, max);
		return { json: jobOptions.simplify ? simplifyDetections(result) : result };
	},
};
