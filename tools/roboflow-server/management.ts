/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server runs in Node, never inside n8n: node:http types */
/**
 * The api.roboflow.com routes (docs/roboflow-api.md §7, §10), which read the key only from the
 * `api_key` query parameter (a key sent only in the header is a missing key): `GET /` (the
 * key's workspace), `GET /{workspace}`, `GET /{workspace}/{project}`, `GET
 * /{workspace}/workflows[/{url}][?workflow_version=]`, and the dataset uploads and annotations.
 */
import type http from 'node:http';

import { findKey, KEY_ORDER } from './auth.ts';
import { peekJson } from './body.ts';
import type { ServerContext } from './calls.ts';
import { send } from './calls.ts';
import type { createDataset, DatasetRequest } from './dataset.ts';
import { DROP_AFTER_STORE } from './dataset.ts';
import { answerOf, HttpError, managementError, managementKeyError } from './errors.ts';
import type { FaultKind } from './faults.ts';
import { waitLatency } from './faults.ts';
import { readBody } from './input.ts';
import { findWorkflow, workflowDetail, workflowList } from './workflows.ts';
import { PROJECTS, projectAnswer, WORKSPACE, workspaceAnswer } from './workspace.ts';

/** The key as the management API reads it (query only), recorded on the call; 401 unless known. */
function managementKey(context: ServerContext, req: http.IncomingMessage, url: URL, body?: Buffer) {
	const found = findKey(
		req,
		url,
		body && peekJson(req.headers['content-type'], body),
		KEY_ORDER.management,
		context.style,
	);
	const check = () => {
		if (found.key === undefined || !context.keys.known(found.key))
			throw managementKeyError(found.key);
	};
	return { keySource: found.source, keyPlaces: found.places, check };
}

/** What a GET answers: the key's workspace, a project, the Workflows (404 for what is not there). */
function managementAnswer(url: URL, parts: string[]) {
	if (parts.length === 0) return { workspace: WORKSPACE };
	const [workspace, second, third] = parts;
	if (workspace !== WORKSPACE) throw managementError(404, `Workspace "${workspace}" not found.`);
	if (second === undefined) return workspaceAnswer();
	if (second === 'workflows' && third === undefined) return workflowList();
	if (second === 'workflows') {
		const version = url.searchParams.get('workflow_version');
		const workflow = findWorkflow(third, version);
		if (!workflow)
			throw managementError(
				404,
				`Workflow "${third}"${version === null ? '' : ` version "${version}"`} not found in workspace "${WORKSPACE}".`,
			);
		return workflowDetail(workflow);
	}
	const project = PROJECTS.find((p) => p.slug === second);
	if (!project)
		throw managementError(404, `Project "${second}" not found in workspace "${WORKSPACE}".`);
	return projectAnswer(project);
}

export function managementRoute(
	context: ServerContext,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
	parts: string[],
): void {
	const key = managementKey(context, req, url);
	const record = {
		at: Date.now(),
		path: url.pathname,
		keySource: key.keySource,
		keyPlaces: key.keyPlaces,
		status: 0,
	};
	context.stats().managementCalls.push(record);
	let [status, body]: [number, unknown] = [200, undefined];
	try {
		key.check();
		body = managementAnswer(url, parts);
	} catch (error) {
		[status, body] = [answerOf(error).status, answerOf(error).body];
	}
	record.status = status;
	send(context, res, status, body);
}

/**
 * `POST /dataset/{project}/upload` and `POST /dataset/{project}/annotate/{id}`: key
 * (401), project (404), injected faults, then the work. `dropAfterStore` stores the
 * image (or annotation) and drops the connection: a client's retry then meets a duplicate or 409.
 */
export async function datasetRoute(
	context: ServerContext,
	dataset: ReturnType<typeof createDataset>,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	where: Omit<DatasetRequest, 'body'>,
): Promise<void> {
	const body = await readBody(req);
	const request: DatasetRequest = { ...where, contentType: req.headers['content-type'], body };
	const key = managementKey(context, req, where.url, body);
	const call = dataset.record(request, { keySource: key.keySource, keyPlaces: key.keyPlaces });
	const reply = (status: number, answer: unknown, headers?: Record<string, string>) => {
		call.status = status;
		send(context, res, status, answer, headers);
	};
	await waitLatency(context.plan(), body, where.url);
	let fault: FaultKind | undefined;
	let answer: unknown;
	try {
		key.check();
		if (!PROJECTS.some((p) => p.slug === where.project))
			throw managementError(
				404,
				`Project "${where.project}" not found in workspace "${WORKSPACE}".`,
			);
		const target = { req, res, reply, url: where.url, bodyBytes: body.length, body };
		fault = context.injector.apply(context.plan(), dataset.identity(request), target);
		if (fault && fault !== DROP_AFTER_STORE)
			return void Object.assign(call, { outcome: 'fault', fault });
		answer = await dataset.handle(request, call);
	} catch (error) {
		answer = answerOf(error);
	}
	if (fault === DROP_AFTER_STORE) {
		context.stats().injected.drop++;
		call.fault = fault;
		return void req.socket.destroy();
	}
	if (answer instanceof HttpError) reply(answer.status, answer.body, answer.headers);
	else reply(200, answer);
}
