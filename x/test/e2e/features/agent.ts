/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * The Roboflow node as a tool of n8n's AI Agent, in real n8n, offline: the Agent (typeVersion 3.1
 * on 2.x, 3 on 1.x) with n8n's OpenAI Chat Model (1.2, /chat/completions) whose credential's Base
 * URL is the local OpenAI-compatible chat server (tools/openai-server), which calls the tool it is
 * told to and then answers by quoting the tool's message. `n8n execute` cannot start a Chat
 * Trigger, so each run starts with a Manual Trigger and a Code node of the Chat Trigger's name
 * emitting the item a chat message gives (chatInput, sessionId, and an upload as `data0`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { OpenAiServer, RecordedRequest } from '../../../tools/openai-server/index.ts';
import { createOpenAiServer } from '../../../tools/openai-server/index.ts';
import {
	agentWithRoboflowTools,
	chatLikeStart,
	exampleTools,
	FROM_AI_URL,
	LOCAL_OPENAI_CREDENTIAL,
} from '../../support/agent.ts';
import { shapeCell, shapeImage } from '../../support/images.ts';
import type { RunData } from '../../support/n8n.ts';
import { LOCAL_CREDENTIAL } from '../../support/workflows.ts';
import type { E2eContext, E2eFeature } from './feature.ts';

/** What each run's chat message starts with: the chat server's script picks the tool by it. */
const MARK = {
	url: '[by URL]',
	upload: '[upload]',
	wrongModel: '[wrong model]',
	workflow: '[workflow]',
} as const;

const TOOL = {
	upload: 'Count_objects_in_the_uploaded_photo',
	url: 'Count_objects_at_an_image_URL',
	workflow: 'Run_the_Roboflow_Workflow',
	detect: 'Detect_objects',
};

/** 25 objects by URL (more than Simplify Output lists), 3 in the upload. */
const URL_RECTS = Array.from({ length: 25 }, (_, i) =>
	shapeCell((['red', 'blue', 'green'] as const)[i % 3], i % 5, Math.floor(i / 5)),
);
const UPLOAD_RECTS = [shapeCell('red', 0, 0), shapeCell('red', 1, 1), shapeCell('blue', 2, 0)];

const CHAT_MODEL = 'local-model';

function detectByUrl(name: string, modelId: string) {
	return {
		name,
		parameters: {
			operation: 'detect',
			modelId: { __rl: true, mode: 'id', value: modelId },
			inputType: 'imageUrl',
			imageUrl: FROM_AI_URL,
			options: { simplify: true },
		},
	};
}

let chat: OpenAiServer;
let imageUrl = '';

/** The chat requests of one run (its chat message carries `mark`). */
function exchange(mark: string): RecordedRequest[] {
	return chat.requests.filter((request) =>
		request.messages.some(
			(message) => message.role === 'user' && JSON.stringify(message.content).includes(mark),
		),
	);
}

/** The tool message the model received in the run marked `mark`, parsed, and the tool's name. */
function toolMessage(mark: string): { tool: string; content: unknown } {
	const requests = exchange(mark);
	const last = requests.at(-1);
	assert.ok(last, `no chat request for ${mark}`);
	const message = last.messages.find((m) => m.role === 'tool');
	assert.ok(message, `the model received no tool message for ${mark}`);
	const call = last.messages
		.flatMap((m) => m.tool_calls ?? [])
		.find((c) => c.id === message.tool_call_id);
	return { tool: call?.function.name ?? '', content: JSON.parse(String(message.content)) };
}

/** The Agent's answer: its output item's `output`. */
function agentAnswer(run: RunData): string {
	const items = run.data?.resultData?.runData?.['AI Agent']?.[0]?.data?.main?.[0] ?? [];
	return String(items[0]?.json.output ?? '');
}

export const agentFeature: E2eFeature = {
	name: 'AI Agent tool',
	workflows(context: E2eContext) {
		imageUrl = context.server.addImage('agent-shapes.png', shapeImage(URL_RECTS, 200, 200));
		const agentVersion = context.version.startsWith('1.') ? 3 : 3.1;
		const common = {
			agentVersion,
			model: CHAT_MODEL,
			openAiCredential: LOCAL_OPENAI_CREDENTIAL,
			roboflowCredential: LOCAL_CREDENTIAL,
		};
		const upload = { base64: shapeImage(UPLOAD_RECTS).toString('base64'), fileName: 'site.png' };
		return {
			e2eAgentUrl: agentWithRoboflowTools({
				id: 'e2eAgentUrl',
				name: 'Agent: Roboflow tool on an image URL',
				start: chatLikeStart(`${MARK.url} How many objects are in ${imageUrl} ?`),
				tools: exampleTools('shapes/1'),
				...common,
			}),
			e2eAgentUpload: agentWithRoboflowTools({
				id: 'e2eAgentUpload',
				name: 'Agent: Roboflow tool on the chat upload',
				start: chatLikeStart(`${MARK.upload} How many objects are in my photo?`, upload),
				tools: exampleTools('shapes/1'),
				...common,
			}),
			e2eAgentWrongModel: agentWithRoboflowTools({
				id: 'e2eAgentWrongModel',
				name: 'Agent: Roboflow tool with a wrong model ID',
				start: chatLikeStart(`${MARK.wrongModel} Count the objects in ${imageUrl}`),
				tools: [detectByUrl('Detect objects', 'no-such-model/1')],
				...common,
			}),
			e2eAgentWorkflow: agentWithRoboflowTools({
				id: 'e2eAgentWorkflow',
				name: 'Agent: Detect and Run Workflow as tools',
				start: chatLikeStart(`${MARK.workflow} Run the workflow on ${imageUrl}`),
				tools: [
					detectByUrl('Detect objects', 'shapes/1'),
					{
						name: 'Run the Roboflow Workflow',
						parameters: {
							operation: 'runWorkflow',
							workspace: 'local-workspace',
							workflowId: { __rl: true, mode: 'id', value: 'detect-count-and-visualize' },
							inputType: 'imageUrl',
							imageUrl: FROM_AI_URL,
							options: { simplify: true },
						},
					},
				],
				...common,
			}),
		};
	},
	register(context: E2eContext) {
		before(async () => {
			chat = createOpenAiServer({
				models: [CHAT_MODEL],
				rules: [
					{ match: MARK.url, tool: TOOL.url },
					{ match: MARK.upload, tool: TOOL.upload },
					{ match: MARK.workflow, tool: TOOL.workflow },
				],
			});
			const url = await chat.start();
			await context.n8n.importCredentials([
				{
					...LOCAL_OPENAI_CREDENTIAL,
					type: 'openAiApi',
					data: { apiKey: 'sk-local-dummy', url: `${url}/v1` },
				},
			]);
		});
		after(async () => await chat?.stop());

		test('an image URL from the model: the simplified result is the tool message it reads', async () => {
			const run = await context.run('e2eAgentUrl');
			const { tool, content } = toolMessage(MARK.url);
			assert.equal(tool, TOOL.url);
			assert.ok(Array.isArray(content) && content.length === 1, JSON.stringify(content));
			const [result] = content as Array<Record<string, unknown>>;
			// Only the result: not the agent's input (chatInput, sessionId) the tool's item carried.
			assert.deepEqual(Object.keys(result).sort(), [
				'class_counts',
				'classes',
				'confidence',
				'count',
				'predictions',
				'top',
			]);
			assert.equal(result.count, 25);
			assert.deepEqual(result.class_counts, { red: 9, blue: 8, green: 8 });
			const predictions = result.predictions as Array<Record<string, unknown>>;
			assert.equal(predictions.length, 20);
			assert.deepEqual(Object.keys(predictions[0]).sort(), [
				'class',
				'confidence',
				'height',
				'width',
				'x',
				'y',
			]);
			// The agent answered from it: the chat server quotes the tool message it received.
			assert.match(
				agentAnswer(run),
				new RegExp(`^The tool ${TOOL.url} answered: \\[\\{"count":25`),
			);
		});

		test("each operation describes itself to the model; $fromAI's argument is the URL", async () => {
			await context.run('e2eAgentWorkflow');
			const [first] = exchange(MARK.workflow);
			assert.ok(first, 'no chat request for the Workflow run');
			const described = Object.fromEntries(
				first.tools.map((t) => [t.function.name, t.function.description ?? '']),
			);
			assert.match(described[TOOL.detect], /^Detects and counts objects in an image/);
			assert.match(described[TOOL.workflow], /^Runs a Roboflow Workflow/);
			const schema = first.tools.find((t) => t.function.name === TOOL.detect)?.function.parameters;
			assert.deepEqual(Object.keys((schema as { properties: object }).properties), ['imageUrl']);
		});

		test('Run Workflow as a tool: its outputs without images', async () => {
			await context.run('e2eAgentWorkflow');
			const { tool, content } = toolMessage(MARK.workflow);
			assert.equal(tool, TOOL.workflow);
			const [result] = content as Array<Record<string, unknown>>;
			assert.equal(result.count_objects, 25);
			assert.ok(!('output_image' in result), JSON.stringify(result).slice(0, 300));
			assert.doesNotMatch(JSON.stringify(result), /"binary"|base64/);
		});

		test('the chat upload reaches the tool through the expression', async () => {
			const run = await context.run('e2eAgentUpload');
			const { tool, content } = toolMessage(MARK.upload);
			assert.equal(
				tool,
				TOOL.upload,
				JSON.stringify(exchange(MARK.upload)[0]?.messages).slice(0, 2000),
			);
			const [result] = content as Array<Record<string, unknown>>;
			assert.equal(result.count, 3);
			assert.deepEqual(result.class_counts, { red: 2, blue: 1 });
			assert.match(agentAnswer(run), /"count":3/);
		});

		test('a wrong model ID comes back to the model as an error, and the agent still answers', async () => {
			// context.run asserts that the execution succeeded (on 1.x a thrown tool error fails it).
			const run = await context.run('e2eAgentWrongModel');
			const { content } = toolMessage(MARK.wrongModel);
			const [result] = content as Array<Record<string, unknown>>;
			assert.deepEqual(Object.keys(result).sort(), ['error', 'message']);
			assert.match(String(result.error), /^Roboflow found no model with this ID/);
			assert.match(agentAnswer(run), /Roboflow found no model with this ID/);
		});
	},
};
