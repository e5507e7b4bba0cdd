/**
 * The Roboflow node run through n8n-core's real execution engine against the local
 * Roboflow-compatible server on 127.0.0.1.
 */
import { inRounds } from './harness/localServer';
import {
	distinctItems,
	imageBytes,
	imageItem,
	PRIMARY,
	run,
	useLocalServer,
} from './harness/roboflowNode';

const { server, credentials } = useLocalServer();

describe('binary input', () => {
	test('classifies each image by its content and merges the result over the input JSON; the binary passes through', async () => {
		const items = [
			await imageItem('red', { file: 'a' }),
			await imageItem('green', { file: 'b' }, { format: 'jpeg' }),
			await imageItem('blue', { file: 'c' }),
		];
		const { outputs, error } = await run(credentials(), items);
		expect(error).toBeUndefined();
		const [main] = outputs;
		expect(main.map((i) => i.json.top)).toEqual(['red', 'green', 'blue']);
		for (const [index, item] of main.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.binary).toEqual(items[index].binary);
			expect(item.json).toMatchObject({
				file: ['a', 'b', 'c'][index],
				multi_label: false,
				model_id: 'colors/1',
				image: { width: 24, height: 24 },
			});
			expect(item.json.confidence).toBeGreaterThan(0.9);
			expect(item.json.predicted_classes).toEqual([item.json.top]);
			expect(typeof item.json.inference_id).toBe('string');
			expect(typeof item.json.time).toBe('number');
			const predictions = item.json.predictions as Array<{ confidence: number }>;
			expect(predictions.map((p) => p.confidence)).toEqual(
				[...predictions.map((p) => p.confidence)].sort((a, b) => b - a),
			);
		}
		// Roboflow's documented form type, with a charset so n8n's helper does not form-parse the image.
		expect(server.stats.contentTypes).toEqual({
			'application/x-www-form-urlencoded; charset=utf-8': 3,
		});
		// The credential's key travels in the Authorization header, and only there.
		expect(server.stats.calls.map((call) => call.keyPlaces)).toEqual([
			['header'],
			['header'],
			['header'],
		]);
	});

	test('accepts an image labelled application/octet-stream by its bytes', async () => {
		const item = await imageItem('green', {}, { mimeType: 'application/octet-stream' });
		const { outputs } = await run(credentials(), [item]);
		expect(outputs[0][0].json.top).toBe('green');
	});
});

describe('multi-label model', () => {
	test('normalises predictions keyed by class; top is the best predicted class', async () => {
		const items = [await imageItem('white'), await imageItem('black'), await imageItem('red')];
		const { outputs } = await run(credentials(), items, {
			modelId: 'tones/1',
			options: { confidence: 0.5 },
		});
		const [white, black, red] = outputs[0].map((i) => i.json);
		expect(white).toMatchObject({
			multi_label: true,
			top: 'bright',
			predicted_classes: ['bright'],
		});
		expect(black).toMatchObject({ top: 'dark', predicted_classes: ['dark'] });
		expect(red.predicted_classes).toEqual(['colourful', 'dark']);
		expect(red.top).toBe('colourful');
		const predictions = red.predictions as Array<{ class: string; confidence: number }>;
		expect(predictions.map((p) => p.class).sort()).toEqual(['bright', 'colourful', 'dark']);
		expect(red.confidence).toBe(predictions[0].confidence);
	});
});

describe('image URL input', () => {
	test("sends the URL as Roboflow's image parameter; Roboflow downloads and classifies it", async () => {
		const greenUrl = server.addImage('green.png', imageBytes('green'));
		const redUrl = server.addImage('red.png', imageBytes('red'));
		const items = [{ json: { url: greenUrl } }, { json: { url: redUrl } }];
		const { outputs, error } = await run(credentials(), items, {
			inputType: 'imageUrl',
			imageUrl: '={{ $json.url }}',
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((i) => i.json.top)).toEqual(['green', 'red']);
		expect(outputs[0][1]).toMatchObject({ json: { url: redUrl }, pairedItem: { item: 1 } });
	});
});

describe('concurrency', () => {
	test('keeps input order when answers arrive out of order, and never exceeds maxConcurrency', async () => {
		const items = await distinctItems(24);
		// Answered in rounds of four, last sent first: completion order is not input order.
		server.setFaults({ hold: inRounds(4, 24) });
		const { outputs } = await run(credentials(), items, { options: { maxConcurrency: 4 } });
		expect(outputs[0].map((i) => [i.json.index, i.json.top, i.pairedItem])).toEqual(
			items.map((_, i) => [i, PRIMARY[i % 3], { item: i }]),
		);
		expect(server.stats.maxInFlight).toBe(4);
	});
});
