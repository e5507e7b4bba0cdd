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

/** A failed Workflow's inner error and the steps that failed. */
function workflowDetails(body: Record<string, unknown>): string {
	const parts: string[] = [];
	if (typeof body.inner_error_message === 'string' && body.inner_error_message)
		parts.push(body.inner_error_message);
	const blocks = (Array.isArray(body.blocks_errors) ? body.blocks_errors : [])
		.filter(isRecord)
		.filter((block) => typeof block.block_id === 'string')
		.map((block) => {
			const property = typeof block.property_name === 'string' ? `.${block.property_name}` : '';
			const details =
				typeof block.property_details === 'string' ? `: ${block.property_details}` : '';
			return `${String(block.block_id)}${property}${details}`;
		});
	if (blocks.length) parts.push(`step ${blocks.join('; ')}`);
	return parts.length ? ` (${parts.join('; ')})` : '';
}

/** FastAPI's validation errors as one line: `prompts: at most 16; confidence: not a number`. */
function validationText(detail: unknown[]): string {
	return detail
		.map((entry) => {
			if (!isRecord(entry)) return JSON.stringify(entry);
			const where = (Array.isArray(entry.loc) ? entry.loc : [])
				.filter((part) => part !== 'body')
				.join('.');
			const message = String(entry.msg ?? '').replace(/^Value error, /, '');
			return where ? `${where}: ${message}` : message;
		})
		.join('; ');
}

/** What Roboflow said in an error, wherever its server put it: `message`, `error` or `detail`. */
export function serverText(body: unknown): string | undefined {
	if (!isRecord(body)) return undefined;
	const { message, error, detail } = body;
	if (typeof message === 'string') return message + workflowDetails(body);
	if (typeof error === 'string') return error;
	if (isRecord(error) && typeof error.message === 'string') return error.message;
	if (Array.isArray(detail)) return validationText(detail);
	if (detail !== undefined) return typeof detail === 'string' ? detail : JSON.stringify(detail);
	return undefined;
}
