/**
 * The model route `POST|GET /{project}/{version}` (docs/roboflow-api.md §3, §4), checked in
 * Inference's order: the serverless gateway (401), query (422), Content-Type
 * (400), the key (401/403), the model (404), injected faults, the image (400), the model.
 */
import { KEY_ORDER } from './auth.ts';
import type { InferenceCall, ServerContext } from './calls.ts';
import { answering, routeKey, screen } from './calls.ts';
import { newDetectionId } from './detect.ts';
import {
	attempt,
	HttpError,
	IMAGE_CAUSES,
	internalError,
	MESSAGES,
	validationError,
} from './errors.ts';
import { imageIdentity } from './faults.ts';
import { readImageSize } from './image.ts';
import { decodeBase64, loadUrl, pixelsOf } from './input.ts';
import type { ModelAnswer, ModelKind } from './models.ts';
import { classify, colourStats, detect, MODEL_KINDS, statsFromHash } from './models.ts';
import type { InferenceParams } from './params.ts';
import { parseInferenceParams } from './params.ts';
import { TRAINED } from './workspace.ts';

/**
 * The model's answer and the image's size, from the pixels; in the benchmark's header-only mode
 * (classification JSON) from the size in the first 64 KB of the body and a content hash.
 */
async function answer(
	context: ServerContext,
	call: InferenceCall,
	kind: ModelKind,
	params: InferenceParams,
): Promise<{ size: { width: number; height: number }; result: ModelAnswer }> {
	const classification = kind === 'colors' || kind === 'tones';
	if (
		context.headerOnly &&
		classification &&
		params.format === 'json' &&
		params.imageUrl === null
	) {
		const header = decodeBase64(call.body.subarray(0, 64 * 1024), true);
		const size = attempt(() => readImageSize(header), IMAGE_CAUSES.malformedBase64);
		return { size, result: classify(kind, statsFromHash(imageIdentity(call.body)), params) };
	}
	const image =
		params.imageUrl === null
			? pixelsOf(decodeBase64(call.body), 'body')
			: await loadUrl(params.imageUrl, context.rules);
	const result = classification
		? classify(kind, colourStats(image), params, image)
		: detect(kind, image, params);
	return { size: image, result };
}

export async function modelRoute(
	context: ServerContext,
	call: InferenceCall,
	modelId: string,
): Promise<void> {
	await answering(call, async () => {
		const json = screen(context, call);
		const params = parseInferenceParams(call.url.searchParams);
		if (Array.isArray(params)) throw validationError(params);
		const contentType = call.req.headers['content-type'];
		if (params.imageUrl === null) {
			const types = context.stats().contentTypes;
			types[contentType ?? ''] = (types[contentType ?? ''] ?? 0) + 1;
			if (contentType === undefined)
				throw new HttpError(400, { message: MESSAGES.contentTypeMissing });
		}
		routeKey(context, call, KEY_ORDER.model, json, modelId);
		const kind = TRAINED[modelId];
		if (!(kind in MODEL_KINDS)) throw new HttpError(404, { message: MESSAGES.notFound });
		const identity = imageIdentity(params.imageUrl ?? call.body);
		if (context.injector.apply(context.plan(), identity, call)) return;

		const started = performance.now();
		const { size, result } = await answer(context, call, kind as ModelKind, params);
		// Drawing fails as Inference's does (a single-label answer without classes): 500.
		const visualization =
			params.format === 'json' ? undefined : attempt(result.draw, internalError());
		call.reply(200, {
			...(visualization ? { visualization: visualization.toString('base64') } : {}),
			inference_id: newDetectionId(),
			time: (performance.now() - started) / 1000,
			image: { width: size.width, height: size.height },
			...result.fields,
		});
	});
}
