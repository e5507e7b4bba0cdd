import type { RoboflowOperation } from '../../batch/operation';
import { clipSimilarities, zeroShotClassification } from '../../response/foundation';
import { simplifyClassification } from '../../response/classification';
import { forOperations, optionsCollection, SHARED_OPTIONS } from '../shared/descriptions';
import { foundationSender, wordList } from '../shared/foundation';

/** Roboflow's CLIP route compares at most this many labels per request (docs/roboflow-api.md §11.1). */
const LABELS_PER_REQUEST = 8;

interface ClassifyByTextOptions {
	clipVersion?: string;
	simplify?: boolean;
}

/** CLIP scores each label independently, so labels go in groups of 8, joined before the softmax. */
export const classifyByText: RoboflowOperation = {
	option: {
		name: 'Classify by Text Labels',
		value: 'classifyByText',
		description: 'Pick the label that best describes an image, with no trained model (CLIP)',
		action: 'Classify image by text labels',
	},
	toolDescription:
		'Classifies an image into one of the given text labels with CLIP, no trained model needed. Returns the best label (top) and its probability from 0 to 1 (confidence).',
	properties: forOperations(
		['classifyByText'],
		[
			{
				displayName: 'Labels',
				name: 'labels',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. a receipt, an invoice, a selfie',
				description:
					'The labels to choose from, separated by commas (or a list from an expression). Short descriptions work best: "a photo of a cat".',
			},
			optionsCollection([
				{
					displayName: 'CLIP Version',
					name: 'clipVersion',
					type: 'string',
					default: '',
					placeholder: 'e.g. ViT-L-14',
					description:
						"The CLIP model version ID (RN50, RN101, ViT-B-16, ViT-B-32, ViT-L-14...). Empty: Roboflow's default, ViT-B-16.",
				},
				SHARED_OPTIONS.simplify,
			]),
		],
	),
	unexpectedAnswer: {
		message: "Roboflow's answer is not a CLIP comparison",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, or an Inference server with CLIP enabled).',
	},
	async execute(job, api) {
		const options = job.options as ClassifyByTextOptions;
		const labels = wordList(
			this.getNodeParameter('labels', job.itemIndex),
			'Labels',
			'a receipt, an invoice, a selfie',
		);
		const clipVersion = String(options.clipVersion ?? '').trim();
		const send = await foundationSender.call(this, job, api, 'a CLIP comparison');
		const similarities: number[] = [];
		for (let start = 0; start < labels.length; start += LABELS_PER_REQUEST) {
			const group = labels.slice(start, start + LABELS_PER_REQUEST);
			const answer = await send('/clip/compare', (image) => ({
				subject: image,
				subject_type: 'image',
				prompt: group,
				prompt_type: 'text',
				...(clipVersion ? { clip_version_id: clipVersion } : {}),
			}));
			similarities.push(...clipSimilarities(answer, group.length));
		}
		const result = zeroShotClassification(labels, similarities);
		return { json: options.simplify ? simplifyClassification(result) : result };
	},
};
