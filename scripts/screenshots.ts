/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- a command-line script that drives the demo and a browser from Node, never inside n8n */
/**
 * npm run screenshots: starts `npm run demo -- --ui`, runs the first example workflow in the
 * n8n editor in headless Chromium and saves the README's pictures to docs/. Needs Debian's
 * chromium (/usr/bin/chromium, or CHROMIUM_PATH); not part of the tests.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { ROOT } from '../test/support/paths.ts';

const PORT = Number(process.env.N8N_PORT ?? 5678);

interface Demo {
	stop: () => Promise<void>;
	/** The first example's workflow in the editor. */
	url: string;
	email: string;
	password: string;
}

function startDemo(): Promise<Demo> {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- runs this repository's demo script with fixed arguments
	const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.ts'), '--ui'], {
		cwd: ROOT,
		env: { ...process.env, N8N_PORT: String(PORT) },
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
	const stop = async () => {
		child.kill('SIGTERM');
		await exited;
	};
	return new Promise((resolve, reject) => {
		let out: string | undefined = '';
		// Read the demo's output to the end: n8n logs into the same pipe until it stops.
		child.stdout.on('data', (chunk: Buffer) => {
			if (out === undefined) return;
			out += chunk.toString('utf8');
			const editor = /n8n editor: (\S+)/.exec(out);
			const login = /Sign in as (\S+) \/ (\S+),/.exec(out);
			if (editor && login) {
				out = undefined;
				resolve({ stop, url: editor[1], email: login[1], password: login[2] });
			}
		});
		void exited.then((code) =>
			reject(new Error(`the demo exited (${code}) before the editor was ready`)),
		);
	});
}

async function main(): Promise<void> {
	const demo = await startDemo();
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	try {
		const page = await (
			await browser.newContext({ viewport: { width: 1400, height: 800 } })
		).newPage();
		const base = new URL(demo.url).origin;
		const login = await page.request.post(`${base}/rest/login`, {
			data: { emailOrLdapLoginId: demo.email, password: demo.password },
		});
		if (!login.ok()) throw new Error(`login failed: HTTP ${login.status()}`);
		await page.goto(demo.url);
		await page.locator('[data-test-id="execute-workflow-button"]').click();
		// The run is done when the last Write Files node has a success mark and edge counts show.
		await page.getByText('6 items').first().waitFor();
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'editor-workflow.png') });

		const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Roboflow' });
		const box = await node.boundingBox();
		if (!box) throw new Error('the Roboflow node is not on the canvas');
		await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
		// The output panel is the right-hand one, so its JSON tab is the last on the page.
		await page.getByText('JSON', { exact: true }).last().click();
		await page.getByText('"predicted_classes"').first().waitFor();
		await page.screenshot({ path: path.join(ROOT, 'docs', 'editor-roboflow-output.png') });
		process.stderr.write('Saved docs/editor-workflow.png and docs/editor-roboflow-output.png\n');
	} finally {
		await browser.close();
		await demo.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
