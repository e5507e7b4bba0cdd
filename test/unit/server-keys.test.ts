/**
 * Where each route reads the API key (docs/roboflow-api.md §2, §6.1, §7; Inference's
 * api_key_resolution.py) and the record of where it came from, for every route family.
 */
import { COLOURS, makePng } from '../../tools/roboflow-server';
import type { Server } from '../harness/localServer';
import { ask, useServers } from '../harness/localServer';

const startServer = useServers({ auth: 'inference' });
const image = makePng(8, 8, COLOURS.red).toString('base64');
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const record = (server: Server) => {
	const { keySource, keyPlaces } = server.stats.calls.at(-1)!;
	return `${keySource} [${keyPlaces.join()}]`;
};

describe('the model route: query, then the Bearer header', () => {
	test.each`
		auth            | query             | headers                         | status | recorded
		${'inference'}  | ${'?api_key=k'}   | ${{}}                           | ${200} | ${'query [query]'}
		${'inference'}  | ${''}             | ${bearer('k')}                  | ${200} | ${'header [header]'}
		${'inference'}  | ${'?api_key=bad'} | ${bearer('k')}                  | ${401} | ${'query [query,header]'}
		${'inference'}  | ${'?api_key=k'}   | ${bearer('bad')}                | ${200} | ${'query [query,header]'}
		${'inference'}  | ${''}             | ${{ Authorization: 'Basic k' }} | ${401} | ${'none []'}
		${'inference'}  | ${''}             | ${{}}                           | ${401} | ${'none []'}
		${'serverless'} | ${''}             | ${bearer('k')}                  | ${200} | ${'header [header]'}
		${'legacy'}     | ${'?api_key=k'}   | ${{}}                           | ${200} | ${'query [query]'}
		${'legacy'}     | ${''}             | ${bearer('k')}                  | ${401} | ${'none [header]'}
	`(
		'$auth, "$query" $headers: $status, key from $recorded',
		async ({ auth, query, headers, status, recorded }) => {
			const server = await startServer({ auth });
			const answer = await ask(server, `/colors/1${query}`, {
				body: image,
				headers: { 'Content-Type': 'text/plain', ...headers },
			});
			expect([answer.status, record(server)]).toEqual([status, recorded]);
		},
	);
});

describe('Workflow routes: the Bearer header, then the body; never the query', () => {
	const inputs = { image: { type: 'base64', value: image } };
	test.each`
		auth            | route                    | query           | headers        | body                          | status | recorded
		${'inference'}  | ${''}                    | ${''}           | ${{}}          | ${{ api_key: 'k', inputs }}   | ${200} | ${'body [body]'}
		${'inference'}  | ${''}                    | ${''}           | ${bearer('k')} | ${{ api_key: 'bad', inputs }} | ${200} | ${'header [header,body]'}
		${'inference'}  | ${''}                    | ${'?api_key=k'} | ${{}}          | ${{ api_key: 'bad', inputs }} | ${401} | ${'body [query,body]'}
		${'inference'}  | ${''}                    | ${'?api_key=k'} | ${{}}          | ${{ inputs }}                 | ${401} | ${'none [query]'}
		${'serverless'} | ${''}                    | ${'?api_key=k'} | ${{}}          | ${{ inputs }}                 | ${401} | ${'none [query]'}
		${'serverless'} | ${''}                    | ${''}           | ${bearer('k')} | ${{ inputs }}                 | ${200} | ${'header [header]'}
		${'inference'}  | ${'/describe_interface'} | ${''}           | ${bearer('k')} | ${{}}                         | ${200} | ${'header [header]'}
		${'inference'}  | ${'/describe_interface'} | ${'?api_key=k'} | ${{}}          | ${{}}                         | ${401} | ${'none [query]'}
	`(
		'$auth$route, "$query" $headers $body: $status, key from $recorded',
		async ({ auth, route, query, headers, body, status, recorded }) => {
			const server = await startServer({ auth });
			const answer = await ask(
				server,
				`/local-workspace/workflows/detect-count-and-visualize${route}${query}`,
				{ body, headers },
			);
			expect([answer.status, record(server)]).toEqual([status, recorded]);
		},
	);
});

describe('api.roboflow.com: the api_key query parameter only', () => {
	test('management GETs and uploads: a key only in the header is a missing key (401), recorded so', async () => {
		const server = await startServer();
		const asked = [
			await ask(server, '/local-workspace?api_key=k'),
			await ask(server, '/local-workspace', { headers: bearer('k') }),
		];
		expect(asked.map((a) => a.status)).toEqual([200, 401]);
		expect(
			server.stats.managementCalls.map((c) => `${c.keySource} [${c.keyPlaces.join()}]`),
		).toEqual(['query [query]', 'none [header]']);
		const form = () => new FormData();
		const uploads = [
			await ask(server, '/dataset/shapes/upload', { body: form(), headers: bearer('k') }),
			await ask(server, '/dataset/shapes/upload?api_key=k', { body: form() }),
		];
		expect(uploads.map((a) => a.status)).toEqual([401, 400]);
		expect(server.received().calls.map((c) => `${c.keySource} [${c.keyPlaces.join()}]`)).toEqual([
			'none [header]',
			'query [query]',
		]);
	});
});
