/**
 * The answer in OpenAI's chat completion shapes (what the OpenAI SDK behind n8n's OpenAI Chat
 * Model node parses): one `chat.completion` object, or for `stream: true` the server-sent
 * `chat.completion.chunk` events ending in `data: [DONE]`.
 */
import type { ScriptedAnswer } from './script.ts';

/** Rough token counts (4 characters a token): the SDK and n8n's tracing read `usage`. */
function usage(promptText: string, answerText: string) {
	const prompt_tokens = Math.ceil(promptText.length / 4);
	const completion_tokens = Math.ceil(answerText.length / 4);
	return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function assistantMessage(answer: ScriptedAnswer) {
	return answer.kind === 'tool_call'
		? { role: 'assistant', content: null, tool_calls: [answer.call] }
		: { role: 'assistant', content: answer.content };
}

const finishReason = (answer: ScriptedAnswer) =>
	answer.kind === 'tool_call' ? 'tool_calls' : 'stop';

const answerText = (answer: ScriptedAnswer) =>
	answer.kind === 'tool_call' ? answer.call.function.arguments : answer.content;

export function completion(
	id: string,
	model: string,
	answer: ScriptedAnswer,
	promptText: string,
): Record<string, unknown> {
	return {
		id,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [
			{
				index: 0,
				message: assistantMessage(answer),
				logprobs: null,
				finish_reason: finishReason(answer),
			},
		],
		usage: usage(promptText, answerText(answer)),
	};
}

/** The same answer as stream events: role, then the content or tool call, then the finish. */
export function completionChunks(
	id: string,
	model: string,
	answer: ScriptedAnswer,
	promptText: string,
	includeUsage: boolean,
): string[] {
	const created = Math.floor(Date.now() / 1000);
	const chunk = (delta: Record<string, unknown>, finish: string | null, extra = {}) => ({
		id,
		object: 'chat.completion.chunk',
		created,
		model,
		choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
		...extra,
	});
	const body =
		answer.kind === 'tool_call'
			? {
					tool_calls: [
						{
							index: 0,
							id: answer.call.id,
							type: 'function',
							function: answer.call.function,
						},
					],
				}
			: { content: answer.content };
	const events: object[] = [
		chunk({ role: 'assistant', content: answer.kind === 'text' ? '' : null }, null),
		chunk(body, null),
		chunk({}, finishReason(answer)),
	];
	if (includeUsage) {
		events.push({
			id,
			object: 'chat.completion.chunk',
			created,
			model,
			choices: [],
			usage: usage(promptText, answerText(answer)),
		});
	}
	return [...events.map((event) => `data: ${JSON.stringify(event)}\n\n`), 'data: [DONE]\n\n'];
}
