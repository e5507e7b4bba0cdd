/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark's reference client runs in Node, never inside n8n */
/**
 * The benchmark's floor: the same model requests sent by a bare Node http client (no n8n),
 * `concurrency` at a time, each with a fresh connection as n8n's helpers make them. Every answer
 * must be a classification (a `top` class), or with `boxes` hold that many predictions.
 *
 *   node bench/raw-client.ts <model url with api_key> <folder> <concurrency> [boxes]   prints {"ms": ..., "items": ...}
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

interface Answer {
	top?: unknown;
	predictions?: unknown;
}

function post(url: string, body: string): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = http.request(url, {
			method: 'POST',
			agent: false,
			headers: {
				'Content-Type': 'application/x-www-form-urlencoded',
				'Content-Length': Buffer.byteLength(body),
			},
		});
		req.on('response', (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => {
				if (res.statusCode === 200)
					resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer);
				else reject(new Error(`HTTP ${res.statusCode}`));
			});
		});
		req.on('error', reject);
		req.end(body);
	});
}

async function main(): Promise<void> {
	const [url, dir, concurrency, boxes] = process.argv.slice(2);
	const valid = (answer: Answer) =>
		boxes === undefined
			? typeof answer.top === 'string'
			: Array.isArray(answer.predictions) && answer.predictions.length === Number(boxes);
	const files = fs
		.readdirSync(dir)
		.sort()
		.map((f) => path.join(dir, f));
	let next = 0;
	const started = process.hrtime.bigint();
	const worker = async () => {
		while (next < files.length) {
			const file = files[next++];
			const answer = await post(url, (await fs.promises.readFile(file)).toString('base64'));
			if (!valid(answer))
				throw new Error(
					`no ${boxes === undefined ? 'classification' : `${boxes} boxes`} for ${file}`,
				);
		}
	};
	await Promise.all(Array.from({ length: Number(concurrency) }, worker));
	process.stdout.write(
		JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, items: files.length }),
	);
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
