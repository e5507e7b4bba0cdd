/**
 * What the scripted model answers: a decision from the conversation so far, the way a real model
 * with tools would act, but fixed so that tests can predict it.
 *
 * - No tool message after the user's turn yet: call tools, in parallel: those of the first rule
 *   whose `match` the user's turn contains, else the first tool offered. Arguments: the rule's
 *   `args`, else from each tool's JSON schema: a property whose name mentions "url" gets the
 *   first URL in the user's turn, any other string property the turn's text.
 * - Tool messages after it: the final answer, quoting each (`The tool <name> answered: <content>`),
 *   so that a test sees what the model "read".
 */

/** One message of an OpenAI chat completion request, as far as the script reads it. */
export interface ChatMessage {
	role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
	content?: string | Array<{ type: string; text?: string }> | null;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
}

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

/** A tool the request offers (`tools[]`), as OpenAI's API describes one. */
export interface ToolDefinition {
	type: 'function';
	function: {
		name: string;
		description?: string;
		parameters?: { properties?: Record<string, { type?: string }> };
	};
}

/** For a user's turn containing `match`: call these tools (names as offered), `args` as given. */
export interface ScriptRule {
	match: string;
	tools: string[];
	/** Arguments by name that the turn's text cannot give (e.g. a list of prompts). */
	args?: Record<string, string>;
}

export type ScriptedAnswer = { calls: ToolCall[] } | { content: string };

/** The text of a message's content, a string or a list of parts (text and images). */
export function messageText(message: ChatMessage): string {
	const { content } = message;
	if (!Array.isArray(content)) return content ?? '';
	return content
		.flatMap((part) => (part.type === 'text' && part.text ? [part.text] : []))
		.join('\n');
}

function argumentsFor(tool: ToolDefinition, userText: string, given: ScriptRule['args']): string {
	const args: Record<string, string> = {};
	for (const [name, property] of Object.entries(tool.function.parameters?.properties ?? {})) {
		if (property.type !== undefined && property.type !== 'string') continue;
		const url = /https?:\/\/[^\s"'<>)]+/.exec(userText)?.[0] ?? '';
		args[name] = given?.[name] ?? (/url/i.test(name) ? url : userText);
	}
	return JSON.stringify(args);
}

/** The next answer to `messages`, offered `tools`; `callNumber` keeps tool call ids unique. */
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
		.join('\n');
	const after = messages.slice(lastUser + 1);
	const results = after.filter((m) => m.role === 'tool');
	if (results.length || !tools.length) {
		const calls = after.flatMap((m) => m.tool_calls ?? []);
		const name = (id?: string) => calls.find((call) => call.id === id)?.function.name ?? 'tool';
		const quoted = results.map(
			(m) => `The tool ${name(m.tool_call_id)} answered: ${messageText(m)}`,
		);
		return { content: quoted.length ? quoted.join('\n') : `You said: ${userText}` };
	}
	const rule = rules.find((r) => userText.includes(r.match));
	const names = rule?.tools ?? [tools[0].function.name];
	const chosen = names.map((name) => tools.find((tool) => tool.function.name === name));
	if (chosen.some((tool) => !tool))
		return {
			content: `No tool named ${names.join(', ')} was offered (offered: ${tools.map((t) => t.function.name).join(', ')})`,
		};
	return {
		calls: (chosen as ToolDefinition[]).map((tool, i) => ({
			id: `call_${callNumber}_${i}`,
			type: 'function',
			function: { name: tool.function.name, arguments: argumentsFor(tool, userText, rule?.args) },
		})),
	};
}
