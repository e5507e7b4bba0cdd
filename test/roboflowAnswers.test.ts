/**
 * How Roboflow answers in its different deployments (docs/roboflow-api.md §2, §3.1, §5), each modelled by a
 * local server configured that way, and what the node makes of it: refused image URLs, and the
 * three forms of a rejected key.
 */
import { storeBinary } from './harness/n8n';
import { API_KEY, imageItem, run, useLocalServer } from './harness/roboflowNode';

/** A server as Roboflow's deployments answer: strict image URL rules, this auth style. */
const deployment = (options: Parameters<typeof useLocalServer>[0]) =>
	useLocalServer({ allowNonHttpsUrls: false, allowUrlsWithoutFqdn: false, ...options }).server;

const inference = deployment({
	auth: 'inference',
	modelAccess: { 'other-workspace-key': ['tones/1'] },
});
const serverless = deployment({ auth: 'serverless' });
const legacy = deployment({ auth: 'legacy' });
/** The Hosted API (Legacy) hosts read the key from the query only: the node knows them by name; this one is local. */
const legacyCredential = (apiKey: string) => ({
	apiKey,
	apiUrl: legacy.url,
	keyTransport: 'query' as const,
});

describe('image URLs Roboflow refuses (https only, a domain name only)', () => {
	test.each([
		['http://', 'http://example.com/photo.jpg'],
		['an IP address', 'https://127.0.0.1/photo.jpg'],
		['localhost', 'https://localhost/photo.jpg'],
	])('%s: the headline says the URL was refused and what to do', async (_name, imageUrl) => {
		const { error } = await run(legacyCredential(API_KEY), [{ json: {} }], {
			inputType: 'imageUrl',
			imageUrl,
		});
		expect(error?.message).toBe('Roboflow refused the image URL [item 0]');
		expect(error?.description).toMatch(/https:\/\/ addresses on a public host name/);
		expect(error?.description).toMatch(/HTTP Request node/);
		expect(error?.description).toMatch(/Providing images via/);
	});
});

describe("a rejected key, in each deployment's form", () => {
	test('Inference (self-hosted, dedicated): 401 for a wrong key', async () => {
		const { error } = await run({ apiKey: 'wrong-key-1234', apiUrl: inference.url }, [
			await imageItem('red'),
		]);
		expect(error?.message).toBe('Roboflow rejected the API key [item 0]');
		expect(error?.description).toMatch(/Unauthorized access to roboflow API/);
		// Refused as it came, in the Authorization header (the credential's default).
		expect(inference.stats.calls.map((call) => call.keyPlaces)).toEqual([['header']]);
		// Not retried (a rejected key does not change on another try), in each form.
		expect(inference.stats.statuses[401]).toBe(1);
	});

	test('Inference: 403 for a valid key without access to the model', async () => {
		const { error } = await run({ apiKey: 'other-workspace-key', apiUrl: inference.url }, [
			await imageItem('red'),
		]);
		expect(error?.message).toBe('The API key has no access to this model [item 0]');
		expect(error?.description).toMatch(/another workspace|scope/);
	});

	test('Serverless Cloud API gateway: 401 {status, message}', async () => {
		const { error } = await run({ apiKey: 'wrong-key-1234', apiUrl: serverless.url }, [
			await imageItem('red'),
		]);
		expect(error?.message).toBe('Roboflow rejected the API key [item 0]');
		expect(error?.description).toMatch(/Unauthorized api_key/);
		expect(serverless.stats.statuses[401]).toBe(1);
	});

	test('Hosted API (Legacy): 403 {"message": "Forbidden"}', async () => {
		const { error } = await run(legacyCredential('wrong-key-1234'), [await imageItem('red')]);
		expect(error?.message).toBe('Roboflow rejected the API key [item 0]');
		expect(error?.description).toMatch(/"Forbidden"/);
		expect(legacy.stats.statuses[403]).toBe(1);
	});
});

describe("Roboflow's own error texts", () => {
	test('an undecodable image: "could not read the image", quoting Roboflow', async () => {
		const corrupt = await storeBinary(
			Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(64, 7)]),
			'image/png',
			'broken.png',
		);
		const { error } = await run({ apiKey: API_KEY, apiUrl: inference.url }, [
			{ json: {}, binary: corrupt },
		]);
		expect(error?.message).toBe('Roboflow could not read the image [item 0]');
		expect(error?.description).toMatch(/Could not load input image/);
	});

	test("an unknown model: 404 with Roboflow's text", async () => {
		const { error } = await run(
			{ apiKey: API_KEY, apiUrl: inference.url },
			[await imageItem('red')],
			{ modelId: 'nope/3' },
		);
		expect(error?.message).toBe('Roboflow found no model with this ID [item 0]');
		expect(error?.description).toMatch(/Requested Roboflow resource not found/);
	});
});
