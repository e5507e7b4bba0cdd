/** The benchmark's header-only mode of the local server: true sizes without decoding pixels. */
import { COLOURS, makeJpeg, makePng } from '../../tools/images';
import { createRoboflowServer, readImageSize } from '../../tools/roboflow-server';

test('reads width and height from PNG and JPEG headers', () => {
	expect(readImageSize(makePng(33, 17, COLOURS.red))).toEqual({ width: 33, height: 17 });
	expect(readImageSize(makeJpeg(41, 23, COLOURS.blue))).toEqual({ width: 41, height: 23 });
	expect(() => readImageSize(Buffer.from('GIF89a'))).toThrow('not a PNG or JPEG image');
});

test('header-only server answers with the true size from the start of a large body', async () => {
	const server = createRoboflowServer({ apiKeys: ['k'], headerOnly: true });
	const url = await server.start();
	try {
		const image = makePng(700, 500, COLOURS.green, { noise: 30 });
		const post = (body: string) =>
			fetch(`${url}/colors/1?api_key=k`, {
				method: 'POST',
				body,
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			});
		const ok = await post(image.toString('base64'));
		expect(ok.status).toBe(200);
		const answer = (await ok.json()) as { image: unknown; top: string };
		expect(answer.image).toEqual({ width: 700, height: 500 });
		expect(['red', 'green', 'blue']).toContain(answer.top);
		expect((await post('not base64 at all!')).status).toBe(400);
	} finally {
		await server.stop();
	}
});
