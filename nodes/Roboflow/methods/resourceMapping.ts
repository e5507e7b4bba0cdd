import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { workflowInputFields } from '../input/workflowInputs';
import type { WorkflowInterface } from '../response/workflowInterface';
import { interfaceFromDescription } from '../response/workflowInterface';
import { isRoboflowHosted } from '../transport/endpoint';
import { described } from '../transport/management';
import type { EditorApi } from './listSearch';
import { currentParameter, withEditorApi } from './listSearch';

const FALLBACK = 'Add its inputs under Workflow Inputs, by name and value.';

/**
 * Where a Workflow's inputs are read (docs/roboflow-api.md §6.4): for Roboflow's hosted APIs its
 * saved specification from the management API; for a self-hosted Inference server that server's
 * `describe_interface` (it may run Workflows of its own), and the specification when the server
 * cannot describe it (an older server without the route).
 */
async function describeWorkflow(
	api: EditorApi,
	workflowId: string,
	version: string | undefined,
): Promise<WorkflowInterface> {
	const specification = async () =>
		await api.management.workflowSpecification(api.workspace, workflowId, version);
	if (isRoboflowHosted(api.inference.baseUrl)) return await specification();
	let failure: unknown;
	try {
		const request = api.inference.describeInterfaceRequest(api.workspace, workflowId, version);
		return described(interfaceFromDescription(await api.send(request)));
	} catch (error) {
		failure = error;
	}
	try {
		return await specification();
	} catch {
		// The server's own answer says more than the management API's.
	}
	throw failure;
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

/**
 * The Inputs fields of Run Workflow (the editor calls it when a Workflow is chosen): the chosen
 * Workflow's inputs. A Workflow that cannot be described gives no fields and a notice, so the
 * user falls back to the name/value inputs rather than meeting an error.
 */
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
