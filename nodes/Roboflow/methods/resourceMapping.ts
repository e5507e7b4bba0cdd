import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { workflowInputFields } from '../input/workflowInputs';
import type { WorkflowInterface } from '../response/workflowInterface';
import { interfaceFromDescription } from '../response/workflowInterface';
import { isRoboflowHosted } from '../transport/endpoint';
import { interfaceOrError } from '../transport/management';
import type { EditorApi } from './listSearch';
import { currentParameter, withEditorApi } from './listSearch';

const FALLBACK =
	'Give its inputs in Options: More Inputs by Name, and Image Input (Workflow Not Described) for its image.';

/**
 * A Workflow's inputs (docs/roboflow-api.md §6.4): hosted APIs give its saved specification; a
 * self-hosted server its `describe_interface`, or the specification when it lacks the route.
 */
async function describeWorkflow(
	api: EditorApi,
	workflowId: string,
	version: string | undefined,
): Promise<WorkflowInterface> {
	const specification = async () =>
		await api.management.workflowSpecification(api.workspace, workflowId, version);
	if (isRoboflowHosted(api.inference.baseUrl)) return await specification();
	let described: WorkflowInterface | undefined;
	let failure: unknown;
	try {
		const request = api.inference.describeInterfaceRequest(api.workspace, workflowId, version);
		described = interfaceOrError(interfaceFromDescription(await api.send(request)));
	} catch (error) {
		failure = error;
	}
	// The server's description has no defaults; an older server has no route (then its error
	// stands unless the saved specification is known).
	const saved = await specification().catch(() => undefined);
	if (described) return saved ? withDefaults(described, saved) : described;
	if (saved) return saved;
	throw failure;
}

/** The server's inputs (its kinds, its order) with the defaults of Roboflow's saved specification. */
function withDefaults(described: WorkflowInterface, saved: WorkflowInterface): WorkflowInterface {
	const defaults = new Map(saved.inputs.map((input) => [input.name, input.default]));
	return {
		defaultsKnown: true,
		inputs: described.inputs.map((input) => {
			const value = defaults.get(input.name);
			return value === undefined ? input : { ...input, default: value };
		}),
	};
}

/** What a caught error says, for the notice (Roboflow's errors are redacted by withEditorApi). */
function reason(error: unknown): string {
	if (!(error instanceof Error && 'description' in error))
		return 'Roboflow did not answer as expected.';
	const description = (error as { description?: unknown }).description;
	return [error.message, typeof description === 'string' ? description : '']
		.filter(Boolean)
		.join('. ');
}

/** Run Workflow's Inputs fields; an undescribed Workflow gives a notice, not an error. */
export async function getWorkflowInputs(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const extractValue = { extractValue: true };
	const workflowId = currentParameter(this, 'workflowId', extractValue);
	if (!workflowId) return { fields: [], emptyFieldsNotice: 'Choose a Workflow to see its inputs.' };
	const version = currentParameter(this, 'options.workflowVersionId', extractValue) || undefined;
	try {
		const workflow = await withEditorApi(this, async (api) =>
			describeWorkflow(api, workflowId, version),
		);
		const fields = workflowInputFields(workflow);
		return fields.length
			? { fields }
			: { fields, emptyFieldsNotice: 'This Workflow declares no inputs.' };
	} catch (error) {
		return {
			fields: [],
			emptyFieldsNotice: `Could not read the inputs of this Workflow: ${reason(error).trim()} ${FALLBACK}`,
		};
	}
}
