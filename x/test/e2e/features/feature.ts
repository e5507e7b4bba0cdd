/**
 * An end-to-end feature suite: its own file, run inside each n8n version's describe of
 * test/e2e/e2e.test.ts, sharing that version's n8n user folder, local Roboflow server and editor
 * (so the package is installed and n8n started once per version, not once per feature).
 */
import type { RoboflowServer } from '../../../tools/roboflow-server/index.ts';
import type { N8nInstance, RestCall, RunData } from '../../support/n8n.ts';
import type { Workflow } from '../../support/workflows.ts';

/** What a feature suite may use of its version's fixture. */
export interface E2eContext {
	/** The n8n version under test, e.g. "2.41.1". */
	readonly version: string;
	/** A scratch folder of this version's run, removed afterwards; make subfolders in it. */
	readonly work: string;
	/** The local Roboflow server every credential points at. */
	readonly server: RoboflowServer;
	/** The key it accepts, held by the credential wf.LOCAL_CREDENTIAL (test/support/workflows.ts). */
	readonly apiKey: string;
	readonly n8n: N8nInstance;
	/** Runs an imported workflow with `n8n execute` once (later calls share the run); asserts it succeeded without the key in its output. */
	run(id: string): Promise<RunData>;
	/** A signed-in REST session of the version's editor (`n8n start`), started once on first use. */
	editor(): Promise<{ rest: RestCall; baseUrl: string }>;
}

export interface E2eFeature {
	/** The describe block's name. */
	name: string;
	/** Workflows to import with the others before any test runs (ids must be unique). */
	workflows(context: E2eContext): Record<string, Workflow>;
	/** Registers the tests (node:test `test`/`describe`), run after the version's setup. */
	register(context: E2eContext): void;
}
