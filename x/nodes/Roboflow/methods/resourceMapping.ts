import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { workflowInputFields } from '../input/workflowInputs';
import type { RoboflowCredentials } from '../transport/credentials';
import { apiBaseUrl, isRoboflowHosted } from '../transport/endpoint';
import type { ManagementClient } from '../transport/management';
import type { WorkflowInterface } from '../response/workflowInterface';
import { withManagementClient } from './listSearch';

const FALLBACK = 'Add its inputs under Workflow Inputs, by name and value.';

function workflowParameter(context: ILoadOptionsFunctions, path: string): string {
	try {
		return String(context.getCurrentNodeParameter(path, { extractValue: true }) ?? '').trim();
	} catch {
		return '';
	}
}

/**
 * Where a Workflow's inputs are read (docs/roboflow-api.md §6.4): for Roboflow's hosted APIs its saved
 * specification from the management API; for a self-hosted Inference server that server's
 * `describe_interface` (it may run Workflows of its own), and the specification when the server
 * cannot describe it (an older server without the route).
 */
async function describeWorkflow(
	client: ManagementClient,
	apiUrl: unknown,
	workspace: string,
	workflowId: string,
	version: string,
): Promise<WorkflowInterface> {
	if (isRoboflowHosted(apiUrl))
		return await client.workflowSpecification(workspace, workflowId, version || undefined);
	let failure: unknown;
	try {
		return await client.describeWorkflowInterface(
			apiBaseUrl(apiUrl),
			workspace,
			workflowId,
			version || undefined,
		);
	} catch (error) {
		failure = error;
	}
	try {
		return await client.workflowSpecification(workspace, workflowId, version || undefined);
	} catch {
		// The server's own answer says more than the management API's.
	}
	throw failure;
}

/**
 * The Inputs fields of Run Workflow (the editor calls it when a Workflow is chosen): the chosen
 * Workflow's inputs. A Workflow that cannot be described gives no fields and a notice, so the
 * user falls back to the name/value inputs rather than meeting an error.
 */
export async function getWorkflowInputs(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const workflowId = workflowParameter(this, 'workflowId');
	if (!workflowId) return { fields: [], emptyFieldsNotice: 'Choose a Workflow to see its inputs.' };
	const version = workflowParameter(this, 'options.workflowVersionId');
	const { apiUrl } = await this.getCredentials<RoboflowCredentials>('roboflowApi');
	try {
		const described = await withManagementClient(this, async (client, workspace) =>
			describeWorkflow(client, apiUrl, workspace, workflowId, version),
		);
		const fields = workflowInputFields(described);
		return fields.length
			? { fields }
			: { fields, emptyFieldsNotice: 'This Workflow declares no inputs.' };
	} catch (error) {
		// withManagementClient has redacted Roboflow's errors; anything else is not shown.
		const description = (error as { description?: unknown }).description;
		const why =
			error instanceof Error && 'description' in error
				? [error.message, typeof description === 'string' ? description : '']
						.filter(Boolean)
						.join('. ')
				: 'Roboflow did not answer as expected.';
		return {
			fields: [],
			emptyFieldsNotice: `Could not read the inputs of this Workflow: ${why.trim()} ${FALLBACK}`,
		};
	}
}
