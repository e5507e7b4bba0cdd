import type { INodeProperties } from 'n8n-workflow';

import { PROJECT_ID, PROJECT_URL } from '../../input/identifiers';
import { imageInputProperties, nameValuePairs, optionsCollection } from '../shared/descriptions';

export const SPLITS = ['train', 'valid', 'test'] as const;
export const DEFAULT_SPLIT = 'train';
export const DEFAULT_ANNOTATION = 'none';

export interface UploadOptions {
	imageName?: string;
	batchName?: string;
	tags?: string;
	metadata?: { pair?: Array<{ name?: string; value?: unknown }> };
	inferenceId?: string;
	overwriteAnnotation?: boolean;
	jobName?: string;
	asPrediction?: boolean;
	predictionField?: string;
}

/** Upload's own options. */
export const UPLOAD_OPTIONS = {
	imageName: {
		displayName: 'Image Name',
		name: 'imageName',
		type: 'string',
		default: '',
		placeholder: 'e.g. camera-1-2026-01-31.jpg',
		description:
			"The image's file name in the project. Empty: the binary's file name, or the last part of the image URL.",
	},
	batchName: {
		displayName: 'Batch Name',
		name: 'batchName',
		type: 'string',
		default: 'n8n',
		description: 'The upload batch the images are grouped under in Roboflow',
	},
	tags: {
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		default: '',
		placeholder: 'e.g. low-confidence, camera-1',
		description: 'Comma-separated tags to put on the image',
	},
	metadata: nameValuePairs({
		displayName: 'Metadata',
		name: 'metadata',
		placeholder: 'Add Metadata',
		description: 'Name/value pairs stored with the image (sent as a JSON object)',
		entry: { name: 'pair', displayName: 'Pair' },
	}),
	inferenceId: {
		displayName: 'Inference ID',
		name: 'inferenceId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.inference_id }}',
		description:
			"Links the image to the prediction that produced it (the inference_id of a model's result)",
	},
	overwriteAnnotation: {
		displayName: 'Overwrite Annotation',
		name: 'overwriteAnnotation',
		type: 'boolean',
		default: false,
		description:
			'Whether to replace an annotation the image already has. Off: the image keeps it and annotation_status says "already annotated".',
	},
	jobName: {
		displayName: 'Annotation Job Name',
		name: 'jobName',
		type: 'string',
		default: '',
		description: "The annotation job's name in Roboflow. Empty: Roboflow's default.",
	},
	asPrediction: {
		displayName: 'Mark as Prediction',
		name: 'asPrediction',
		type: 'boolean',
		default: true,
		displayOptions: { show: { '/annotation': ['prediction'] } },
		description:
			"Whether Roboflow marks the annotation as a model's prediction awaiting review rather than as ground truth",
	},
	predictionField: {
		displayName: 'Prediction Field',
		name: 'predictionField',
		type: 'string',
		default: '',
		placeholder: 'e.g. roboflow',
		displayOptions: { show: { '/annotation': ['prediction'] } },
		description:
			"Where the prediction is on the item: the Output Field the model's node used. Empty: the item's top level.",
	},
} satisfies Record<string, INodeProperties>;

export const uploadProperties: INodeProperties[] = [
	{
		displayName: 'Project',
		name: 'projectId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The project the images are added to',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a project...',
				typeOptions: { searchListMethod: 'searchProjects', searchable: true },
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'e.g. https://app.roboflow.com/my-workspace/my-project/upload',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: PROJECT_URL.source,
							errorMessage:
								'Use the project URL, e.g. https://app.roboflow.com/my-workspace/my-project',
						},
					},
				],
				extractValue: { type: 'regex', regex: PROJECT_URL.source },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. my-project',
				hint: "The project's slug, as in its URL: app.roboflow.com/my-workspace/my-project",
				validation: [
					{
						type: 'regex',
						properties: {
							regex: PROJECT_ID.source,
							errorMessage: 'Use the project slug, e.g. my-project',
						},
					},
				],
			},
		],
	},
	...imageInputProperties,
	{
		displayName: 'Split',
		name: 'split',
		type: 'options',
		options: [
			{ name: 'Train', value: 'train' },
			{ name: 'Valid', value: 'valid' },
			{ name: 'Test', value: 'test' },
		],
		default: DEFAULT_SPLIT,
		description: 'The dataset split the image goes to',
	},
	{
		displayName: 'Annotation',
		name: 'annotation',
		type: 'options',
		options: [
			{ name: 'None', value: 'none', description: 'Upload the image only' },
			{
				name: 'Prediction on the Item',
				value: 'prediction',
				description:
					"The prediction of an earlier Roboflow node (classify, detect, segment, keypoints), attached for review as Roboflow's active learning does",
			},
			{
				name: 'Custom Annotation File',
				value: 'custom',
				description: 'An annotation file of your own: VOC XML, COCO JSON, YOLO text',
			},
		],
		default: DEFAULT_ANNOTATION,
		description: 'What to attach to the uploaded image',
	},
	{
		displayName: 'Annotation File',
		name: 'annotationFile',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: { show: { annotation: ['custom'] } },
		description:
			"The annotation file's text, usually an expression (VOC XML, COCO JSON, YOLO text...)",
	},
	{
		displayName: 'Annotation File Name',
		name: 'annotationFileName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. image.xml',
		displayOptions: { show: { annotation: ['custom'] } },
		description: "The annotation file's name: its extension tells Roboflow the format",
	},
	{
		displayName: 'Labelmap',
		name: 'labelmap',
		type: 'json',
		default: '',
		displayOptions: { show: { annotation: ['custom'] } },
		description: 'For YOLO text: the class names by class number, e.g. {"0": "cat", "1": "dog"}',
	},
	optionsCollection(Object.values(UPLOAD_OPTIONS)),
];
