/** What the local server's HTTP-level unit tests share: servers stopped after the file, JSON answers. */
import type { RoboflowServerOptions } from '../../tools/roboflow-server';
import { createRoboflowServer } from '../../tools/roboflow-server';

export type Server = ReturnType<typeof createRoboflowServer>;
/** An answer's JSON, read loosely: the tests assert on its shape. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Returns a starter for servers (Inference-style auth, key `k`), all stopped after the test file. */
export function useServers(): (options?: RoboflowServerOptions) => Promise<Server> {
	const servers: Server[] = [];
	afterAll(async () => {
		await Promise.all(servers.map((s) => s.stop()));
	});
	return async (options = {}) => {
		const server = createRoboflowServer({ apiKeys: ['k'], auth: 'inference', ...options });
		await server.start();
		servers.push(server);
		return server;
	};
}

/** Status, JSON (empty when the body is not JSON) and text of an answer. */
export async function readAnswer(
	response: Response,
): Promise<{ status: number; json: Json; text: string }> {
	const text = await response.text();
	let json: Json = {};
	try {
		json = JSON.parse(text) as Json;
	} catch {
		// not JSON: json stays empty, text says what came
	}
	return { status: response.status, json, text };
}
