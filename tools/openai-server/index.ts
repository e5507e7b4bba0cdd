/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local chat model server is an HTTP server in Node, not an n8n node */
/**
 * A local OpenAI-compatible chat model server for tests and the demo: n8n's OpenAI Chat Model
 * node (credential `openAiApi`, Base URL `http://127.0.0.1:<port>/v1`) talks to it as to
 * OpenAI's API, offline. Its answers are scripted (script.ts): first a call of the tool the
 * agent offers, then a final answer quoting what the tool returned. Every request is recorded, so
 * a test can read the tool message the "model" received and the tool descriptions it was given.
 *
 *   import { createOpenAiServer } from '../tools/openai-server/index.ts';
 *   const chat = createOpenAiServer({ rules: [{ match: 'count', tool: 'Detect_objects' }] });
 *   const url = await chat.start();      // http://127.0.0.1:<free port>; Base URL `${url}/v1`
 *   ... chat.requests, chat.toolMessages() ...
 *   await chat.stop();
 *
 * From the command line: `node tools/openai-server/main.ts` (see main.ts).
 *
 * ROUTES (with or without the `/v1` prefix)
 * - `POST /chat/completions`: `{model, messages, tools?, stream?, stream_options?}` -> a
 *   `chat.completion` (or its stream). Any bearer key is accepted; one is required, as OpenAI's.
 * - `GET /models`: `{object: "list", data: [{id, object: "model", ...}]}` (the node's model list).
 * - `GET /_local/requests`: what was recorded, for a look from outside.
 */
import http from 'node:http';

import { close, listen } from '../local-http/index.ts';
import { completion, completionChunks } from './completion.ts';
import type { ChatMessage, ScriptRule, ToolDefinition } from './script.ts';
import { messageText, scriptedAnswer } from './script.ts';

export type { ChatMessage, ScriptRule, ToolDefinition } from './script.ts';

/** A chat completion request as received. */
export interface RecordedRequest {
	model: string;
	messages: ChatMessage[];
	tools: ToolDefinition[];
	stream: boolean;
}

export interface OpenAiServerOptions {
	/** Scripted tool choices (script.ts); without any, the first tool offered is called. */
	rules?: ScriptRule[];
	/** The models GET /models lists (default: one, `local-model`). */
	models?: string[];
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body));
}

/** An error as OpenAI's API words one. */
function apiError(res: http.ServerResponse, status: number, message: string, type: string): void {
	send(res, status, { error: { message, type, param: null, code: null } });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

export function createOpenAiServer(options: OpenAiServerOptions = {}) {
	const rules = options.rules ?? [];
	const models = options.models ?? ['local-model'];
	const requests: RecordedRequest[] = [];
	let calls = 0;

	async function chatCompletion(req: http.IncomingMessage, res: http.ServerResponse) {
		let body: Partial<RecordedRequest> & { stream_options?: { include_usage?: boolean } };
		try {
			body = JSON.parse(await readBody(req)) as typeof body;
		} catch {
			apiError(
				res,
				400,
				'We could not parse the JSON body of your request.',
				'invalid_request_error',
			);
			return;
		}
		if (!Array.isArray(body.messages) || typeof body.model !== 'string') {
			apiError(res, 400, "'model' and 'messages' are required.", 'invalid_request_error');
			return;
		}
		const recorded: RecordedRequest = {
			model: body.model,
			messages: body.messages,
			tools: Array.isArray(body.tools) ? body.tools : [],
			stream: body.stream === true,
		};
		requests.push(recorded);
		const answer = scriptedAnswer(recorded.messages, recorded.tools, rules, ++calls);
		const id = `chatcmpl-local-${calls}`;
		const prompt = recorded.messages.map(messageText).join('\n');
		if (!recorded.stream) {
			send(res, 200, completion(id, recorded.model, answer, prompt));
			return;
		}
		res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
		const includeUsage = body.stream_options?.include_usage === true;
		for (const event of completionChunks(id, recorded.model, answer, prompt, includeUsage))
			res.write(event);
		res.end();
	}

	const server = http.createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0].replace(/^\/v1(?=\/)/, '');
		if (path === '/_local/requests' && req.method === 'GET') {
			send(res, 200, requests);
			return;
		}
		if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
			apiError(
				res,
				401,
				"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
				'invalid_request_error',
			);
			return;
		}
		if (path === '/chat/completions' && req.method === 'POST') {
			chatCompletion(req, res).catch((error: unknown) => {
				apiError(res, 500, String(error), 'server_error');
			});
			return;
		}
		if (path === '/models' && req.method === 'GET') {
			send(res, 200, {
				object: 'list',
				data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'local' })),
			});
			return;
		}
		apiError(res, 404, `Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error');
	});

	return {
		url: '',
		/** Every chat completion request, in order. */
		requests,
		/** The tool messages the model received, in order: what each tool call returned. */
		toolMessages(): Array<{ tool: string; content: string }> {
			const seen = new Set<string>();
			const found: Array<{ tool: string; content: string }> = [];
			for (const request of requests) {
				const calls = request.messages.flatMap((m) => m.tool_calls ?? []);
				for (const message of request.messages) {
					if (message.role !== 'tool' || !message.tool_call_id) continue;
					if (seen.has(message.tool_call_id)) continue;
					seen.add(message.tool_call_id);
					const call = calls.find((c) => c.id === message.tool_call_id);
					found.push({ tool: call?.function.name ?? '', content: messageText(message) });
				}
			}
			return found;
		},
		/** Forgets what was recorded (call ids keep counting, so they stay unique). */
		reset(): void {
			requests.length = 0;
		},
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
