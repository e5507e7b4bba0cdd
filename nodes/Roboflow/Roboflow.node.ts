import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { classify } from './actions/classify';

export class Roboflow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Roboflow',
		name: 'roboflow',
		icon: { light: 'file:roboflow.svg', dark: 'file:roboflow.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"Classify: " + $parameter["modelId"]}}',
		description: 'Classify images with a Roboflow model and route them by predicted class',
		defaults: {
			name: 'Roboflow',
		},
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'roboflowApi',
				required: true,
			},
		],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Classify an Image',
						value: 'classify',
						description: 'Predict the class of an image with a classification model',
						action: 'Classify an image',
					},
				],
				default: 'classify',
			},
			{
				displayName: 'Model ID',
				name: 'modelId',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. vehicle-classification-eapcd/2',
				description:
					'The model as Roboflow shows it on its Deploy page: project slug, a slash, then the version number',
			},
			{
				displayName: 'Input Type',
				name: 'inputType',
				type: 'options',
				options: [
					{
						name: 'Binary File',
						value: 'binaryData',
						description: 'An image passed in by an earlier node (file, attachment, download)',
					},
					{
						name: 'Image URL',
						value: 'imageUrl',
						description: 'A public http(s) address that Roboflow downloads the image from',
					},
				],
				default: 'binaryData',
			},
			{
				displayName: 'Input Binary Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				displayOptions: { show: { inputType: ['binaryData'] } },
				hint: 'The name of the input binary field containing the image to classify',
			},
			{
				displayName: 'Image URL',
				name: 'imageUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. https://example.com/photo.jpg',
				displayOptions: { show: { inputType: ['imageUrl'] } },
				description:
					'The http(s) address of the image, usually an expression that reads it from the incoming item',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Confidence Threshold',
						name: 'confidence',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
						default: 0.4,
						description:
							'Classes scoring below this (0 to 1) are not predicted. Roboflow uses 0.4 when it is not set.',
					},
					{
						displayName: 'Max Concurrency',
						name: 'maxConcurrency',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 64 },
						default: 5,
						description: 'How many requests may be in flight at once',
					},
					{
						displayName: 'Max Retries',
						name: 'maxRetries',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 10 },
						default: 3,
						description:
							'How often one image is retried after a rate limit (429), a temporary server error (502, 503, 504), a dropped connection or a timeout',
					},
					{
						displayName: 'Timeout',
						name: 'timeout',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 30000,
						description: 'How long to wait for one answer from Roboflow, in milliseconds',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0);
		if (operation !== 'classify') {
			throw new NodeOperationError(this.getNode(), `The operation "${String(operation)}" is not supported`);
		}
		return [await classify.call(this)];
	}
}
