/**
 * n8n's expression engine as the editor and the credential tester use it: a value starting with
 * `=` is resolved for a node with the given parameters, plus extra variables such as `$credentials`.
 */
import type { IDataObject, INode, INodeParameters, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

const nodeTypes = {
	getByName: () => undefined,
	getByNameAndVersion: () => undefined,
	getKnownTypes: () => ({}),
} as unknown as INodeTypes;

export function evaluateExpression(
	value: string,
	{
		parameters = {},
		variables = {},
	}: { parameters?: INodeParameters; variables?: IDataObject } = {},
): unknown {
	const node: INode = {
		id: '1',
		name: 'Test',
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [0, 0],
		parameters,
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	return workflow.expression.getSimpleParameterValue(node, value, 'internal', variables);
}
