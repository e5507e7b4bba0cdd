/** What the foundation-model operations share: the image as their routes take it, word lists. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { Job, JobApi } from '../../batch/operation';
import { RoboflowInputError } from '../../helpers/errors';
import { commaList } from '../../input/commaList';
import { checkRequestSize } from '../../input/imageSource';
import type { ErrorAdvice } from '../../transport/errorMapping';
import { imagePayload, readJobImage } from './imageInput';

/** 500 "Internal error." from a foundation route: what usually causes it (docs/roboflow-api.md §11.0). */
const ADVICE: ErrorAdvice = {
	serverError:
		'Foundation models answer so when they cannot handle the request: send one image at a time, in a common format (JPEG, PNG), with short, plain-text labels or prompts.',
};

/** Sends the job's image to a foundation model's route, with the route's own fields. */
export type FoundationSend = (
	route: string,
	fields: (image: IDataObject) => IDataObject,
) => Promise<unknown>;

/** Reads the job's image once; each call of the sender is one size-checked request. */
export async function foundationSender(
	this: IExecuteFunctions,
	job: Job,
	api: JobApi,
	expected: string,
): Promise<FoundationSend> {
	const endpoint = api.inference.endpoint('foundation');
	const image = await readJobImage.call(this, job, endpoint);
	const payload = imagePayload(image);
	const value =
		payload.kind === 'url'
			? { type: 'url', value: payload.url }
			: { type: 'base64', value: payload.base64 };
	const what = image.kind === 'binary' ? `The image in "${image.field}"` : 'The request';
	return async (route, fields) => {
		const body = JSON.stringify(fields(value));
		checkRequestSize(Buffer.byteLength(body), endpoint, what);
		return await api.send(api.inference.foundationRequest(route, body, expected, ADVICE));
	};
}

/** A list parameter (comma-separated or a list), trimmed, deduplicated; empty fails the item. */
export function wordList(value: unknown, label: string, example: string): string[] {
	const entries = Array.isArray(value)
		? value.map((entry) => String(entry ?? '').trim()).filter(Boolean)
		: commaList(value);
	const words = [...new Set(entries)];
	if (!words.length) {
		throw new RoboflowInputError(
			`${label} is empty`,
			`Give at least one, separated by commas (e.g. ${example}), or an expression that gives a list.`,
		);
	}
	return words;
}
