/**
 * The demo's AI Agent part: examples/agent-vision-tool.json (the Agent with two Roboflow tools,
 * Simplify Output on) against the local chat server (tools/openai-server), which calls the tool a
 * question names and answers by quoting what it returned. Two questions, each its own run: one
 * with a photo uploaded (the tool reads it from the chat's item), one with an image URL.
 */
import { createOpenAiServer } from '../tools/openai-server/index.ts';
import type { RoboflowServer } from '../tools/roboflow-server/index.ts';
import { cells, shapeImage } from '../test/support/images.ts';
import type { Credential } from '../test/support/n8n.ts';
import { chatLike, EXAMPLES, example, LOCAL_OPENAI_CREDENTIAL } from '../test/support/workflows.ts';
import type { DemoExample } from './demoExamples.ts';

const CHAT_MODEL = 'local-model';
const TOOLS = {
	upload: 'Count_objects_in_the_uploaded_photo',
	url: 'Count_objects_at_an_image_URL',
};
const cut = (text: string, length: number) =>
	text.length > length ? `${text.slice(0, length - 3)}...` : text;

/** Starts the chat server; the two questions, and the OpenAI credential pointing at it. `server` serves the URL question's image. */
export async function agentQuestions(
	server: RoboflowServer,
): Promise<{ examples: DemoExample[]; credential: Credential; stop: () => Promise<void> }> {
	const chat = createOpenAiServer({
		models: [CHAT_MODEL],
		rules: [
			{ match: 'photo I uploaded', tools: [TOOLS.upload] },
			{ match: 'this picture', tools: [TOOLS.url] },
		],
	});
	const url = await chat.start();
	const uploadRects = cells('red 0 0, blue 1 1, blue 2 0');
	const urlRects = cells('green 0 0, green 1 1');
	const imageUrl = server.addImage('agent-demo.png', shapeImage(urlRects));
	const question = (id: string, text: string, count: number, upload?: Buffer): DemoExample => {
		const agent = example(EXAMPLES.agent.file, id, { chatModel: CHAT_MODEL, model: 'shapes/1' });
		const workflow = chatLike(agent, text, upload);
		workflow.name = `AI Agent with a Roboflow vision tool: ${upload ? 'a chat upload' : 'an image URL'}`;
		// The runs go one at a time: the last tool message is this run's.
		const message = () => chat.toolMessages().at(-1) ?? { tool: '-', content: '[{}]' };
		const result = () => (JSON.parse(message().content) as Array<Record<string, unknown>>)[0];
		return {
			file: EXAMPLES.agent.file,
			workflow,
			dirs: [],
			node: EXAMPLES.agent.agent,
			columns: {
				question: () => cut(text, 60),
				'tool called': () => message().tool,
				objects: () => String(result().count),
				class_counts: () => JSON.stringify(result().class_counts ?? {}),
				answer: (item) => cut(String(item.json.output), 70),
			},
			note: "The tool message is all the model received: Simplify Output's compact result",
			right: { column: 2, answers: new Map([[cut(text, 60), String(count)]]) },
		};
	};
	return {
		examples: [
			question(
				'demoAgentUpload',
				'How many objects are in the photo I uploaded?',
				uploadRects.length,
				shapeImage(uploadRects),
			),
			question('demoAgentUrl', `What is in this picture: ${imageUrl} ?`, urlRects.length),
		],
		credential: {
			...LOCAL_OPENAI_CREDENTIAL,
			type: 'openAiApi',
			data: { apiKey: 'sk-local-demo', url: `${url}/v1` },
		},
		stop: async () => await chat.stop(),
	};
}
