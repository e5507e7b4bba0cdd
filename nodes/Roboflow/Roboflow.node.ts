import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { properties, router } from './actions/router';

export class Roboflow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Roboflow',
		name: 'roboflow',
		icon: { light: 'file:roboflow.svg', dark: 'file:roboflow.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + ($parameter["modelId"] || "") }}',
		description: 'Classify images, detect, segment and count objects with Roboflow models',
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
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
