'use strict';
// The benchmark's floor: the same classification requests sent by a bare Node http client (no
// n8n), `concurrency` at a time, each with a fresh connection as n8n's helpers make them.
// Usage: node raw-client.js <classify url with api_key> <folder> <concurrency>; prints {"ms": ...}.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

function post(url, body) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, {
			method: 'POST',
			agent: false,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
		});
		req.on('response', (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`HTTP ${res.statusCode}`))));
		});
		req.on('error', reject);
		req.end(body);
	});
}

async function main() {
	const [url, dir, concurrency] = process.argv.slice(2);
	const files = fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
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
	process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, items: files.length }));
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
