/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test tooling runs in Node, never inside n8n */
/**
 * The one place that builds the workflows the end-to-end tests, the demo and the benchmark import
 * into real n8n: the shipped examples (examples/*.json) with their placeholders filled in, and
 * small workflows from node builders.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from './paths.ts';

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
}

/** Per source node and connection type (`main`, `ai_tool`...): for each of its outputs, the nodes it feeds. */
export type Connections = Record<
	string,
	Record<string, Array<Array<{ node: string; type: string; index: number }>>>
>;

export interface Workflow {
	/** The id the workflow is imported and executed by. */
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Connections;
	settings?: Record<string, unknown>;
}

/** The Roboflow credential the tests, the demo and the benchmark import (the examples' name for it). */
export const LOCAL_CREDENTIAL = { id: 'roboflow-local', name: 'Roboflow account' };
/** The OpenAI credential, its Base URL the local chat server (the example's name for it). */
export const LOCAL_OPENAI_CREDENTIAL = { id: 'openai-local', name: 'OpenAi account' };

/** Any node; its id is derived from its name, its position set by linear() unless given. */
export function node(
	type: string,
	typeVersion: number,
	name: string,
	parameters: Record<string, unknown> = {},
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	const id = name.toLowerCase().replace(/\W+/g, '-');
	return { id, name, type, typeVersion, position: [0, 0], parameters, ...extra };
}

export const trigger = node('n8n-nodes-base.manualTrigger', 1, 'Start');

/** A workflow whose nodes run one after another, in the order given, left to right. */
export function linear(id: string, name: string, nodes: WorkflowNode[]): Workflow {
	const connections: Connections = {};
	for (const [i, from] of nodes.slice(0, -1).entries())
		connections[from.name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	const placed = nodes.map((n, i): WorkflowNode => ({ ...n, position: [i * 220, 0] }));
	return { id, name, nodes: placed, connections, settings: { executionOrder: 'v1' } };
}

/** Read/Write Files from Disk, reading every file the glob matches (one item each, binary `data`). */
export const readFiles = (glob: string) =>
	node('n8n-nodes-base.readWriteFile', 1, 'Read images', { fileSelector: glob, options: {} });

/** The Roboflow node: classify the binary `data` unless `parameters` say otherwise. */
export function roboflowNode(
	parameters: Record<string, unknown>,
	credential = LOCAL_CREDENTIAL,
): WorkflowNode {
	const defaults = {
		operation: 'classify',
		inputType: 'binaryData',
		binaryPropertyName: 'data',
		options: {},
	};
	return node(
		'n8n-nodes-roboflow.roboflow',
		1,
		'Roboflow',
		{ ...defaults, ...parameters },
		{ credentials: { roboflowApi: credential } },
	);
}

export const codeNode = (name: string, jsCode: string, extra: Partial<WorkflowNode> = {}) =>
	node('n8n-nodes-base.code', 2, name, { jsCode }, extra);

/** A Webhook answered by a Respond to Webhook node; its production id is stable per path. */
export function webhook(path: string, method: 'GET' | 'POST'): WorkflowNode {
	const hex = crypto.createHash('sha1').update(path).digest('hex');
	const webhookId = [
		hex.slice(0, 8),
		hex.slice(8, 12),
		hex.slice(12, 16),
		hex.slice(16, 20),
		hex.slice(20, 32),
	].join('-');
	const options = method === 'POST' ? { binaryData: true, binaryPropertyName: 'data' } : {};
	return node(
		'n8n-nodes-base.webhook',
		2,
		'Webhook',
		{ httpMethod: method, path, responseMode: 'responseNode', options },
		{ webhookId },
	);
}

/** Respond to Webhook with the JSON an expression builds. */
export const respond = (expression: string) =>
	node('n8n-nodes-base.respondToWebhook', 1.1, 'Respond', {
		respondWith: 'json',
		responseBody: `={{ JSON.stringify(${expression}) }}`,
		options: {},
	});

/** The shipped examples: their files, the node names their runs are read by, what they decide on. */
export const EXAMPLES = {
	route: { file: 'route-images-by-class', switch: 'Route by class', roboflow: 'Roboflow' },
	classifyByText: {
		file: 'classify-by-text',
		classify: 'Classify by text labels',
		switch: 'Route by label',
	},
	findByText: {
		file: 'find-objects-by-text',
		find: 'Find red boxes',
		check: 'Any red box?',
		prompt: 'red box',
	},
	count: {
		file: 'count-objects-and-alert',
		detect: 'Detect objects',
		check: 'Too many objects?',
		alertAbove: 3,
	},
	workflow: { file: 'run-workflow', run: 'Run Workflow', workflowId: 'detect-count-and-visualize' },
	activeLearning: {
		file: 'active-learning',
		detect: 'Detect objects',
		upload: 'Send to Roboflow for labelling',
		unsureBelow: 0.6,
		tag: 'low-confidence',
	},
	agent: {
		file: 'agent-vision-tool',
		agent: 'AI Agent',
		uploadTool: 'Count objects in the uploaded photo',
		urlTool: 'Count objects at an image URL',
	},
} as const;

/** What fills an example's placeholders: its folders (by their /data/ name), model, project, chat model, credential. */
export interface Fill {
	folders?: Record<string, string>;
	model?: string;
	project?: string;
	chatModel?: string;
	/** The Roboflow credential's id (default LOCAL_CREDENTIAL's); the OpenAI one is LOCAL_OPENAI_CREDENTIAL. */
	credential?: string;
}

/** A shipped example (examples/<name>.json) under `id`, its placeholders filled in. */
export function example(name: string, id: string, fill: Fill = {}): Workflow {
	const { folders = {}, model, project, chatModel, credential = LOCAL_CREDENTIAL.id } = fill;
	// In order: a placeholder before one it contains.
	const replace = [
		...Object.entries(folders).map(([folder, dir]) => [`/data/${folder}`, dir]),
		['your-detection-project/1', model],
		['your-project/1', model],
		['your-detection-project', project],
		['gpt-4o-mini', chatModel],
		['REPLACE_WITH_YOUR_OPENAI_CREDENTIAL', LOCAL_OPENAI_CREDENTIAL.id],
		['REPLACE_WITH_YOUR_CREDENTIAL', credential],
	];
	let text = fs.readFileSync(path.join(ROOT, 'examples', `${name}.json`), 'utf8');
	for (const [from, to] of replace)
		if (to !== undefined) text = text.replaceAll(from as string, JSON.stringify(to).slice(1, -1));
	return { ...(JSON.parse(text) as Omit<Workflow, 'id'>), id };
}

/** The name of the examples' Chat Trigger, whose item the agent's tools read the upload from. */
export const CHAT_TRIGGER = 'When chat message received';

/**
 * The AI Agent example as `n8n execute` can run it: the Chat Trigger (which only a chat starts)
 * replaced by a Manual Trigger and a Code node of its name emitting the item a chat message gives,
 * the upload (a PNG) as the binary `data0`, stored as the Chat Trigger stores uploads.
 */
export function chatLike(agent: Workflow, chatInput: string, upload?: Buffer): Workflow {
	const item = JSON.stringify({ sessionId: 'local-session', action: 'sendMessage', chatInput });
	const binary = upload
		? `item.binary = { data0: await this.helpers.prepareBinaryData(Buffer.from('${upload.toString('base64')}', 'base64'), 'upload.png', 'image/png') };`
		: '';
	const start = node('n8n-nodes-base.manualTrigger', 1, 'Start', {}, { position: [-220, 0] });
	const chat = codeNode(CHAT_TRIGGER, `const item = { json: ${item} };\n${binary}\nreturn [item];`);
	return {
		...agent,
		nodes: [start, chat, ...agent.nodes.filter((n) => n.name !== CHAT_TRIGGER)],
		connections: {
			...agent.connections,
			[start.name]: { main: [[{ node: CHAT_TRIGGER, type: 'main', index: 0 }]] },
		},
	};
}
