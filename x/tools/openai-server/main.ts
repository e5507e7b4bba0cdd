/* eslint-disable @n8n/community-nodes/no-restricted-globals -- a command-line script, never inside n8n: reads its environment, writes to the terminal */
/**
 * Starts the local OpenAI-compatible chat model server from the command line:
 *
 *   node tools/openai-server/main.ts      (PORT, default 9002; HOST, default 127.0.0.1)
 *
 * Point an OpenAI credential's Base URL at `http://127.0.0.1:9002/v1` (any API key).
 */
import { createOpenAiServer } from './index.ts';

const server = createOpenAiServer();
server.start(Number(process.env.PORT ?? 9002), process.env.HOST ?? '127.0.0.1').then((url) => {
	process.stdout.write(
		`Local OpenAI-compatible chat server on ${url}/v1 (scripted: it calls the first tool, then quotes its answer)\n`,
	);
});
