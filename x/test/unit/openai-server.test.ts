/** The local OpenAI-compatible chat server: scripted tool call, then an answer quoting the tool; recording; streaming. */
import type { OpenAiServer, ToolDefinition } from '../../tools/openai-server';
import { createOpenAiServer } from '../../tools/openai-server';

const TOOLS: ToolDefinition[] = [
	{
		type: 'function',
		function: {
			name: 'Detect_objects',
			description: 'Detects and counts objects',
			parameters: {
				type: 'object',
				properties: { imageUrl: { type: 'string' }, note: { type: 'string' } },
			},
		},
	},
	{ type: 'function', function: { name: 'Run_workflow', parameters: { type: 'object' } } },
];

let server: OpenAiServer;
afterEach(async () => await server?.stop());

async function chat(body: unknown, key = 'sk-local') {
	const response = await fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
		body: JSON.stringify(body),
	});
	return { status: response.status, text: await response.text() };
}

const user = { role: 'user', content: 'How many? https://example.com/a.png' };

test('first a call of the first tool, its URL argument taken from the user message', async () => {
	server = createOpenAiServer();
	await server.start();
	const { status, text } = await chat({ model: 'local-model', messages: [user], tools: TOOLS });
	expect(status).toBe(200);
	const answer = JSON.parse(text) as {
		choices: Array<{
			message: { tool_calls: Array<{ function: { name: string; arguments: string } }> };
			finish_reason: string;
		}>;
	};
	expect(answer.choices[0].finish_reason).toBe('tool_calls');
	const call = answer.choices[0].message.tool_calls[0].function;
	expect(call.name).toBe('Detect_objects');
	expect(JSON.parse(call.arguments)).toEqual({
		imageUrl: 'https://example.com/a.png',
		note: user.content,
	});
	expect(server.requests).toHaveLength(1);
	expect(server.requests[0].tools.map((t) => t.function.name)).toEqual([
		'Detect_objects',
		'Run_workflow',
	]);
});

test('a rule picks the tool and its arguments; then the answer quotes the tool message', async () => {
	server = createOpenAiServer({
		rules: [{ match: 'workflow', tool: 'Run_workflow', arguments: { x: 1 } }],
	});
	await server.start();
	const first = JSON.parse(
		(
			await chat({
				model: 'm',
				messages: [{ role: 'user', content: 'run the workflow' }],
				tools: TOOLS,
			})
		).text,
	) as {
		choices: Array<{
			message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
		}>;
	};
	const call = first.choices[0].message.tool_calls[0];
	expect(call.function).toEqual({ name: 'Run_workflow', arguments: '{"x":1}' });
	const second = JSON.parse(
		(
			await chat({
				model: 'm',
				tools: TOOLS,
				messages: [
					{ role: 'user', content: 'run the workflow' },
					{ role: 'assistant', content: null, tool_calls: [{ ...call, type: 'function' }] },
					{ role: 'tool', tool_call_id: call.id, content: '[{"count":3}]' },
				],
			})
		).text,
	) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
	expect(second.choices[0]).toMatchObject({
		finish_reason: 'stop',
		message: { content: 'The tool Run_workflow answered: [{"count":3}]' },
	});
	expect(server.toolMessages()).toEqual([{ tool: 'Run_workflow', content: '[{"count":3}]' }]);
});

test('streams the same answer as chunks ending in [DONE], with usage when asked', async () => {
	server = createOpenAiServer();
	await server.start();
	const { text } = await chat({
		model: 'm',
		messages: [user],
		tools: TOOLS,
		stream: true,
		stream_options: { include_usage: true },
	});
	const events = text
		.split('\n\n')
		.filter(Boolean)
		.map((line) => line.replace(/^data: /, ''));
	expect(events.at(-1)).toBe('[DONE]');
	interface Chunk {
		choices: Array<{
			delta: { tool_calls?: Array<{ function: { name: string } }> };
			finish_reason: string | null;
		}>;
		usage?: { total_tokens: number };
	}
	const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Chunk);
	expect(chunks[1].choices[0].delta.tool_calls?.[0].function.name).toBe('Detect_objects');
	expect(chunks[2].choices[0].finish_reason).toBe('tool_calls');
	expect(chunks[3].usage?.total_tokens).toBeGreaterThan(0);
});

test('refuses a request without a key, as OpenAI does', async () => {
	server = createOpenAiServer();
	await server.start();
	const response = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
	expect(response.status).toBe(401);
	expect(server.requests).toHaveLength(0);
});
