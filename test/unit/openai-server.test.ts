/** The local OpenAI-compatible chat server: scripted tool calls, then an answer quoting the tools; recording; streaming. */
import type { OpenAiServer, ToolDefinition } from '../../tools/openai-server';
import { createOpenAiServer } from '../../tools/openai-server';

const TOOLS: ToolDefinition[] = [
	{
		type: 'function',
		function: {
			name: 'Detect_objects',
			parameters: { properties: { imageUrl: { type: 'string' }, note: { type: 'string' } } },
		},
	},
	{ type: 'function', function: { name: 'Run_workflow', parameters: {} } },
];
const user = { role: 'user', content: 'How many? https://example.com/a.png' };

let server: OpenAiServer;
afterEach(async () => await server?.stop());

async function chat(
	body: object,
	headers: Record<string, string> = { Authorization: 'Bearer sk-local' },
) {
	const response = await fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', ...headers },
		body: JSON.stringify({ model: 'm', tools: TOOLS, ...body }),
	});
	return { status: response.status, text: await response.text() };
}

type ToolCalls = Array<{
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}>;
type Completion = {
	choices: Array<{ message: { content: string; tool_calls: ToolCalls }; finish_reason: string }>;
};
const answer = async (body: object) => JSON.parse((await chat(body)).text) as Completion;

test('without a rule: a call of the first tool, its URL argument taken from the user message', async () => {
	server = createOpenAiServer();
	await server.start();
	const [choice] = (await answer({ messages: [user] })).choices;
	expect(choice.finish_reason).toBe('tool_calls');
	expect(
		choice.message.tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
	).toEqual([['Detect_objects', { imageUrl: 'https://example.com/a.png', note: user.content }]]);
	expect(server.requests.map((r) => r.tools.length)).toEqual([2]);
});

test("a rule's tools are called together; then the answer quotes each tool message", async () => {
	server = createOpenAiServer({
		rules: [{ match: 'both', tools: ['Run_workflow', 'Detect_objects'] }],
	});
	await server.start();
	const ask = { role: 'user', content: 'both please' };
	const calls = (await answer({ messages: [ask] })).choices[0].message.tool_calls;
	expect(calls.map((c) => c.function.name)).toEqual(['Run_workflow', 'Detect_objects']);
	const results = calls.map((call, i) => ({
		role: 'tool',
		tool_call_id: call.id,
		content: `[${i}]`,
	}));
	const messages = [ask, { role: 'assistant', content: null, tool_calls: calls }, ...results];
	const [final] = (await answer({ messages })).choices;
	expect(final).toMatchObject({ finish_reason: 'stop' });
	expect(final.message.content).toBe(
		'The tool Run_workflow answered: [0]\nThe tool Detect_objects answered: [1]',
	);
	expect(server.toolMessages()).toEqual([
		{ tool: 'Run_workflow', content: '[0]' },
		{ tool: 'Detect_objects', content: '[1]' },
	]);
});

test('streams the same answer as chunks ending in [DONE], with usage when asked', async () => {
	server = createOpenAiServer();
	await server.start();
	const { text } = await chat({
		messages: [user],
		stream: true,
		stream_options: { include_usage: true },
	});
	const events = text
		.split('\n\n')
		.filter(Boolean)
		.map((line) => line.replace(/^data: /, ''));
	expect(events.at(-1)).toBe('[DONE]');
	const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
	expect(chunks[0].choices[0].delta.tool_calls[0].function.name).toBe('Detect_objects');
	expect(chunks[1].choices[0].finish_reason).toBe('tool_calls');
	expect(chunks[2].usage.total_tokens).toBeGreaterThan(0);
});

test('refuses a request without a key, as OpenAI does', async () => {
	server = createOpenAiServer();
	await server.start();
	expect((await chat({ messages: [user] }, {})).status).toBe(401);
	expect(server.requests).toHaveLength(0);
});
