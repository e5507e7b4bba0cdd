import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RoboflowOperation } from '../../batch/operation';
import { RoboflowInputError } from '../../helpers/errors';
import { MODEL_ID } from '../../input/identifiers';
import { simplifyDetections } from '../../response/detection';
import { florenceDetections, florenceValue } from '../../response/foundation';
import { forOperations, optionsCollection, SHARED_OPTIONS } from '../shared/descriptions';
import { foundationSender } from '../shared/foundation';

/** Florence-2's task tokens (docs/roboflow-api.md §11.5); `findPhrase` adds the phrase after its token. */
const TASK_TOKENS: Record<string, string> = {
	caption: '<CAPTION>',
	detailedCaption: '<DETAILED_CAPTION>',
	moreDetailedCaption: '<MORE_DETAILED_CAPTION>',
	ocr: '<OCR>',
	objects: '<OD>',
	findPhrase: '<CAPTION_TO_PHRASE_GROUNDING>',
};
const DETECTION_TASKS = new Set(['objects', 'findPhrase']);
/** Florence-2 models by name, their aliases, or a fine-tuned model's `project/version`. */
const FLORENCE_MODEL = /^(florence-2-(base|large)|florence-pretrains\/\d+)$/;

interface DescribeOptions {
	model?: string;
	simplify?: boolean;
}

const properties = [
	{
		displayName: 'Task',
		name: 'task',
		type: 'options',
		options: [
			{ name: 'Caption', value: 'caption', description: 'One sentence' },
			{ name: 'Custom Prompt', value: 'custom', description: 'A Florence-2 prompt of your own' },
			{ name: 'Detailed Caption', value: 'detailedCaption', description: 'A few sentences' },
			{
				name: 'Find a Phrase',
				value: 'findPhrase',
				description: 'Boxes of what a phrase describes',
			},
			{ name: 'Find Objects', value: 'objects', description: 'Every object, boxed and named' },
			{ name: 'More Detailed Caption', value: 'moreDetailedCaption', description: 'A paragraph' },
			{ name: 'Read Text (OCR)', value: 'ocr', description: 'The text in the image' },
		],
		default: 'caption',
	},
	{
		displayName: 'Phrase',
		name: 'phrase',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. a person wearing a helmet',
		displayOptions: { show: { task: ['findPhrase'] } },
		description: 'What to find in the image',
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. <REGION_TO_CATEGORY><loc_100><loc_100><loc_500><loc_500>',
		displayOptions: { show: { task: ['custom'] } },
		description: 'Sent to Florence-2 as it is: a task token and its input',
	},
	optionsCollection([
		{
			displayName: 'Model',
			name: 'model',
			type: 'string',
			default: 'florence-2-base',
			description:
				'The Florence-2 model: florence-2-base, florence-2-large, or your fine-tuned one as project/version',
		},
		{
			...SHARED_OPTIONS.simplify,
			description:
				"Whether to return only the text, or the counts and at most 20 objects, without Roboflow's raw response",
		},
	]),
] satisfies RoboflowOperation['properties'];

/** The prompt for the item's task: the task's token, plus its input. */
function florencePrompt(this: IExecuteFunctions, itemIndex: number, task: string): string {
	const text = (name: string) => String(this.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (task === 'custom') {
		const prompt = text('prompt');
		if (prompt) return prompt;
		throw new RoboflowInputError(
			'The prompt is empty',
			'Give a Florence-2 prompt, e.g. <CAPTION>.',
		);
	}
	if (!(task in TASK_TOKENS))
		throw new RoboflowInputError(
			`The task "${task}" is not one of Describe Image's tasks`,
			'Pick a task from the list.',
		);
	if (task !== 'findPhrase') return TASK_TOKENS[task];
	const phrase = text('phrase');
	if (phrase) return TASK_TOKENS.findPhrase + phrase;
	throw new RoboflowInputError(
		'The phrase is empty',
		'Say what to find, e.g. a person wearing a helmet.',
	);
}

function florenceModel(value: unknown): string {
	const model = String(value ?? '').trim() || 'florence-2-base';
	if (FLORENCE_MODEL.test(model) || MODEL_ID.test(model)) return model;
	throw new RoboflowInputError(
		`The model "${model}" is not a Florence-2 model`,
		'Use florence-2-base, florence-2-large, or your fine-tuned Florence-2 model as project/version.',
	);
}

/** Describes an image with Florence-2, no trained model needed: captions, text, objects, phrases. */
export const describe: RoboflowOperation = {
	option: {
		name: 'Describe Image',
		value: 'describe',
		description:
			'Caption an image, read its text or find objects in it, with no trained model (Florence-2)',
		action: 'Describe image',
	},
	toolDescription:
		'Describes an image in words with Florence-2 (a caption), no trained model needed. Returns the description (text).',
	properties: forOperations(['describe'], properties),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a Florence-2 result",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, or a GPU Inference server with Florence-2 enabled).',
	},
	async execute(job, api) {
		const options = job.options as DescribeOptions;
		const task = String(this.getNodeParameter('task', job.itemIndex, 'caption'));
		const prompt = florencePrompt.call(this, job.itemIndex, task);
		const model = florenceModel(options.model);
		const send = await foundationSender.call(this, job, api, 'a Florence-2 result');
		const answer = await send('/infer/lmm', (image) => ({ model_id: model, image, prompt }));
		const value = florenceValue(answer, prompt);
		if (DETECTION_TASKS.has(task)) {
			const result = florenceDetections(value, answer, model);
			return {
				json: options.simplify
					? simplifyDetections(result)
					: { ...result, response: (answer as IDataObject).response },
			};
		}
		const text = typeof value === 'string' ? value.trim() : JSON.stringify(value);
		return {
			json: options.simplify ? { text } : { text, response: (answer as IDataObject).response },
		};
	},
};
