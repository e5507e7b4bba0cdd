/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * The AI Agent example in real n8n, offline: n8n's AI Agent and OpenAI Chat Model, the model being
 * the local scripted chat server, which calls three Roboflow tools at once (the example's two and
 * one with a wrong model) and answers by quoting them. What n8n hands the model (the tools'
 * descriptions and schemas, each tool's message) is read back from the chat server. Then an agent
 * whose one tool is Find Objects by Text, its prompts from `$fromAI`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cells, shapeCell, shapeImage } from '../support/images.ts';
import { nodeOutputs } from '../support/n8n.ts';
import { chatLike, EXAMPLES, example } from '../support/workflows.ts';
import type { E2eCase, World } from '../support/world.ts';
import { budget, CHAT_MODEL } from '../support/world.ts';

const ID = 'e2eAgent';
const FIND_ID = 'e2eAgentFind';
/** The tools as the model sees them: the node names with spaces as underscores. */
const TOOLS = {
	upload: 'Count_objects_in_the_uploaded_photo',
	url: 'Count_objects_at_an_image_URL',
	wrong: 'Detect_objects',
};
const FIND_TOOL = 'Find_objects_by_text';
/** 25 objects at the URL (more than Simplify Output lists), 3 in the upload. */
const URL_RECTS = Array.from({ length: 25 }, (_, i) =>
	shapeCell((['red', 'blue', 'green'] as const)[i % 3], i % 5, Math.floor(i / 5)),
);
const UPLOAD_RECTS = cells('red 0 0, red 1 1, blue 2 0');

/** The example's agent with one tool: Find Objects by Text on the upload, the model giving the prompts. */
function findAgent(world: World) {
	world.chat.rules.push({
		match: '[find]',
		tools: [FIND_TOOL],
		args: { prompts: 'red box, blue box, yellow box' },
	});
	const agent = chatLike(
		example(EXAMPLES.agent.file, FIND_ID, { chatModel: CHAT_MODEL }),
		'[find] Are there red, blue or yellow boxes in my photo?',
		shapeImage(UPLOAD_RECTS),
	);
	const upload = agent.nodes.find((n) => n.name === EXAMPLES.agent.uploadTool);
	assert.ok(upload);
	const find = {
		...upload,
		id: 'find-by-text',
		name: 'Find objects by text',
		parameters: {
			operation: 'findByText',
			inputType: 'binaryData',
			binaryPropertyName: upload.parameters.binaryPropertyName,
			prompts:
				"={{ $fromAI('prompts', 'What to find, comma-separated, e.g. person, helmet', 'string') }}",
			options: { simplify: true },
		},
	};
	const tools: string[] = [EXAMPLES.agent.uploadTool, EXAMPLES.agent.urlTool];
	agent.nodes = [...agent.nodes.filter((n) => !tools.includes(n.name)), find];
	agent.connections[find.name] = agent.connections[upload.name];
	for (const tool of tools) delete agent.connections[tool];
	return agent;
}

export const agentCase: E2eCase = {
	name: 'the AI Agent example, the node as its tools',

	workflows(world: World) {
		const url = world.server.addImage('agent-shapes.png', shapeImage(URL_RECTS, 200, 200));
		const message = `[agent] How many objects are in my photo, and in ${url} ?`;
		world.chat.rules.push({ match: '[agent]', tools: [TOOLS.upload, TOOLS.url, TOOLS.wrong] });
		const agent = chatLike(
			example(EXAMPLES.agent.file, ID, { chatModel: CHAT_MODEL, model: 'shapes/1' }),
			message,
			shapeImage(UPLOAD_RECTS),
		);
		const urlTool = agent.nodes.find((n) => n.name === EXAMPLES.agent.urlTool);
		assert.ok(urlTool);
		const wrong = {
			...urlTool,
			id: 'wrong-model',
			name: 'Detect objects',
			parameters: {
				...urlTool.parameters,
				modelId: { __rl: true, mode: 'id', value: 'no-such-model/1' },
			},
		};
		agent.nodes.push(wrong);
		agent.connections[wrong.name] = agent.connections[urlTool.name];
		return [agent, findAgent(world)];
	},

	tests(world: World) {
		test(
			"each tool's simplified result is the message the model reads; a wrong model comes back as an error and the agent answers",
			budget({ executions: 1 }),
			async () => {
				const run = await world.run(ID);
				const results = Object.fromEntries(
					world.chat.toolMessages().map(({ tool, content }) => [tool, JSON.parse(content)[0]]),
				);
				assert.deepEqual(Object.keys(results).sort(), Object.values(TOOLS).sort());
				// Only the result: not the agent's input (chatInput, sessionId) the tool's item carried.
				assert.deepEqual(Object.keys(results[TOOLS.url]).sort(), [
					'class_counts',
					'classes',
					'confidence',
					'count',
					'predictions',
					'top',
				]);
				assert.deepEqual(
					[results[TOOLS.url].count, results[TOOLS.url].class_counts],
					[25, { red: 9, blue: 8, green: 8 }],
				);
				assert.equal(results[TOOLS.url].predictions.length, 20);
				assert.deepEqual(
					[results[TOOLS.upload].count, results[TOOLS.upload].class_counts],
					[3, { red: 2, blue: 1 }],
				);
				assert.deepEqual(Object.keys(results[TOOLS.wrong]).sort(), ['error', 'message']);
				assert.match(results[TOOLS.wrong].error, /^Roboflow found no model with this ID/);
				const answer = String(nodeOutputs(run, EXAMPLES.agent.agent)[0][0].json.output);
				assert.match(answer, new RegExp(`The tool ${TOOLS.url} answered: \\[\\{"count":25`));
				assert.match(answer, /Roboflow found no model with this ID/);
			},
		);

		test(
			"each tool describes itself to the model; $fromAI's argument is the image URL",
			budget({ executions: 1 }),
			async () => {
				await world.run(ID);
				const offered = world.chat.requests[0].tools.map((t) => t.function);
				const url = offered.find((tool) => tool.name === TOOLS.url);
				assert.match(url?.description ?? '', /^Detects and counts objects in an image/);
				assert.deepEqual(Object.keys(url?.parameters?.properties ?? {}), ['imageUrl']);
			},
		);

		test(
			"Find Objects by Text as a tool: $fromAI's prompts in its schema, the count per prompt the model reads",
			budget({ executions: 1 }),
			async () => {
				await world.run(FIND_ID);
				const offered = world.chat.requests.find((r) => r.tools[0]?.function.name === FIND_TOOL);
				const tool = offered?.tools[0].function;
				assert.match(tool?.description ?? '', /^Finds and counts the objects/);
				assert.deepEqual(Object.keys(tool?.parameters?.properties ?? {}), ['prompts']);
				const [result] = world.chat.toolMessages().filter((m) => m.tool === FIND_TOOL);
				assert.deepEqual(JSON.parse(result.content)[0].class_counts, {
					'red box': 2,
					'blue box': 1,
					'yellow box': 0,
				});
			},
		);
	},
};
