/** Thrown when a 200 answer is not the operation's result, so it is never passed off as one. */
export class UnexpectedResponseError extends Error {}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toNumber(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The fields every model answer carries, each treated as optional (docs/roboflow-api.md §4.1). */
export interface AnswerMetadata {
	image: { width: number | null; height: number | null };
	inference_id: string | null;
	time: number | null;
	model_id: string;
}

export function readMetadata(raw: Record<string, unknown>, modelId: string): AnswerMetadata {
	const image = isRecord(raw.image) ? raw.image : {};
	return {
		image: { width: toNumber(image.width), height: toNumber(image.height) },
		inference_id: typeof raw.inference_id === 'string' ? raw.inference_id : null,
		time: toNumber(raw.time),
		model_id: modelId,
	};
}
