/**
 * Query parameters of the legacy model route (docs/roboflow-api.md §3.2), parsed the way Inference's
 * FastAPI route does: pydantic coercion (422 with `{ detail }` for values that do not parse),
 * the last value of a repeated parameter wins, unknown parameters (e.g. `classes`) are ignored,
 * and the threshold quirks are applied.
 */
import type { ValidationIssue } from './errors.ts';

export type Confidence = number | 'best' | 'default';
export type OutputFormat = 'json' | 'image' | 'image_and_json';

export interface InferenceParams {
	/** After the quirk: `>= 1` divided by 100, then raised to at least 0.01. Or `best` / `default`. */
	confidence: Confidence;
	/** NMS IoU threshold after the quirk: `>= 1` divided by 100, no lower bound. */
	overlap: number;
	maxDetections: number;
	keypointConfidence: number;
	/** `json` unless exactly `image` or `image_and_json`, as Inference does. */
	format: OutputFormat;
	labels: boolean;
	stroke: number;
	maskDecodeMode: string;
	tradeoffFactor: number;
	responseMaskFormat: 'polygon' | 'rle';
	/** `image=` URL, when given. */
	imageUrl: string | null;
	/** `countinference=false` needs a service secret this server never accepts: 500 "Service misconfiguration." */
	countInference: boolean;
}

/** Roboflow's threshold quirk: values >= 1 are percentages, values below 0.01 are raised to it. */
export function threshold(raw: unknown): number {
	if (raw === null || raw === undefined || raw === '') return 0.4;
	let value = Number(raw);
	if (!Number.isFinite(value)) return 0.4;
	if (value >= 1) value /= 100;
	return Math.max(0.01, value);
}

/** The same quirk for `overlap` (NMS IoU): values >= 1 are percentages; no lower bound. Default 0.3. */
export function overlapThreshold(raw: unknown): number {
	if (raw === null || raw === undefined || raw === '') return 0.3;
	let value = Number(raw);
	if (!Number.isFinite(value)) return 0.3;
	if (value >= 1) value /= 100;
	return value;
}

/** Starlette's `QueryParams.get`: the last value of a repeated parameter. */
export function lastValue(query: URLSearchParams, name: string): string | null {
	const all = query.getAll(name);
	return all.length ? all[all.length - 1] : null;
}

/** Every query parameter, last value winning: what `stats.calls[].query` records. */
export function queryRecord(query: URLSearchParams): Record<string, string> {
	const record: Record<string, string> = {};
	for (const [name, value] of query) record[name] = value;
	return record;
}

const FLOAT = /^\s*[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+)?\s*$/;
const SPECIAL_FLOATS: Record<string, number> = {
	inf: Infinity,
	'+inf': Infinity,
	'-inf': -Infinity,
	infinity: Infinity,
	'+infinity': Infinity,
	'-infinity': -Infinity,
	nan: NaN,
	'+nan': NaN,
	'-nan': NaN,
};
const INT = /^\s*[+-]?\d+(_\d+)*\s*$/;
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** A string as pydantic parses a float (`inf`, `nan`, `_` separators, exponents); undefined when it does not. */
export function parseFloatLike(text: string): number | undefined {
	const special = SPECIAL_FLOATS[text.trim().toLowerCase()];
	if (special !== undefined) return special;
	return FLOAT.test(text) ? Number(text.replace(/_/g, '')) : undefined;
}

const floatIssue = (
	name: string,
	input: string,
	loc: (string | number)[] = ['query', name],
): ValidationIssue => ({
	type: 'float_parsing',
	loc,
	msg: 'Input should be a valid number, unable to parse string as a number',
	input,
});

/**
 * Parses and validates the route's parameters. Returns the parameters or the 422 issues, as
 * FastAPI would list them (every failing parameter, in signature order).
 */
export function parseInferenceParams(
	query: URLSearchParams,
): { params: InferenceParams } | { issues: ValidationIssue[] } {
	const issues: ValidationIssue[] = [];
	const get = (name: string) => lastValue(query, name);

	const float = (name: string, fallback: number): number => {
		const raw = get(name);
		if (raw === null) return fallback;
		const value = parseFloatLike(raw);
		if (value === undefined) {
			issues.push(floatIssue(name, raw));
			return fallback;
		}
		return value;
	};
	const int = (name: string, fallback: number): number => {
		const raw = get(name);
		if (raw === null) return fallback;
		if (!INT.test(raw)) {
			issues.push({
				type: 'int_parsing',
				loc: ['query', name],
				msg: 'Input should be a valid integer, unable to parse string as an integer',
				input: raw,
			});
			return fallback;
		}
		return Number(raw.replace(/_/g, ''));
	};
	const bool = (name: string, fallback: boolean): boolean => {
		const raw = get(name);
		if (raw === null) return fallback;
		const lower = raw.toLowerCase();
		if (TRUE.has(lower)) return true;
		if (FALSE.has(lower)) return false;
		issues.push({
			type: 'bool_parsing',
			loc: ['query', name],
			msg: 'Input should be a valid boolean, unable to interpret input',
			input: raw,
		});
		return fallback;
	};

	// confidence: Union[float, Literal["best", "default"]]
	let confidence: Confidence = 0.4;
	const rawConfidence = get('confidence');
	if (rawConfidence !== null) {
		if (rawConfidence === 'best' || rawConfidence === 'default') confidence = rawConfidence;
		else {
			const value = parseFloatLike(rawConfidence);
			if (value === undefined) {
				issues.push(floatIssue('confidence', rawConfidence, ['query', 'confidence', 'float']));
				issues.push({
					type: 'literal_error',
					loc: ['query', 'confidence', "literal['best','default']"],
					msg: "Input should be 'best' or 'default'",
					input: rawConfidence,
					ctx: { expected: "'best' or 'default'" },
				});
			} else confidence = value;
		}
	}
	if (typeof confidence === 'number') {
		if (confidence >= 1) confidence /= 100;
		if (confidence < 0.01) confidence = 0.01;
	}
	const keypointConfidence = float('keypoint_confidence', 0);
	const rawFormat = get('format') ?? 'json';
	const labels = bool('labels', false);
	const tradeoffFactor = float('tradeoff_factor', 0);
	const maxDetections = int('max_detections', 300);
	let overlap = float('overlap', 0.3);
	if (overlap >= 1) overlap /= 100;
	const stroke = int('stroke', 1);
	let responseMaskFormat: 'polygon' | 'rle' = 'polygon';
	const rawMaskFormat = get('response_mask_format');
	if (rawMaskFormat !== null) {
		if (rawMaskFormat === 'polygon' || rawMaskFormat === 'rle') responseMaskFormat = rawMaskFormat;
		else {
			issues.push({
				type: 'literal_error',
				loc: ['query', 'response_mask_format'],
				msg: "Input should be 'polygon' or 'rle'",
				input: rawMaskFormat,
				ctx: { expected: "'polygon' or 'rle'" },
			});
		}
	}
	for (const name of [
		'disable_preproc_auto_orient',
		'disable_preproc_contrast',
		'disable_preproc_grayscale',
		'disable_preproc_static_crop',
		'disable_active_learning',
	]) {
		bool(name, false);
	}
	const countInference = bool('countinference', true);
	if (issues.length) return { issues };
	return {
		params: {
			confidence,
			overlap,
			maxDetections,
			keypointConfidence,
			format: rawFormat === 'image' || rawFormat === 'image_and_json' ? rawFormat : 'json',
			labels,
			stroke,
			maskDecodeMode: get('mask_decode_mode') ?? 'accurate',
			tradeoffFactor,
			responseMaskFormat,
			imageUrl: get('image'),
			countInference,
		},
	};
}
