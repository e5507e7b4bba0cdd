/**
 * One n8n node as a workflow file stores it. Its own module so that the example builders
 * (workflows.ts) and the AI Agent workflows (agent.ts, which workflows.ts imports) share it.
 */
import type { WorkflowNode } from './workflows.ts';

export type Position = [number, number];

/** A node's id derived from its name: "Route by class" gives `route-by-class`. */
export const slug = (name: string) => name.toLowerCase().replace(/\W+/g, '-');

/** Any node; its id is derived from its name unless given. */
export function node(
	type: string,
	typeVersion: number,
	name: string,
	position: Position,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	return { id: slug(name), name, type, typeVersion, position, parameters, ...extra };
}
