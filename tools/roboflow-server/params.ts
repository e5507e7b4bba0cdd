/**
 * The model route's query parameters that clients send (docs/roboflow-api.md §3.2), read as
 * Inference's FastAPI route reads them: the last value of a repeated one, 422 `{detail}` for a
 * number that does not parse, unknown parameters (e.g. `classes`) ignored, the quirks applied.
 */
import type { ValidationIssue } from './errors.ts';

export interface InferenceParams {
	/** After the quirks: >= 1 divided by 100, then at least 0.01. */
	confidence: number;
	/** NMS IoU, after the same division (no floor). */
	overlap: number;
	maxDetections: number;
	/** `image_and_json` adds the annotated picture; any other value is `json`. */
	format: 'json' | 'image_and_json';
	imageUrl: string | null;
}

/** Roboflow's threshold quirk: values >= 1 are percentages (so 1 is 0.01). */
const percent = (value: number) => (value >= 1 ? value / 100 : value);

/** The query's parameters, or the 422 issues FastAPI lists. */
export function parseInferenceParams(query: URLSearchParams): InferenceParams | ValidationIssue[] {
	const issues: ValidationIssue[] = [];
	const get = (name: string) => query.getAll(name).at(-1) ?? null;
	const number = (name: string, fallback: number, integer = false) => {
		const raw = get(name);
		if (raw === null) return fallback;
		if ((integer ? /^\s*[+-]?\d+\s*$/ : /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i).test(raw))
			return Number(raw);
		const [type, what] = integer ? ['int', 'an integer'] : ['float', 'a number'];
		const msg = `Input should be a valid ${what.split(' ')[1]}, unable to parse string as ${what}`;
		issues.push({ type: `${type}_parsing`, loc: ['query', name], msg, input: raw });
		return fallback;
	};
	const params: InferenceParams = {
		confidence: Math.max(0.01, percent(number('confidence', 0.4))),
		overlap: percent(number('overlap', 0.3)),
		maxDetections: number('max_detections', 300, true),
		format: get('format') === 'image_and_json' ? 'image_and_json' : 'json',
		imageUrl: get('image'),
	};
	return issues.length ? issues : params;
}
