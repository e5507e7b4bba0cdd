/**
 * The foundation models that need no training (docs/roboflow-api.md §11), answering from the
 * image's pixels and the request's text. Client tests are written against this model:
 * - words: a text names the colours of `COLOURS` it contains as words ("gray" is grey);
 * - things: the rectangles of a `SHAPE_CLASSES` colour (detect.ts), "read" as their colour names
 *   in reading order (rows top to bottom, then left to right);
 * - `POST /clip/compare`: similarity = 0.15 + 0.15 x the share of the image's pixels in the
 *   colours a prompt names; a prompt naming no colour 0.13..0.17 from a hash of its text;
 * - `POST /yolo_world/infer`: the things whose colour a `text` entry names, class = that entry,
 *   confidence 0.6 x the detector's (0.57 for a clean rectangle);
 * - `POST /sam3/concept_segment`: per prompt, the things whose colour its text names;
 * - `POST /doctr/ocr`, `POST /easy_ocr/ocr`: the things' colour names as words (§11.4);
 * - `POST /infer/lmm` (Florence-2): captions listing the things, OCR, boxes (§11.5).
 */
import { COLOURS, SHAPE_CLASSES, SHAPE_PALETTE } from '../images/index.ts';
import { KEY_ORDER } from './auth.ts';
import type { FieldType, Json } from './body.ts';
import { checkFields, jsonBody } from './body.ts';
import type { InferenceCall, ServerContext } from './calls.ts';
import { answering, routeKey, screen } from './calls.ts';
import type { Shape } from './detect.ts';
import { analyseImage, newDetectionId, postProcess, round4 } from './detect.ts';
import { HttpError, internalError, MESSAGES } from './errors.ts';
import { imageIdentity } from './faults.ts';
import type { RgbaImage } from './image.ts';
import { loadImageObject } from './input.ts';
import { TRAINED } from './workspace.ts';

type Colour = keyof typeof COLOURS;
const NAMES = Object.keys(COLOURS) as Colour[];

/** The colours a text names, as words. */
function coloursIn(text: string): Colour[] {
	const words = text
		.toLowerCase()
		.replace(/gray/g, 'grey')
		.split(/[^a-z]+/);
	return NAMES.filter((name) => words.includes(name));
}

/** The share of the image's pixels (every 3rd) nearest to each named colour. */
function colourShares({ data }: RgbaImage): Record<Colour, number> {
	const counts = Object.fromEntries(NAMES.map((name) => [name, 0])) as Record<Colour, number>;
	let n = 0;
	for (let i = 0; i < data.length; i += 12, n++) {
		const distances = NAMES.map((name) =>
			COLOURS[name].reduce((sum, c, k) => sum + (c - data[i + k]) ** 2, 0),
		);
		counts[NAMES[distances.indexOf(Math.min(...distances))]]++;
	}
	return Object.fromEntries(NAMES.map((name) => [name, counts[name] / Math.max(n, 1)])) as Record<
		Colour,
		number
	>;
}

interface Thing extends Shape {
	name: string;
}

/** The image's rectangles (per-class NMS 0.3) in reading order: rows of overlapping heights, left to right. */
function thingsIn(image: RgbaImage): Thing[][] {
	const shapes = postProcess(analyseImage(image, SHAPE_PALETTE).shapes, 0, 0.3, 300);
	const lines: Thing[][] = [];
	for (const shape of [...shapes].sort((a, b) => a.y0 - b.y0)) {
		const line = lines.find(([first]) => shape.y0 < first.y1 && shape.y1 > first.y0);
		const thing = { ...shape, name: SHAPE_CLASSES[shape.classIndex] };
		if (line) line.push(thing);
		else lines.push([thing]);
	}
	return lines.map((line) => line.sort((a, b) => a.x0 - b.x0));
}

const centreBox = ({ x0, y0, x1, y1 }: Pick<Shape, 'x0' | 'y0' | 'x1' | 'y1'>) => ({
	x: (x0 + x1) / 2,
	y: (y0 + y1) / 2,
	width: x1 - x0,
	height: y1 - y0,
});
const hash01 = (text: string) =>
	imageIdentity(text)
		.slice(0, 8)
		.split('')
		.reduce((sum, c) => sum * 16 + parseInt(c, 16), 0) /
	2 ** 32;
const internal = () => internalError();

/** CLIP compare (§11.1): an image subject against text prompts (one, or a list of at most 8). */
async function clipCompare(context: ServerContext, body: Json) {
	const { subject_type: subjectType = 'image', prompt_type: promptType = 'text' } = body;
	if (subjectType !== 'image' || promptType !== 'text') throw internal();
	const shares = colourShares(await loadImageObject(body.subject, context.rules));
	const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
	if (prompts.length > 8 || prompts.some((p) => typeof p !== 'string')) throw internal();
	const similarity = (prompt: string) => {
		const named = coloursIn(prompt);
		const overlap = named.reduce((sum, name) => sum + shares[name], 0);
		return round4(named.length ? 0.15 + 0.15 * Math.min(1, overlap) : 0.13 + 0.04 * hash01(prompt));
	};
	return { similarity: (prompts as string[]).map(similarity) };
}

/** YOLO-World (§11.2): each `text` entry's things, class-aware NMS 0.3. */
async function yoloWorld(context: ServerContext, body: Json) {
	const image = await loadImageObject(body.image, context.rules);
	const text = body.text as string[];
	const threshold = (body.confidence as number | undefined) ?? 0.4;
	const shapes = analyseImage(image, SHAPE_PALETTE).shapes;
	const predictions = text.flatMap((entry, classId) => {
		const wanted = coloursIn(entry);
		const found = shapes
			.filter((s) => wanted.includes(SHAPE_CLASSES[s.classIndex]))
			.map((s) => ({ ...s, confidence: round4(0.6 * s.confidence) }));
		return postProcess(found, threshold, 0.3, 300).map((s) => ({
			...centreBox(s),
			confidence: s.confidence,
			class: entry,
			class_id: classId,
			detection_id: newDetectionId(),
		}));
	});
	return { image: { width: image.width, height: image.height }, predictions };
}

/**
 * SAM 3 (§11.3): per prompt the things its text names above the threshold (0 and null read as
 * 0.5); masks as polygons of boundary pixels (cv2's: top left, down, right, up).
 */
async function sam3(context: ServerContext, body: Json) {
	const image = await loadImageObject(body.image, context.rules);
	const { shapes } = analyseImage(image, SHAPE_PALETTE);
	const results = (body.prompts as Json[]).map((prompt, index) => {
		const wanted = coloursIn(String(prompt.text ?? ''));
		const threshold =
			(prompt.output_prob_thresh as number | undefined) ||
			(body.output_prob_thresh as number | undefined) ||
			0.5;
		const predictions = shapes
			.filter((s) => wanted.includes(SHAPE_CLASSES[s.classIndex]) && s.confidence >= threshold)
			.map((s) => ({
				masks: [
					[
						[s.x0, s.y0],
						[s.x0, s.y1 - 1],
						[s.x1 - 1, s.y1 - 1],
						[s.x1 - 1, s.y0],
					],
				],
				confidence: s.confidence,
				format: 'polygon',
			}));
		return { prompt_index: index, predictions };
	});
	return { prompt_results: results };
}

/** DocTR and EasyOCR (§11.4): the things' names as words; DocTR's boxes carry no text. */
async function ocr(context: ServerContext, body: Json, engine: 'doctr' | 'easy_ocr') {
	const read = async (input: unknown) => {
		const image = await loadImageObject(input, context.rules);
		const lines = thingsIn(image);
		const size = { width: image.width, height: image.height };
		if (engine === 'easy_ocr') {
			const words = lines.flat();
			const predictions = words.map((w) => ({
				...centreBox(w),
				confidence: w.confidence,
				class: w.name,
				class_id: 0,
				detection_id: newDetectionId(),
			}));
			return {
				result: words.map((w) => w.name).join(' '),
				image: size,
				predictions,
			};
		}
		const result = lines.map((line) => line.map((w) => w.name).join(' ')).join('\n');
		if (!body.generate_bounding_boxes) return { result };
		const box = (things: Thing[], name: string, classId: number) => ({
			...centreBox({
				x0: Math.min(...things.map((t) => t.x0)),
				y0: Math.min(...things.map((t) => t.y0)),
				x1: Math.max(...things.map((t) => t.x1)),
				y1: Math.max(...things.map((t) => t.y1)),
			}),
			confidence: 1,
			class: name,
			class_id: classId,
			detection_id: newDetectionId(),
		});
		const predictions = lines.flatMap((line) => [
			...line.map((w) => box([w], 'word', 2)),
			box(line, 'line', 1),
		]);
		if (lines.length) predictions.push(box(lines.flat(), 'block', 0));
		return { result, image: size, predictions };
	};
	return await read(body.image);
}

/** Florence-2's answer to a task on the image's things (§11.5). */
function florenceTask(image: RgbaImage, prompt: string): unknown {
	const [task, rest] = [`${prompt.split('>')[0]}>`, prompt.slice(prompt.indexOf('>') + 1)];
	const lines = thingsIn(image);
	const things = lines.flat();
	const corners = (list: Thing[]) => list.map(({ x0, y0, x1, y1 }) => [x0, y0, x1, y1]);
	if (task === '<OCR>') return lines.map((line) => line.map((t) => t.name).join(' ')).join('\n');
	if (task === '<OD>') return { bboxes: corners(things), labels: things.map((t) => t.name) };
	if (task === '<CAPTION_TO_PHRASE_GROUNDING>') {
		const found = things.filter((t) => coloursIn(rest).includes(t.name as Colour));
		return { bboxes: corners(found), labels: found.map(() => rest.trim()) };
	}
	const shares = colourShares(image);
	const background = NAMES.reduce((best, name) => (shares[name] > shares[best] ? name : best));
	const where = (t: Thing) =>
		`${t.y0 + t.y1 < image.height ? 'top' : 'bottom'} ${t.x0 + t.x1 < image.width ? 'left' : 'right'}`;
	const listed = (describe: (t: Thing) => string) => {
		const items = things.map(describe);
		return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0];
	};
	if (!things.length) return `A plain ${background} image.`;
	if (task === '<DETAILED_CAPTION>')
		return `The image shows ${listed((t) => `a ${t.name} rectangle at the ${where(t)}`)} on a ${background} background.`;
	if (task === '<MORE_DETAILED_CAPTION>')
		return `The image shows ${things.length} rectangle${things.length > 1 ? 's' : ''} on a ${background} background: ${listed((t) => `a ${t.name} rectangle at the ${where(t)}, ${t.x1 - t.x0} by ${t.y1 - t.y0} pixels`)}.`;
	return `${listed((t) => `a ${t.name} rectangle`).replace(/^a/, 'A')} on a ${background} background.`;
}

const FLORENCE = new Set([
	'florence-2-base',
	'florence-2-large',
	'florence-pretrains/3',
	'florence-pretrains/4',
]);

/** Florence-2 on `/infer/lmm`: the model (404 unknown), one image, the prompt's task. */
async function lmm(context: ServerContext, body: Json) {
	const model = body.model_id as string;
	if (!FLORENCE.has(model) && TRAINED[model] !== 'florence-2')
		throw new HttpError(404, { message: MESSAGES.notFound });
	const image = await loadImageObject(body.image, context.rules);
	if (typeof body.prompt !== 'string') throw internal();
	const task = `${body.prompt.split('>')[0]}>`;
	return {
		inference_id: newDetectionId(),
		image: { width: image.width, height: image.height },
		response: { [task]: florenceTask(image, body.prompt) },
	};
}

interface FoundationRoute {
	route: 'clip' | 'yolo_world' | 'sam3' | 'doctr' | 'easy_ocr' | 'lmm';
	fields: Record<string, FieldType>;
	required: string[];
	answer: (context: ServerContext, body: Json) => Promise<unknown>;
}

/** The routes by path, with the request fields Inference's request models declare. */
export const FOUNDATION_ROUTES: Record<string, FoundationRoute> = {
	'/clip/compare': {
		route: 'clip',
		fields: {
			subject: 'any',
			subject_type: 'string',
			prompt: 'any',
			prompt_type: 'string',
			clip_version_id: 'string',
		},
		required: ['subject', 'prompt'],
		answer: clipCompare,
	},
	'/yolo_world/infer': {
		route: 'yolo_world',
		fields: {
			image: 'image',
			text: 'string[]',
			yolo_world_version_id: 'string',
			confidence: 'number',
		},
		required: ['image', 'text'],
		answer: yoloWorld,
	},
	'/sam3/concept_segment': {
		route: 'sam3',
		fields: {
			image: 'image',
			prompts: 'list',
			output_prob_thresh: 'number',
			format: 'string',
		},
		required: ['image', 'prompts'],
		answer: sam3,
	},
	'/doctr/ocr': {
		route: 'doctr',
		fields: { image: 'image', doctr_version_id: 'string', generate_bounding_boxes: 'boolean' },
		required: ['image'],
		answer: (context, body) => ocr(context, body, 'doctr'),
	},
	'/easy_ocr/ocr': {
		route: 'easy_ocr',
		fields: {
			image: 'image',
			easy_ocr_version_id: 'string',
			language_codes: 'string[]',
			quantize: 'boolean',
		},
		required: ['image'],
		answer: (context, body) => ocr(context, body, 'easy_ocr'),
	},
	'/infer/lmm': {
		route: 'lmm',
		fields: {
			model_id: 'string',
			image: 'image',
			prompt: 'string',
			max_new_tokens: 'integer',
			enable_thinking: 'boolean',
		},
		required: ['model_id', 'image'],
		answer: lmm,
	},
};

/**
 * A foundation route, checked as Inference does: the gateway, the body (422), then the
 * key (query, Bearer, body), injected faults, the image (400) and the model.
 */
export async function foundationRoute(
	context: ServerContext,
	call: InferenceCall,
	spec: FoundationRoute,
): Promise<void> {
	await answering(call, async () => {
		const json = screen(context, call);
		const body = checkFields(
			jsonBody(call.req.headers['content-type'], call.body),
			spec.fields,
			spec.required,
		);
		routeKey(context, call, KEY_ORDER.foundation, json);
		if (
			context.injector.apply(
				context.plan(),
				imageIdentity(`${spec.route}\0${call.body.toString('latin1')}`),
				call,
			)
		)
			return;
		const started = performance.now();
		const answer = await spec.answer(context, body);
		const time = (performance.now() - started) / 1000;
		call.reply(200, { ...(answer as Json), time });
	});
}
