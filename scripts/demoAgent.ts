/**
 * The demo's AI Agent part: examples/agent-vision-tool.json (the Agent with two Roboflow tools,
 * Simplify Output on) against the local OpenAI-compatible chat server (tools/openai-server),
 * which calls the tool a question names and then answers by quoting what the tool returned. The
 * Chat Trigger cannot be run by `n8n execute`, so each question starts from a Code node of its
 * name emitting the item a chat message gives: one question with a photo uploaded (read by the
 * tool through `$('When chat message received').first().binary.data0`), one with an image URL.
 */
import type { OpenAiServer } from '../tools/openai-server/index.ts';
import { createOpenAiServer } from '../tools/openai-server/index.ts';
import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import {
	agentWithRoboflowTools,
	chatLikeStart,
	exampleTools,
	LOCAL_OPENAI_CREDENTIAL,
} from '../test/support/agent.ts';
import { shapeCell, shapeImage } from '../test/support/images.ts';
import type { Credential, RunData } from '../test/support/n8n.ts';
import { nodeOutputs } from '../test/support/n8n.ts';
import type { Workflow } from '../test/support/workflows.ts';
import { LOCAL_CREDENTIAL } from '../test/support/workflows.ts';

const CHAT_MODEL = 'local-model';
const TOOLS = {
	upload: 'Count_objects_in_the_uploaded_photo',
	url: 'Count_objects_at_an_image_URL',
};

/** One example of the demo (an example workflow, or a question to the agent): what to import, and how to read its run as a table. */
export interface DemoExample {
	title: string;
	file: string;
	workflow: Workflow;
	/** Folders the workflow reads from or writes into (created, and allowed to n8n's file nodes). */
	dirs: string[];
	report(run: RunData | undefined): {
		headers: string[];
		rows: string[][];
		note: string;
		mistakes: string[];
	};
}

function question(
	chat: OpenAiServer,
	id: string,
	text: string,
	expected: { tool: string; count: number },
	upload?: { base64: string; fileName: string },
): DemoExample {
	const workflow = agentWithRoboflowTools({
		id,
		name: `AI Agent with a Roboflow vision tool: ${upload ? 'a chat upload' : 'an image URL'}`,
		start: chatLikeStart(text, upload),
		tools: exampleTools('shapes/1'),
		agentVersion: 3.1,
		model: CHAT_MODEL,
		openAiCredential: LOCAL_OPENAI_CREDENTIAL,
		roboflowCredential: LOCAL_CREDENTIAL,
	});
	return {
		title: workflow.name,
		file: 'examples/agent-vision-tool.json',
		workflow,
		dirs: [],
		report(run) {
			const answer = String(nodeOutputs(run, 'AI Agent')[0]?.[0]?.json.output ?? '');
			const request = chat.requests
				.filter((r) =>
					r.messages.some((m) => m.role === 'user' && JSON.stringify(m.content).includes(text)),
				)
				.at(-1);
			const toolMessage = request?.messages.find((m) => m.role === 'tool');
			const call = request?.messages
				.flatMap((m) => m.tool_calls ?? [])
				.find((c) => c.id === toolMessage?.tool_call_id);
			const returned = JSON.parse(String(toolMessage?.content ?? '[]')) as Array<
				Record<string, unknown>
			>;
			const count = Number(returned[0]?.count);
			const mistakes: string[] = [];
			if (call?.function.name !== expected.tool)
				mistakes.push(`${id}: the model called ${call?.function.name}, not ${expected.tool}`);
			if (count !== expected.count)
				mistakes.push(`${id}: the tool counted ${count} objects, not ${expected.count}`);
			return {
				headers: ['question', 'tool called', 'tool message (count, class_counts)', 'answer'],
				rows: [
					[
						text.length > 60 ? `${text.slice(0, 57)}...` : text,
						call?.function.name ?? '-',
						`${count}, ${JSON.stringify(returned[0]?.class_counts ?? {})}`,
						answer.length > 70 ? `${answer.slice(0, 67)}...` : answer,
					],
				],
				note: `The tool message is all the model received: Simplify Output's compact result (${JSON.stringify(toolMessage?.content ?? '').length} characters)`,
				mistakes,
			};
		},
	};
}

/**
 * Starts the local chat server and builds the two questions; the OpenAI credential points at it.
 * `server` serves the URL question's image.
 */
export async function startAgentDemo(server: RoboflowServer): Promise<{
	examples: DemoExample[];
	credential: Credential;
	stop: () => Promise<void>;
}> {
	const chat = createOpenAiServer({
		models: [CHAT_MODEL],
		rules: [
			{ match: 'photo I uploaded', tool: TOOLS.upload },
			{ match: 'this picture', tool: TOOLS.url },
		],
	});
	const url = await chat.start();
	const uploadRects = [shapeCell('red', 0, 0), shapeCell('blue', 1, 1), shapeCell('blue', 2, 0)];
	const urlRects = [shapeCell('green', 0, 0), shapeCell('green', 1, 1)];
	const imageUrl = server.addImage('agent-demo.png', shapeImage(urlRects));
	const upload = { base64: shapeImage(uploadRects).toString('base64'), fileName: 'pallets.png' };
	return {
		examples: [
			question(
				chat,
				'demoAgentUpload',
				'How many objects are in the photo I uploaded?',
				{ tool: TOOLS.upload, count: uploadRects.length },
				upload,
			),
			question(chat, 'demoAgentUrl', `What is in this picture: ${imageUrl} ?`, {
				tool: TOOLS.url,
				count: urlRects.length,
			}),
		],
		credential: {
			...LOCAL_OPENAI_CREDENTIAL,
			type: 'openAiApi',
			data: { apiKey: 'sk-local-demo', url: `${url}/v1` },
		},
		stop: async () => await chat.stop(),
	};
}
