import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { modelTaskOf, properties, router, subtitle } from './actions/router';
import { modelSearch, searchProjects, searchWorkflows } from './methods/listSearch';
import { getWorkflowInputs } from './methods/resourceMapping';

export class Roboflow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Roboflow',
		name: 'roboflow',
		icon: { light: 'file:../../icons/roboflow.svg', dark: 'file:../../icons/roboflow.dark.svg' },
		group: ['transform'],
		// 1.1: a Workflow's Image Input Name and inputs by name moved into Options.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle,
		description:
			'Classify images, detect, segment and count objects, read text and describe images with Roboflow',
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

	methods = {
		// The Model picker lists the projects of the chosen operation's own task.
		listSearch: { searchModels: modelSearch(modelTaskOf), searchProjects, searchWorkflows },
		resourceMapping: { getWorkflowInputs },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
