/**
 * Workflows where n8n's AI Agent uses the Roboflow node as a tool: the shipped example
 * (examples/agent-vision-tool.json: Chat Trigger, Agent, OpenAI Chat Model, two Roboflow tools)
 * and the end-to-end/demo variant that `n8n execute` can run (a Manual Trigger and a Code node
 * named like the Chat Trigger, emitting the item a chat message with an upload gives:
 * `chatInput`, `sessionId`, `action` and the binary `data0`).
 */
import { node } from './node.ts';
import type { Connections, Workflow, WorkflowNode } from './workflows.ts';

/** The Chat Trigger's node name: the tool's expression for uploads reads that node. */
export const CHAT_TRIGGER = 'When chat message received';
/** What Input Binary Field holds to read the photo uploaded with the chat message. */
export const CHAT_UPLOAD_EXPRESSION = `={{ $('${CHAT_TRIGGER}').first().binary.data0 }}`;
/** What Image URL holds to let the model pass an image's address. */
export const FROM_AI_URL =
	"={{ $fromAI('imageUrl', 'The https:// address of the image to look at', 'string') }}";

/** The OpenAI credential the tests and the demo import: its Base URL is the local chat server. */
export const LOCAL_OPENAI_CREDENTIAL = { id: 'openai-local', name: 'Local chat model' };
const EXAMPLE_OPENAI_CREDENTIAL = {
	id: 'REPLACE_WITH_YOUR_OPENAI_CREDENTIAL',
	name: 'OpenAi account',
};
const EXAMPLE_ROBOFLOW_CREDENTIAL = {
	id: 'REPLACE_WITH_YOUR_CREDENTIAL',
	name: 'Roboflow account',
};

/** One Roboflow tool of the agent: its node name (the model sees it as the tool's name) and parameters. */
export interface RoboflowToolSpec {
	name: string;
	parameters: Record<string, unknown>;
}

export interface AgentWorkflowSpec {
	id?: string;
	name: string;
	/** The node that starts the agent: the real Chat Trigger (example) or a Chat-Trigger-like run. */
	start: WorkflowNode[];
	tools: RoboflowToolSpec[];
	/** The Agent's typeVersion: 3.1 on n8n 2.x, 3 on 1.x (and in the example, which both import). */
	agentVersion: number;
	model: string;
	openAiCredential: { id: string; name: string };
	roboflowCredential: { id: string; name: string };
}

const AGENT = 'AI Agent';
const CHAT_MODEL = 'OpenAI Chat Model';

/** Trigger(s), Agent, its chat model and its Roboflow tools, connected as the editor connects them. */
export function agentWithRoboflowTools(spec: AgentWorkflowSpec): Workflow {
	const agent = node('@n8n/n8n-nodes-langchain.agent', spec.agentVersion, AGENT, [440, 0], {
		promptType: 'define',
		text: '={{ $json.chatInput }}',
		options: {
			systemMessage:
				'You answer questions about images. Use the Roboflow tools to look at them and answer from what they return.',
		},
	});
	const model = node(
		'@n8n/n8n-nodes-langchain.lmChatOpenAi',
		1.2,
		CHAT_MODEL,
		[300, 240],
		{ model: { __rl: true, mode: 'id', value: spec.model }, options: {} },
		{ credentials: { openAiApi: spec.openAiCredential } },
	);
	const tools = spec.tools.map((tool, index) =>
		node(
			'n8n-nodes-roboflow.roboflowTool',
			1,
			tool.name,
			[560 + index * 180, 240],
			{ options: {}, ...tool.parameters },
			{ credentials: { roboflowApi: spec.roboflowCredential } },
		),
	);
	const connections: Connections = {};
	for (let i = 0; i < spec.start.length; i++) {
		const next = spec.start[i + 1]?.name ?? AGENT;
		connections[spec.start[i].name] = { main: [[{ node: next, type: 'main', index: 0 }]] };
	}
	connections[CHAT_MODEL] = {
		ai_languageModel: [[{ node: AGENT, type: 'ai_languageModel', index: 0 }]],
	};
	for (const tool of tools)
		connections[tool.name] = { ai_tool: [[{ node: AGENT, type: 'ai_tool', index: 0 }]] };
	return {
		...(spec.id ? { id: spec.id } : {}),
		name: spec.name,
		nodes: [...spec.start, agent, model, ...tools],
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** n8n's Chat Trigger, accepting uploads (they arrive as binaries data0, data1...). */
export const chatTrigger = (): WorkflowNode =>
	node(
		'@n8n/n8n-nodes-langchain.chatTrigger',
		1.1,
		CHAT_TRIGGER,
		[0, 0],
		{ options: { allowFileUploads: true } },
		{ id: 'chat-trigger' },
	);

/**
 * What `n8n execute` can run in place of the Chat Trigger: a Manual Trigger, then a Code node of
 * the Chat Trigger's name emitting the item a chat message gives; `upload` (base64 PNG) becomes
 * the binary `data0`, stored through n8n's binary helpers as the Chat Trigger stores uploads.
 */
export function chatLikeStart(chatInput: string, upload?: { base64: string; fileName: string }) {
	const code = `const item = { json: ${JSON.stringify({ sessionId: 'e2e-session', action: 'sendMessage', chatInput })} };
${upload ? `item.binary = { data0: await this.helpers.prepareBinaryData(Buffer.from(${JSON.stringify(upload.base64)}, 'base64'), ${JSON.stringify(upload.fileName)}, 'image/png') };` : ''}
return [item];`;
	return [
		node('n8n-nodes-base.manualTrigger', 1, 'Start', [-220, 0], {}, { id: 'start' }),
		node('n8n-nodes-base.code', 2, CHAT_TRIGGER, [0, 0], { jsCode: code }, { id: 'chat-like' }),
	];
}

/** The tools of the example: count objects in the uploaded photo, or at an address the model passes. */
export function exampleTools(modelId: string): RoboflowToolSpec[] {
	const model = { __rl: true, mode: 'id', value: modelId };
	return [
		{
			name: 'Count objects in the uploaded photo',
			parameters: {
				operation: 'detect',
				modelId: model,
				inputType: 'binaryData',
				binaryPropertyName: CHAT_UPLOAD_EXPRESSION,
				options: { simplify: true },
			},
		},
		{
			name: 'Count objects at an image URL',
			parameters: {
				operation: 'detect',
				modelId: model,
				inputType: 'imageUrl',
				imageUrl: FROM_AI_URL,
				options: { simplify: true },
			},
		},
	];
}

/** examples/agent-vision-tool.json */
export const agentVisionToolExample = (): Workflow =>
	agentWithRoboflowTools({
		name: 'AI Agent with a Roboflow vision tool',
		start: [chatTrigger()],
		tools: exampleTools('your-detection-project/1'),
		agentVersion: 3,
		model: 'gpt-4o-mini',
		openAiCredential: EXAMPLE_OPENAI_CREDENTIAL,
		roboflowCredential: EXAMPLE_ROBOFLOW_CREDENTIAL,
	});
