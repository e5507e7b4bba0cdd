/**
 * Bad input, Roboflow's error answers, continue-on-fail and key redaction, through n8n-core's
 * real execution engine against the local server.
 */
import { storeBinary } from './harness/n8n';
import { API_KEY, imageItem, run, useLocalServer } from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

/** Every string n8n keeps from a run: outputs, errors (with stack and cause), run data. */
function everything(value: unknown): string {
	const seen = new WeakSet();
	return JSON.stringify(value, (_key, v: unknown) => {
		if (v instanceof Error) {
			return { ...v, message: v.message, stack: v.stack, cause: (v as { cause?: unknown }).cause };
		}
		if (typeof v === 'object' && v !== null) {
			if (seen.has(v)) return '[circular]';
			seen.add(v);
		}
		return v;
	});
}

describe('bad input gets a clear error naming the item, and nothing is sent', () => {
	test('missing binary field lists the fields the item does have', async () => {
		const item = await imageItem('red');
		item.binary = { attachment_0: item.binary!.data, attachment_1: item.binary!.data };
		const { error } = await run(credentials(), [item]);
		expect(error?.message).toBe('The item has no binary field "data" [item 0]');
		expect(error?.description).toContain('"attachment_0", "attachment_1"');
		expect(error?.description).toContain('Input Binary Field');
		expect(server.stats.requests).toBe(0);
	});

	test('an item without any binary data says how to provide one', async () => {
		const { error } = await run(credentials(), [{ json: { name: 'x' } }]);
		expect(error?.description).toMatch(/no binary data at all/);
	});

	test.each([
		[
			'%PDF-1.7',
			'application/pdf',
			'The file in "data" (invoice.pdf) is not an image: its type is application/pdf [item 0]',
		],
		[
			'<html>404</html>',
			'application/octet-stream',
			'The file in "data" is not an image: its type is application/octet-stream and its content is not a known image format [item 0]',
		],
		['', 'image/png', 'The binary field "data" is empty (0 bytes) [item 0]'],
	])('a file that is no image: %p as %s', async (text, mimeType, message) => {
		const binary = await storeBinary(Buffer.from(text), mimeType, 'invoice.pdf');
		const { error } = await run(credentials(), [{ json: {}, binary }]);
		expect(error?.message).toBe(message);
		expect(server.stats.requests).toBe(0);
	});

	// The size that counts is the request's: base64 makes a file a third larger (docs/roboflow-api.md §8).
	async function pngOfSize(megabytes: number) {
		const bytes = Buffer.alloc(Math.round(megabytes * 1024 * 1024));
		Buffer.from([0x89, 0x50, 0x4e, 0x47]).copy(bytes);
		return { json: {}, binary: await storeBinary(bytes, 'image/png', 'photo.png') };
	}

	test('a 16 MB photo makes a 21 MB request: refused before upload on the Serverless Cloud API', async () => {
		const { error } = await run({ ...credentials(), apiUrl: 'https://serverless.roboflow.com' }, [
			await pngOfSize(16),
		]);
		expect(error?.message).toBe(
			'The image in "data" makes a 21.3 MB request (16.0 MB as a file, a third more as base64), over the 20.0 MB that Roboflow\'s Serverless Cloud API accepts [item 0]',
		);
		expect(error?.description).toMatch(/Edit Image node/);
	});

	test('a 4 MB phone photo is refused before upload on a Hosted API (Legacy) host, 5 MB per request', async () => {
		const { error } = await run({ ...credentials(), apiUrl: 'https://classify.roboflow.com' }, [
			await pngOfSize(4),
		]);
		expect(error?.message).toMatch(
			/makes a 5\.3 MB request .* over the 5\.0 MB that Roboflow's Hosted API \(Legacy\) accepts \[item 0\]/,
		);
		expect(error?.description).toMatch(/serverless\.roboflow\.com/);
	});

	test('a self-hosted server gets any size: no limit is imposed', async () => {
		const { error } = await run(credentials(), [await pngOfSize(16)]);
		// Sent; the server then finds the bytes are no image.
		expect(error?.message).toBe('Roboflow could not read the image [item 0]');
		expect(server.stats.requests).toBe(1);
	});

	test.each(['colors', 'colors/v1', '../colors/1', 'colors/1?x=y', 'colors/1#frag', 'my colors/1'])(
		'a malformed model ID %p',
		async (modelId) => {
			const { error } = await run(credentials(), [await imageItem('red')], { modelId });
			expect(error?.message).toMatch(/is not in the form project\/version \[item 0\]/);
			expect(error?.description).toMatch(/vehicle-classification-eapcd\/2/);
			expect(server.stats.requests).toBe(0);
		},
	);

	test.each([
		['file:///etc/passwd', /only http and https/],
		['ftp://host/x.png', /only http and https/],
		['https://me:secret@host/x.png', /user name or password/],
		['not a url', /not a valid URL/],
	])('an image URL %p', async (imageUrl, message) => {
		const { error } = await run(credentials(), [{ json: {} }], { inputType: 'imageUrl', imageUrl });
		expect(error?.message).toMatch(message);
		expect(error?.message).toMatch(/\[item 0\]/);
		expect(server.stats.requests).toBe(0);
	});
});

describe('Roboflow error answers are mapped to plain messages', () => {
	test.each([
		[402, /out of credits/],
		[413, /too large/],
		[423, /paused usage/],
		[500, /failed to process the request/],
		[507, /failed to process the request/],
	])('HTTP %i', async (status, message) => {
		server.setFaults({ always: { kind: 'status', status } });
		const { error } = await run(credentials(), [await imageItem('red')]);
		expect(error?.message).toMatch(message);
		expect(server.stats.requests).toBe(1);
	});

	test.each([
		[
			'an HTML page',
			{ kind: 'html', status: 200 },
			/an HTML page instead of a classification result/,
		],
		['a body that is not JSON', { kind: 'notJson' }, /text that is not JSON/],
		['JSON without predictions', { kind: 'noPredictions' }, /not a classification result/],
	])('a 200 with %s is an error, never a result', async (_name, fault, message) => {
		server.setFaults({ always: fault });
		const { error, outputs } = await run(credentials(), [await imageItem('red')]);
		expect(error?.message).toMatch(message);
		expect(outputs).toEqual([]);
	});
});

describe('continue on fail', () => {
	async function mixedBatch() {
		const good1 = await imageItem('red', { n: 0 });
		const missing = { json: { n: 1 }, binary: { other: good1.binary!.data } };
		const good2 = await imageItem('blue', { n: 2 });
		const pdf = {
			json: { n: 3 },
			binary: await storeBinary(Buffer.from('%PDF'), 'application/pdf', 'a.pdf'),
		};
		const good3 = await imageItem('green', { n: 4 });
		return [good1, missing, good2, pdf, good3];
	}

	test('"continue" keeps every item in place: failed ones carry the error and their image', async () => {
		const items = await mixedBatch();
		const { outputs, error } = await run(
			credentials(),
			items,
			{},
			{ onError: 'continueRegularOutput' },
		);
		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		const main = outputs[0];
		expect(main).toHaveLength(5);
		expect(main.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect(main.map((i) => i.json.top ?? null)).toEqual(['red', null, 'blue', null, 'green']);
		expect(main.map((i) => i.json.n ?? null)).toEqual([0, null, 2, null, 4]);
		expect(main[1].json.error).toBe('The item has no binary field "data" [item 1]');
		expect(main[1].json.message).toContain('"other"');
		expect(main[1].binary).toEqual(items[1].binary);
		expect(main[3].json.error).toMatch(/not an image.*\[item 3\]/);
	});

	test('"continue using error output" routes good items to main and failed ones to the error output', async () => {
		const items = await mixedBatch();
		const { outputs, error } = await run(
			credentials(),
			items,
			{},
			{ onError: 'continueErrorOutput' },
		);
		expect(error).toBeUndefined();
		const [main, failed] = outputs;
		expect(main.map((i) => i.json.n)).toEqual([0, 2, 4]);
		expect(main.map((i) => i.json.top)).toEqual(['red', 'blue', 'green']);
		// n8n merges each failed item's input JSON back in on the error output.
		expect(failed.map((i) => i.json.n)).toEqual([1, 3]);
		expect(failed[0].json.error).toMatch(/no binary field "data" \[item 1\]/);
		expect(failed[1].binary).toEqual(items[3].binary);
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 3 }]);
	});

	test('without it, the first bad item fails the node with its index', async () => {
		const { error, outputs } = await run(credentials(), await mixedBatch());
		expect(outputs).toEqual([]);
		expect(error?.message).toMatch(/\[item 1\]/);
	});
});

describe('the API key never leaves the credential', () => {
	test('absent from outputs, errors, stacks, run data and logs, for successes and every failure kind', async () => {
		const logged: string[] = [];
		const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
			jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				logged.push(args.map((a) => everything(a)).join(' '));
			}),
		);
		// eslint-disable-next-line @n8n/community-nodes/no-restricted-globals -- the test captures what the node's run writes to the terminal, to check the key is absent
		const terminal = process.stdout;
		const stdout = jest
			.spyOn(terminal, 'write')
			.mockImplementation((chunk: string | Uint8Array) => {
				logged.push(String(chunk));
				return true;
			});
		try {
			const runs = [];
			runs.push(await run(credentials(), [await imageItem('red')]));
			runs.push(await run(credentials(), [await imageItem('red')], { modelId: 'nope/1' }));
			// The server echoes the key back in its error message; the node must still hide it.
			server.setFaults({
				always: { kind: 'status', status: 401, message: `API key ${API_KEY} is not valid` },
			});
			runs.push(
				await run(
					credentials(),
					[await imageItem('red')],
					{},
					{ onError: 'continueRegularOutput' },
				),
			);
			server.setFaults({ always: { kind: 'drop' } });
			runs.push(await run(credentials(), [await imageItem('red')], { options: { maxRetries: 1 } }));
			server.setFaults({});
			runs.push(
				await run({ ...credentials(), apiUrl: 'http://127.0.0.1:9' }, [await imageItem('red')]),
			);
			server.setFaults({ always: { kind: 'hang' } });
			runs.push(
				await run(credentials(), [await imageItem('red')], {
					options: { timeout: 10_000, maxRetries: 0 },
				}),
			);

			expect(runs[2].outputs[0][0].json.message).toContain('API key *** is not valid');
			expect(runs[3].error?.message).toMatch(/connection to Roboflow was dropped/);
			expect(runs[4].error?.message).toMatch(/Could not connect/);
			expect(runs[5].error?.message).toMatch(/did not answer in time/);
			const text = everything(runs) + logged.join('\n');
			expect(text.length).toBeGreaterThan(1000);
			expect(text).not.toContain(API_KEY);
		} finally {
			spies.forEach((spy) => spy.mockRestore());
			stdout.mockRestore();
		}
	});
});
