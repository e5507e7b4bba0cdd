/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark's reference client runs in Node, never inside n8n */
/**
 * The benchmark's floor: the model requests of a folder's images sent by a bare Node http client
 * (no n8n), `concurrency` at a time, each on a fresh connection as n8n's helpers make them. Every
 * answer must be a classification (a `top` class), or with `boxes` hold that many predictions.
 *
 *   node bench/raw-client.ts <model url with api_key> <folder> <concurrency> [boxes]   prints {"ms": ...}
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [url, dir, concurrency, boxes] = process.argv.slice(2);

async function post(body: string): Promise<{ top?: unknown; predictions?: unknown[] }> {
	const headers = {
		'Content-Type': 'application/x-www-form-urlencoded',
		'Content-Length': Buffer.byteLength(body),
	};
	const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
		http
			.request(url, { method: 'POST', agent: false, headers }, resolve)
			.on('error', reject)
			.end(body),
	);
	const chunks: Buffer[] = [];
	for await (const chunk of response) chunks.push(chunk as Buffer);
	if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
	return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const files = fs.readdirSync(dir).sort();
const started = performance.now();
const worker = async () => {
	for (let file = files.shift(); file; file = files.shift()) {
		const answer = await post(
			(await fs.promises.readFile(path.join(dir, file))).toString('base64'),
		);
		const valid = boxes
			? answer.predictions?.length === Number(boxes)
			: typeof answer.top === 'string';
		if (!valid) throw new Error(`no ${boxes ? `${boxes} boxes` : 'classification'} for ${file}`);
	}
};
Promise.all(Array.from({ length: Number(concurrency) }, worker)).then(
	() => process.stdout.write(JSON.stringify({ ms: performance.now() - started })),
	(error: unknown) => {
		process.stderr.write(`${String(error)}\n`);
		process.exit(1);
	},
);
