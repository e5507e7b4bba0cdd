/* eslint-disable @n8n/community-nodes/no-restricted-imports -- local test servers run in Node, never inside n8n */
/** Starting and stopping the local test servers (Roboflow, OpenAI-compatible) on loopback. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (port 0: a free one) and returns the server's base URL. */
export async function listen(server: http.Server, port = 0, host = '127.0.0.1'): Promise<string> {
	await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
	const address = server.address() as AddressInfo;
	return `http://${host}:${address.port}`;
}

/** Stops the server, cutting the connections still open so no client keeps it alive. */
export async function close(server: http.Server): Promise<void> {
	server.closeAllConnections?.();
	await new Promise<void>((resolve) => server.close(() => resolve()));
}
