/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the test harness runs n8n-core in Node (temporary folders, n8n's environment settings), never inside n8n */
/**
 * Runs the Roboflow node through n8n-core's real WorkflowExecute: real ExecuteContext, real
 * request helpers (axios; through @n8n/backend-network on 2.x), real BinaryDataService in
 * filesystem mode. Only what the n8n CLI would supply around it (node/credential registry,
 * stored credentials) is provided here, the way n8n's own nodes-testing harness does.
 *
 * The same code drives n8n 2.x and 1.x: the "n8n 1.x" jest project maps `n8n-core`,
 * `n8n-workflow` and `@n8n/di` to n8n 1.123.81's packages (runtimes.js).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// n8n-core reads its storage locations from the environment when its services are first built.
const userFolder = mkdtempSync(path.join(tmpdir(), 'roboflow-n8n-'));
process.env.N8N_USER_FOLDER ??= userFolder;
process.env.N8N_BINARY_DATA_STORAGE_PATH ??= path.join(userFolder, 'binary');
process.env.N8N_DEFAULT_BINARY_DATA_MODE ??= 'filesystem';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
// n8n 1.x warns about the settings file's mode unless told to enforce it (2.x's default).
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'true';

import { Container } from '@n8n/di';
import {
	BinaryDataService,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsHelper,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameters,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IWorkflowExecuteAdditionalData,
	NodeExecutionHint,
	ResourceMapperFields,
} from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';

import { RoboflowApi } from '../../credentials/RoboflowApi.credentials';
import { Roboflow } from '../../nodes/Roboflow/Roboflow.node';

const NODE_TYPE = 'n8n-nodes-roboflow.roboflow';
const NODE_NAME = 'Roboflow';
const SOURCE_TYPE = 'test.items';

/** Stands in for the node before Roboflow (Read Files, Gmail...): emits the test's items. */
function sourceNodeType(items: INodeExecutionData[]): INodeType {
	return {
		description: {
			displayName: 'Items',
			name: SOURCE_TYPE,
			group: ['input'],
			version: 1,
			description: 'Emits the test items',
			defaults: { name: 'Items' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [],
		},
		async execute() {
			return [items.map((item) => ({ ...item, pairedItem: { item: 0 } }))];
		},
	};
}

/**
 * The Roboflow node as the engine gets it, with each execute() it starts handed to `started`:
 * after a stop n8n reports the run at once while the node winds down, and the harness waits for that.
 */
function trackedRoboflow(started: (execution: Promise<unknown>) => void): INodeType {
	const node = new Roboflow();
	const execute = node.execute;
	node.execute = async function (this: IExecuteFunctions) {
		const execution = execute.call(this);
		started(execution);
		return await execution;
	};
	return node;
}

/** The node registry of a run: the items' source and the Roboflow node. */
function nodeTypes(items: INodeExecutionData[], roboflow: INodeType = new Roboflow()): INodeTypes {
	const types: Record<string, INodeType> = {
		[NODE_TYPE]: roboflow,
		[SOURCE_TYPE]: sourceNodeType(items),
	};
	return {
		getByName: (name) => types[name],
		getByNameAndVersion: (name) => types[name],
		getKnownTypes: () => ({}),
	};
}

const roboflowApi = new RoboflowApi();

/**
 * Holds the stored credential and applies its `authenticate` as n8n's CLI does: what the engine
 * asks of the credentials helper for this node (it has no pre-authentication and no OAuth).
 */
function credentialsHelper(stored: ICredentialDataDecryptedObject): ICredentialsHelper {
	return {
		getParentTypes: () => [],
		preAuthentication: async () => undefined,
		isCredentialUsableByNode: () => true,
		getDecrypted: async () => ({ ...stored }),
		getCredentialsProperties: () => roboflowApi.properties,
		authenticate: async (
			credentials: ICredentialDataDecryptedObject,
			_type: string,
			request: IHttpRequestOptions,
		) => await roboflowApi.authenticate(credentials, request),
	} as unknown as ICredentialsHelper;
}

let binaryReady: Promise<BinaryDataService> | undefined;

/**
 * n8n's binary data service, initialised once in filesystem mode (n8n 2.x's default). n8n-core
 * 1.x's SSH tunnel manager, built with every ExecuteContext, starts a ref'd 60 s cleanup interval
 * that only n8n's shutdown clears (2.x unrefs it): built here first and unref'd, it lets the test
 * process exit.
 */
export async function binaryDataService(): Promise<BinaryDataService> {
	binaryReady ??= (async () => {
		const service = Container.get(BinaryDataService);
		await service.init();
		const { SSHClientsManager } = await import(
			'n8n-core/dist/execution-engine/ssh-clients-manager'
		);
		(
			Container.get(SSHClientsManager) as unknown as { cleanupTimer?: NodeJS.Timeout }
		).cleanupTimer?.unref();
		return service;
	})();
	return await binaryReady;
}

/** Stores `bytes` through n8n's binary data service and returns the item's binary entry. */
export async function storeBinary(
	bytes: Buffer,
	mimeType: string,
	fileName: string,
): Promise<INodeExecutionData['binary']> {
	const service = await binaryDataService();
	const stored = await service.store(
		{ type: 'execution', workflowId: 'test', executionId: String(Date.now()) },
		bytes,
		{ data: '', mimeType, fileName },
	);
	return { data: stored };
}

export interface RunOptions {
	parameters: INodeParameters;
	items: INodeExecutionData[];
	credentials?: ICredentialDataDecryptedObject;
	onError?: INode['onError'];
	/** Run as an AI Agent's tool: the node marked as n8n marks it (`rewireOutputLogTo`), its output read from `ai_tool`. */
	asTool?: boolean;
	/** Called once the run has started, with a function that stops the execution as the UI's stop button does. */
	onStarted?: (cancel: () => void) => void;
}

export interface RunResult {
	run: IRun;
	/** The node's outputs: [main] or [main, error] with "continue using error output". */
	outputs: INodeExecutionData[][];
	error?: Error & { description?: string; itemIndex?: number; context?: IDataObject };
	hints: NodeExecutionHint[];
}

/**
 * What the engine gets around a run: the stored credential, the hooks, and the waiting URLs it
 * builds `$execution.resumeUrl` from; nothing else is read.
 */
function additionalDataFor(
	credentials: ICredentialDataDecryptedObject,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	return {
		hooks,
		credentialsHelper: credentialsHelper(credentials),
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		currentNodeExecutionIndex: 0,
		variables: {},
		executionId: 'execution-1',
		logAiEvent: () => {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** The Roboflow node as a workflow holds it, with its stored credential. */
function roboflowNode(parameters: INodeParameters, onError?: INode['onError']): INode {
	return {
		id: 'roboflow-node',
		name: NODE_NAME,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { roboflowApi: { id: '1', name: 'Roboflow account' } },
		...(onError ? { onError } : {}),
	};
}

/** A run that has not wound down yet: how to stop it, and when it has. */
interface LiveRun {
	cancel: () => void;
	/** The engine reported the run and every execute() of the node has returned or thrown. */
	finished: Promise<void>;
}

/** The test file's runs that have not wound down (jest loads this module once per test file). */
const liveRuns = new Set<LiveRun>();

/**
 * Resolves once every run started so far has wound down: the engine reported it and the node
 * returned. After that nothing of those runs can send a request.
 */
export async function runsFinished(): Promise<void> {
	await Promise.all([...liveRuns].map(async (run) => await run.finished));
}

/**
 * Stops every run still going, as the UI's stop button does, so that a test that failed or timed
 * out leaves nothing sending requests into the next test. Then stop the servers those runs talk
 * to (which ends requests held there) and wait for `runsFinished`.
 */
export function stopRuns(): void {
	for (const run of liveRuns) run.cancel();
}

/** The workflow of a run: the items' source, then the Roboflow node; and its lifecycle hooks. */
function testWorkflow(options: RunOptions, roboflow: INodeType) {
	const node = roboflowNode(options.parameters, options.onError);
	if (options.asTool) node.rewireOutputLogTo = 'ai_tool';
	const source: INode = {
		id: 'source-node',
		name: 'Items',
		type: SOURCE_TYPE,
		typeVersion: 1,
		position: [-200, 0],
		parameters: {},
	};
	const connections = { Items: { main: [[{ node: NODE_NAME, type: 'main' as const, index: 0 }]] } };
	const nodes = [source, node];
	const workflow = new Workflow({
		id: 'test',
		nodes,
		connections,
		nodeTypes: nodeTypes(options.items, roboflow),
		active: false,
		settings: { executionOrder: 'v1' },
	});
	const hooks = new ExecutionLifecycleHooks('manual', 'execution-1', {
		id: 'test',
		name: 'test',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections,
	});
	return { source, workflow, hooks };
}

/** What a run gave: the Roboflow node's outputs, error and hints. */
function resultOf(run: IRun): RunResult {
	const taskData = run.data.resultData.runData[NODE_NAME]?.[0];
	const outputs = (taskData?.data?.main ?? taskData?.data?.ai_tool ?? []).map(
		(items) => items ?? [],
	);
	return {
		run,
		outputs,
		error: (taskData?.error ?? run.data.resultData.error) as RunResult['error'],
		hints: taskData?.hints ?? [],
	};
}

/** Executes a one-node workflow (the Roboflow node) with `items` as its input. */
export async function runRoboflowNode(options: RunOptions): Promise<RunResult> {
	const nodeExecutions: Array<Promise<unknown>> = [];
	const roboflow = trackedRoboflow((execution) => nodeExecutions.push(execution));
	const { source, workflow, hooks } = testWorkflow(options, roboflow);
	const reported = new Promise<IRun>((resolve) =>
		hooks.addHandler('workflowExecuteAfter', resolve),
	);
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: source, data: { main: [[{ json: {} }]] }, source: null }],
		},
	});
	await binaryDataService();
	const execution = new WorkflowExecute(
		additionalDataFor(options.credentials ?? {}, hooks),
		'manual',
		runExecutionData,
	).processRunExecutionData(workflow);
	const live: LiveRun = {
		cancel: () => execution.cancel(),
		finished: (async () => {
			await reported;
			await Promise.allSettled(nodeExecutions);
		})(),
	};
	liveRuns.add(live);
	void live.finished.then(() => liveRuns.delete(live));
	options.onStarted?.(live.cancel);
	// The first workflowExecuteAfter is the run as n8n reports it; after a stop that is the
	// canceled run, while the node winds down in the background (`runsFinished` waits for it).
	execution.catch(() => {});
	return resultOf(await reported);
}

/**
 * The context n8n gives the editor's calls for the parameter at `path` (a picker, the Workflow's
 * input fields): a one-node workflow, the credential, and the node's current parameters, which
 * the editor sends with the request and the context reads there.
 */
function loadOptionsContext(
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject,
	path: string,
): LoadOptionsContext {
	const node = roboflowNode(parameters);
	const workflow = new Workflow({
		id: 'test',
		nodes: [node],
		connections: {},
		nodeTypes: nodeTypes([]),
		active: false,
		settings: { executionOrder: 'v1' },
	});
	const additionalData = additionalDataFor(credentials);
	(additionalData as { currentNodeParameters?: INodeParameters }).currentNodeParameters =
		parameters;
	return new LoadOptionsContext(workflow, node, additionalData, path);
}

/**
 * Runs one of the node's listSearch methods as the editor does when the user opens a list:
 * through n8n-core's LoadOptionsContext, with the node's current parameters and credential.
 */
export async function runListSearch(options: {
	method: 'searchModels' | 'searchWorkflows' | 'searchProjects';
	parameters: INodeParameters;
	credentials: ICredentialDataDecryptedObject;
	filter?: string;
}): Promise<INodeListSearchResult> {
	const path = {
		searchModels: 'parameters.modelId',
		searchWorkflows: 'parameters.workflowId',
		searchProjects: 'parameters.projectId',
	}[options.method];
	const context = loadOptionsContext(options.parameters, options.credentials, path);
	const method = new Roboflow().methods.listSearch[options.method];
	return await method.call(context, options.filter);
}

/**
 * Runs one of the node's resourceMapping methods as the editor does once the parameters it
 * depends on are set (POST /rest/dynamic-node-parameters/resource-mapper-fields): through
 * n8n-core's LoadOptionsContext, with the node's current parameters and credential.
 */
export async function runResourceMapping(options: {
	method: 'getWorkflowInputs';
	parameters: INodeParameters;
	credentials: ICredentialDataDecryptedObject;
}): Promise<ResourceMapperFields> {
	const context = loadOptionsContext(
		options.parameters,
		options.credentials,
		'parameters.inputFields',
	);
	return await new Roboflow().methods.resourceMapping[options.method].call(context);
}
