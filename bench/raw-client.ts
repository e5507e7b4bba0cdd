/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- the benchmark's reference client runs in Node, never inside n8n */
/**
 * The benchmark's floor: the same classification requests sent by a bare Node http client (no
 * n8n), `concurrency` at a time, each with a fresh connection as n8n's helpers make them.
 *
 *   node bench/raw-client.ts <classify url with api_key> <folder> <concurrency>   prints {"ms": ..., "items": ...}
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

function post(url: string, body: string): Promise<{ top?: unknown }> {
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
					resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { top?: unknown });
				else reject(new Error(`HTTP ${res.statusCode}`));
			});
		});
		req.on('error', reject);
		req.end(body);
	});
}

async function main(): Promise<void> {
	const [url, dir, concurrency] = process.argv.slice(2);
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
			if (typeof answer.top !== 'string') throw new Error(`no classification for ${file}`);
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
