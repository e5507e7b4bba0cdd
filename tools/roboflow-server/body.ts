/**
 * JSON request bodies as Inference's FastAPI routes read them: JSON when the Content-Type is
 * absent or JSON, pydantic's lax coercion, and FastAPI's 422 `{detail: [{type, loc, msg,
 * input}]}` listing every field that fails (docs/roboflow-api.md §5, §11.0).
 */
import type { ValidationIssue } from './errors.ts';
import { validationError } from './errors.ts';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const isJsonType = (contentType: string | undefined) => {
	const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
	return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

/** The body's JSON object, or undefined (not JSON, or not an object): no error. */
export function peekJson(contentType: string | undefined, body: Buffer): Json | undefined {
	if (!isJsonType(contentType) || body.length === 0) return undefined;
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		return isObject(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

/** The body's JSON object, or FastAPI's 422 for an empty body, invalid JSON or a non-object. */
export function jsonBody(contentType: string | undefined, body: Buffer): Json {
	const issue = (type: string, msg: string, input: unknown): never => {
		throw validationError([{ type, loc: ['body'], msg, input }]);
	};
	if (body.length === 0) issue('missing', 'Field required', null);
	const notObject = 'Input should be a valid dictionary or object to extract fields from';
	if (!isJsonType(contentType)) issue('model_attributes_type', notObject, body.toString('utf8'));
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch {
		issue('json_invalid', 'JSON decode error', {});
	}
	return isObject(parsed) ? parsed : issue('model_attributes_type', notObject, parsed);
}

const WORDS: Record<string, boolean> = {
	1: true,
	on: true,
	t: true,
	true: true,
	y: true,
	yes: true,
	0: false,
	off: false,
	f: false,
	false: false,
	n: false,
	no: false,
};

/** pydantic's lax boolean: booleans, 0 / 1, and words such as "yes" / "off". */
export function laxBool(value: unknown): boolean | undefined {
	if (typeof value === 'string') return WORDS[value.toLowerCase()];
	return typeof value === 'boolean' || value === 0 || value === 1 ? Boolean(value) : undefined;
}

/** pydantic's lax number: numbers, booleans and numeric strings. */
export function laxNumber(value: unknown): number | undefined {
	const text = typeof value === 'string' && value.trim();
	const number = text || typeof value === 'boolean' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

export type FieldType =
	| 'string'
	| 'boolean'
	| 'number'
	| 'integer'
	| 'object'
	| 'string[]'
	| 'list'
	/** An image object (`{type, value}`). */
	| 'image'
	| 'any';

const FAILURES: Record<Exclude<FieldType, 'any'>, [type: string, msg: string]> = {
	string: ['string_type', 'Input should be a valid string'],
	boolean: ['bool_parsing', 'Input should be a valid boolean, unable to interpret input'],
	number: ['float_parsing', 'Input should be a valid number, unable to parse string as a number'],
	integer: ['int_parsing', 'Input should be a valid integer, unable to parse string as an integer'],
	object: ['dict_type', 'Input should be a valid dictionary'],
	'string[]': ['list_type', 'Input should be a valid list'],
	list: ['list_type', 'Input should be a valid list'],
	image: ['model_type', 'Input should be a valid dictionary or instance of InferenceRequestImage'],
};

/** A field's value after pydantic's lax coercion, or undefined when it does not fit the type. */
function coerce(type: FieldType, value: unknown): unknown {
	if (type === 'boolean') return laxBool(value);
	if (type === 'number') return laxNumber(value);
	if (type === 'integer') return Number.isInteger(laxNumber(value)) ? laxNumber(value) : undefined;
	if (type === 'string') return typeof value === 'string' ? value : undefined;
	if (type === 'object' || type === 'image') return isObject(value) ? value : undefined;
	if (type === 'list') return Array.isArray(value) ? value : undefined;
	if (type === 'string[]')
		return Array.isArray(value) && value.every((item) => typeof item === 'string')
			? value
			: undefined;
	return value;
}

/**
 * Checks the fields of `schema` (`required` ones must be present; null passes any optional
 * field) and returns the coerced values; throws a 422 listing every failure.
 */
export function checkFields(
	body: Json,
	schema: Record<string, FieldType>,
	required: readonly string[] = [],
): Json {
	const issues: ValidationIssue[] = [];
	const values: Json = { ...body };
	for (const [name, type] of Object.entries(schema)) {
		const value = body[name];
		if (value === undefined || value === null) {
			if (required.includes(name) && value === undefined)
				issues.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: body });
			continue;
		}
		values[name] = coerce(type, value);
		if (values[name] !== undefined) continue;
		const [failure, msg] = FAILURES[type as Exclude<FieldType, 'any'>];
		issues.push({ type: failure, loc: ['body', name], msg, input: value });
	}
	if (issues.length) throw validationError(issues);
	return values;
}
