/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local chat model server is an HTTP server in Node, not an n8n node */
/**
 * A local OpenAI-compatible chat model server for tests and the demo: n8n's OpenAI Chat Model
 * node (credential `openAiApi`, Base URL `http://127.0.0.1:<port>/v1`, any key) talks to it as to
 * OpenAI's API, offline. Its answers are scripted (script.ts): tool calls, then a final answer
 * quoting what the tools returned. Every request is recorded, so a test can read what the "model"
 * was offered and what the tools told it.
 *
 *   const chat = createOpenAiServer({ rules: [{ match: 'count', tools: ['Detect_objects'] }] });
 *   const url = await chat.start();      // Base URL `${url}/v1`
 *   chat.requests, chat.toolMessages()
 *
 * Routes, with or without `/v1`: `POST /chat/completions` (`stream` too) and `GET /models`.
 */
import http from 'node:http';

import { close, listen } from '../local-http/index.ts';
import type { ChatMessage, ScriptedAnswer, ScriptRule, ToolDefinition } from './script.ts';
import { messageText, scriptedAnswer } from './script.ts';

export type { ChatMessage, ScriptRule, ToolDefinition } from './script.ts';

/** A chat completion request as received. */
export interface RecordedRequest {
	model: string;
	messages: ChatMessage[];
	tools: ToolDefinition[];
}

/** The answer as OpenAI's API gives it: one `chat.completion`, or for `stream` its chunks. */
function completion(
	id: string,
	model: string,
	answer: ScriptedAnswer,
	stream?: { include_usage?: boolean },
): string {
	const message =
		'calls' in answer
			? { role: 'assistant', content: null, tool_calls: answer.calls }
			: { role: 'assistant', content: answer.content };
	const finish_reason = 'calls' in answer ? 'tool_calls' : 'stop';
	const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
	const base = { id, created: Math.floor(Date.now() / 1000), model };
	if (!stream)
		return JSON.stringify({
			...base,
			object: 'chat.completion',
			choices: [{ index: 0, message, finish_reason }],
			usage,
		});
	const delta =
		'calls' in answer
			? { ...message, tool_calls: answer.calls.map((call, index) => ({ index, ...call })) }
			: message;
	const chunk = (choices: object[], extra = {}) =>
		`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
	const chunks = [
		chunk([{ index: 0, delta, finish_reason: null }]),
		chunk([{ index: 0, delta: {}, finish_reason }]),
	];
	if (stream.include_usage) chunks.push(chunk([], { usage }));
	return [...chunks, 'data: [DONE]\n\n'].join('');
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body));
}

/** An error as OpenAI's API words one. */
const refuse = (res: http.ServerResponse, status: number, message: string) =>
	send(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });

/** Each tool call's answer, once, with the tool's name, from the requests that carried it. */
function toolMessages(requests: RecordedRequest[]): Array<{ tool: string; content: string }> {
	const found = new Map<string, { tool: string; content: string }>();
	for (const { messages } of requests) {
		const calls = messages.flatMap((m) => m.tool_calls ?? []);
		for (const m of messages.filter(
			(m) => m.role === 'tool' && m.tool_call_id && !found.has(m.tool_call_id),
		)) {
			const tool = calls.find((c) => c.id === m.tool_call_id)?.function.name ?? '';
			found.set(m.tool_call_id as string, { tool, content: messageText(m) });
		}
	}
	return [...found.values()];
}

export function createOpenAiServer({
	rules = [],
	models = ['local-model'],
}: { rules?: ScriptRule[]; models?: string[] } = {}) {
	const requests: RecordedRequest[] = [];

	async function chatCompletion(req: http.IncomingMessage, res: http.ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<RecordedRequest> & {
			stream?: boolean;
			stream_options?: { include_usage?: boolean };
		};
		if (!Array.isArray(body.messages) || typeof body.model !== 'string')
			return refuse(res, 400, "'model' and 'messages' are required.");
		const request = { model: body.model, messages: body.messages, tools: body.tools ?? [] };
		requests.push(request);
		const answer = scriptedAnswer(request.messages, request.tools, rules, requests.length);
		res.writeHead(200, { 'Content-Type': body.stream ? 'text/event-stream' : 'application/json' });
		const stream = body.stream ? (body.stream_options ?? {}) : undefined;
		res.end(completion(`chatcmpl-local-${requests.length}`, request.model, answer, stream));
	}

	const server = http.createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0].replace(/^\/v1(?=\/)/, '');
		if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
			return refuse(
				res,
				401,
				"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
			);
		if (path === '/chat/completions' && req.method === 'POST') {
			chatCompletion(req, res).catch((error: unknown) => refuse(res, 400, String(error)));
			return;
		}
		if (path === '/models' && req.method === 'GET')
			return send(res, 200, {
				object: 'list',
				data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'local' })),
			});
		refuse(res, 404, `Unknown request URL: ${req.method} ${req.url}`);
	});

	return {
		url: '',
		/** The scripted choices of tools, in order; a test may add its own. */
		rules,
		/** Every chat completion request, in order. */
		requests,
		/** What each tool call returned, in order, as the model received it. */
		toolMessages: () => toolMessages(requests),
		async start(port = 0, host = '127.0.0.1'): Promise<string> {
			this.url = await listen(server, port, host);
			return this.url;
		},
		async stop(): Promise<void> {
			await close(server);
		},
	};
}

export type OpenAiServer = ReturnType<typeof createOpenAiServer>;
