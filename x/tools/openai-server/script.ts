/**
 * What the scripted model answers: a decision from the conversation so far, the way a real model
 * with one tool would act, but fixed so tests can predict it.
 *
 * - No tool message yet: call a tool. Which one: the first rule whose `match` the user's message
 *   contains, else the first tool offered. Its arguments: the rule's, else built from the tool's
 *   JSON schema (a property whose name mentions "url" gets the first URL in the user's message,
 *   any other string property the message itself).
 * - A tool message after the last user message: the final answer, quoting what the tool returned
 *   (`The tool <name> answered: <content>`), so a test sees the model "read" the tool's output.
 */

/** One message of an OpenAI chat completion request, as far as the script reads it. */
export interface ChatMessage {
	role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
	content?: string | Array<{ type: string; text?: string; image_url?: unknown }> | null;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
	name?: string;
}

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/** A tool the request offers (`tools[]`), as OpenAI's API describes one. */
export interface ToolDefinition {
	type: 'function';
	function: { name: string; description?: string; parameters?: JsonSchema };
}

interface JsonSchema {
	type?: string;
	properties?: Record<string, JsonSchema>;
	required?: string[];
}

/** A scripted choice of tool and arguments for user messages containing `match`. */
export interface ScriptRule {
	match: string;
	/** The tool's name as offered (e.g. `Detect_objects`); default: the first tool offered. */
	tool?: string;
	arguments?: Record<string, unknown>;
}

export type ScriptedAnswer =
	| { kind: 'tool_call'; call: ToolCall }
	| { kind: 'text'; content: string };

/** The text of a message's content, whether a string or a list of parts (text and images). */
export function messageText(message: ChatMessage | undefined): string {
	const content = message?.content;
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content
			.map((part) => (part.type === 'text' && part.text ? part.text : ''))
			.filter(Boolean)
			.join('\n');
	return '';
}

const URL_PATTERN = /https?:\/\/[^\s"'<>)]+/;

function argumentsFromSchema(schema: JsonSchema | undefined, userText: string) {
	const args: Record<string, unknown> = {};
	for (const [name, property] of Object.entries(schema?.properties ?? {})) {
		if (property.type !== undefined && property.type !== 'string') continue;
		args[name] = /url/i.test(name) ? (URL_PATTERN.exec(userText)?.[0] ?? '') : userText;
	}
	return args;
}

/** Decides the next answer for `messages`, offered `tools`; `callNumber` makes tool call ids unique. */
export function scriptedAnswer(
	messages: ChatMessage[],
	tools: ToolDefinition[],
	rules: ScriptRule[],
	callNumber: number,
): ScriptedAnswer {
	const lastUser = messages.map((m) => m.role).lastIndexOf('user');
	// The user's turn may be several messages (n8n's Agent sends an uploaded image as its own).
	let firstUser = lastUser;
	while (firstUser > 0 && messages[firstUser - 1].role === 'user') firstUser--;
	const userText = messages
		.slice(firstUser, lastUser + 1)
		.map(messageText)
		.filter(Boolean)
		.join('\n');
	const toolMessages = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
	if (toolMessages.length || !tools.length) {
		const calls = messages.slice(lastUser + 1).flatMap((m) => m.tool_calls ?? []);
		const quoted = toolMessages.map((m) => {
			const name = calls.find((call) => call.id === m.tool_call_id)?.function.name ?? 'tool';
			return `The tool ${name} answered: ${messageText(m)}`;
		});
		return {
			kind: 'text',
			content: quoted.length ? quoted.join('\n') : `You said: ${userText}`,
		};
	}
	const rule = rules.find((candidate) => userText.includes(candidate.match));
	const tool =
		tools.find((candidate) => candidate.function.name === rule?.tool) ??
		(rule?.tool ? undefined : tools[0]);
	if (!tool) {
		return {
			kind: 'text',
			content: `No tool named ${rule?.tool} was offered (offered: ${tools.map((t) => t.function.name).join(', ')})`,
		};
	}
	const args = rule?.arguments ?? argumentsFromSchema(tool.function.parameters, userText);
	return {
		kind: 'tool_call',
		call: {
			id: `call_${callNumber}`,
			type: 'function',
			function: { name: tool.function.name, arguments: JSON.stringify(args) },
		},
	};
}
