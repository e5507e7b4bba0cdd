import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RoboflowOperation } from '../batch/operation';
import { runBatch } from '../batch/runBatch';
import type { ModelTask } from '../transport/endpoint';
import { classify } from './classify/classify.operation';
import { classifyByText } from './classifyByText/classifyByText.operation';
import { describe } from './describe/describe.operation';
import { detect } from './detect/detect.operation';
import { findByText } from './findByText/findByText.operation';
import { keypoints } from './keypoints/keypoints.operation';
import { readText } from './readText/readText.operation';
import { runWorkflow } from './runWorkflow/runWorkflow.operation';
import { segment } from './segment/segment.operation';
import { upload } from './upload/upload.operation';
import {
	forOperations,
	imageInputProperties,
	modelIdProperty,
	toolDescriptionProperties,
} from './shared/descriptions';

/** The operations that run a trained model on the model route (and share the Model parameter). */
const MODEL_OPERATIONS: RoboflowOperation[] = [classify, detect, segment, keypoints];

/** The operations of Roboflow's foundation models, which need no training. */
const FOUNDATION_OPERATIONS: RoboflowOperation[] = [classifyByText, findByText, readText, describe];

/** Every operation, in the order the Operation parameter lists them. Add one here. */
const OPERATIONS: RoboflowOperation[] = [
	...MODEL_OPERATIONS,
	...FOUNDATION_OPERATIONS,
	runWorkflow,
	upload,
];

const valuesOf = (operations: RoboflowOperation[]) =>
	operations.map((operation) => operation.option.value);

/** The model task an operation runs (for the Model picker), or undefined for other operations. */
export function modelTaskOf(value: string): ModelTask | undefined {
	return OPERATIONS.find((operation) => operation.option.value === value)?.modelTask;
}

/** The node's subtitle in the editor: the operation's action ("Detect objects"). */
export const subtitle = `={{ (${JSON.stringify(
	Object.fromEntries(
		OPERATIONS.map((operation) => [operation.option.value, operation.option.action]),
	),
)})[$parameter["operation"]] }}`;

/** The node's parameters: the Operation picker, the shared inputs, then each operation's own. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: OPERATIONS.map((operation) => operation.option),
		default: 'classify',
	},
	...toolDescriptionProperties(OPERATIONS),
	...forOperations(valuesOf(MODEL_OPERATIONS), [modelIdProperty]),
	// The image comes first; Run Workflow and Upload show it after what they run or fill.
	...forOperations(valuesOf([...MODEL_OPERATIONS, ...FOUNDATION_OPERATIONS]), imageInputProperties),
	...OPERATIONS.flatMap((operation) => operation.properties),
];

/** Runs the operation the node is set to. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const value = this.getNodeParameter('operation', 0);
	const operation = OPERATIONS.find((candidate) => candidate.option.value === value);
	if (!operation) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${String(value)}" is not supported`,
		);
	}
	return [await runBatch.call(this, operation)];
}
