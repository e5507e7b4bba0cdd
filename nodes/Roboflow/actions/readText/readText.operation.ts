import type { RoboflowOperation } from '../../batch/operation';
import { ocrResult } from '../../response/foundation';
import { forOperations, optionsCollection, SHARED_OPTIONS } from '../shared/descriptions';
import { foundationSender } from '../shared/foundation';

/** EasyOCR's models and language codes, paired as Roboflow's block does (docs/roboflow-api.md §11.4). */
const EASY_OCR_LANGUAGES: Record<string, { name: string; codes: string[] }> = {
	english_g2: { name: 'English', codes: ['en'] },
	japanese_g2: { name: 'Japanese', codes: ['en', 'ja'] },
	kannada_g2: { name: 'Kannada', codes: ['en', 'kn'] },
	korean_g2: { name: 'Korean', codes: ['en', 'ko'] },
	latin_g2: {
		name: 'Latin Script (Spanish, French, German...)',
		codes: ['en', 'la', 'es', 'fr', 'it', 'pt', 'de', 'pl', 'nl'],
	},
	telugu_g2: { name: 'Telugu', codes: ['en', 'te'] },
	zh_sim_g2: { name: 'Simplified Chinese', codes: ['en', 'ch_sim'] },
};

interface ReadTextOptions {
	engine?: 'doctr' | 'easyOcr';
	language?: string;
	wordBoxes?: boolean;
	simplify?: boolean;
}

const options = optionsCollection([
	{
		displayName: 'Engine',
		name: 'engine',
		type: 'options',
		options: [
			{ name: 'DocTR', value: 'doctr', description: 'Documents and printed text' },
			{
				name: 'EasyOCR',
				value: 'easyOcr',
				description: 'Many languages; always gives each word with its box',
			},
		],
		default: 'doctr',
	},
	{
		displayName: 'Language (EasyOCR)',
		name: 'language',
		type: 'options',
		options: Object.entries(EASY_OCR_LANGUAGES)
			.map(([value, { name }]) => ({ name, value }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		default: 'english_g2',
		description: 'The language EasyOCR reads, besides English (DocTR reads Latin script)',
	},
	{
		displayName: 'Word Boxes',
		name: 'wordBoxes',
		type: 'boolean',
		default: false,
		description:
			'Whether to also return each word with its box (words). EasyOCR always returns them.',
	},
	{
		...SHARED_OPTIONS.simplify,
		description: 'Whether to return only the text, without the word boxes',
	},
]);

/** Reads the text in an image, with no trained model: DocTR or EasyOCR. */
export const readText: RoboflowOperation = {
	option: {
		name: 'Read Text (OCR)',
		value: 'readText',
		description: 'Read the text in an image (DocTR, EasyOCR)',
		action: 'Read text in image',
	},
	toolDescription:
		'Reads the text in an image (OCR), e.g. a label, a receipt or a sign. Returns the text read (text).',
	properties: forOperations(['readText'], [options]),
	unexpectedAnswer: {
		message: "Roboflow's answer is not the text of an image",
		hint: 'Check that the API URL points at Roboflow (the Serverless Cloud API, or an Inference server with DocTR or EasyOCR enabled).',
	},
	async execute(job, api) {
		const jobOptions = job.options as ReadTextOptions;
		const easyOcr = jobOptions.engine === 'easyOcr';
		const model = jobOptions.language ?? 'english_g2';
		const codes = EASY_OCR_LANGUAGES[model]?.codes ?? ['en'];
		const withWords = !jobOptions.simplify && (easyOcr || jobOptions.wordBoxes === true);
		const send = await foundationSender.call(this, job, api, 'the text of an image');
		const answer = easyOcr
			? await send('/easy_ocr/ocr', (image) => ({
					image,
					easy_ocr_version_id: model,
					language_codes: codes,
				}))
			: await send('/doctr/ocr', (image) => ({
					image,
					...(jobOptions.wordBoxes ? { generate_bounding_boxes: true } : {}),
				}));
		return { json: ocrResult(answer, withWords) };
	},
};
