/**
 * Running a saved Workflow as Inference does (docs/roboflow-api.md §6): the request body, the
 * runtime input assembly with its 400 `RuntimeInputError`s (texts of roboflow/inference 1.5.0
 * `execution_engine/v1/executor/runtime_input_assembler.py`), the run, and describe_interface.
 */
import { KEY_ORDER } from './auth.ts';
import type { Json } from './body.ts';
import { checkFields, isObject, jsonBody, laxBool, laxNumber } from './body.ts';
import type { InferenceCall, ServerContext } from './calls.ts';
import { answering, routeKey, screen } from './calls.ts';
import { HttpError, MESSAGES } from './errors.ts';
import { imageIdentity } from './faults.ts';
import type { UrlRules } from './input.ts';
import { decodeBase64, fetchUrl, pixelsOf, urlRefusal } from './input.ts';
import type { RunContext, SinkDelivery, WorkflowDefinition, WorkflowImage } from './workflows.ts';
import { findWorkflow } from './workflows.ts';
import { WORKSPACE } from './workspace.ts';

export interface WorkflowRequest {
	api_key?: string;
	inputs: Json;
	excluded_fields?: string[];
	workflow_version_id?: string;
	disable_sinks?: boolean;
}

/** The body of a run (`PredefinedWorkflowInferenceRequest`) or of describe_interface (no `inputs`). */
export function parseWorkflowRequest(
	contentType: string | undefined,
	body: Buffer,
	route: 'run' | 'describe',
): WorkflowRequest {
	const fields = checkFields(
		jsonBody(contentType, body),
		{
			api_key: 'string',
			inputs: 'object',
			excluded_fields: 'string[]',
			use_cache: 'boolean',
			workflow_version_id: 'string',
			disable_sinks: 'boolean',
			enable_profiling: 'boolean',
			debug: 'boolean',
			workflow_id: 'string',
		},
		route === 'run' ? ['inputs'] : [],
	);
	return { ...fields, inputs: (fields.inputs as Json | undefined) ?? {} } as WorkflowRequest;
}

/** 400 `RuntimeInputError`, the fields the node reads; `inner_error_message` is Python's `str(None)` when there is none. */
const runtimeInputError = (message: string, inner?: string) =>
	new HttpError(400, { message, inner_error_message: inner ?? 'None' });

/** One image value (`{type, value}` or a bare string; only `value` is read): its pixels, or why not. */
async function loadImage(value: unknown, rules: UrlRules): Promise<WorkflowImage['pixels']> {
	const raw = isObject(value) ? value.value : value;
	if (typeof raw !== 'string')
		throw new Error(`not an image value: ${JSON.stringify(raw) ?? 'no value'}`);
	if (!/^https?:\/\//.test(raw)) return pixelsOf(decodeBase64(raw), 'body');
	const refusal = urlRefusal(raw, rules);
	if (refusal) throw new Error(refusal);
	return pixelsOf(await fetchUrl(raw), 'url');
}

/** An image input (one per input, as the node sends): its pixels, or the 400 Inference answers. */
async function imageInput(name: string, value: unknown, rules: UrlRules): Promise<WorkflowImage> {
	if (value === undefined || value === null)
		throw runtimeInputError(
			`Detected runtime parameter \`${name}\` defined as \`WorkflowImage\` (of kind \`['image']\`), but value is not provided.`,
		);
	const pixels = await loadImage(value, rules).catch((error: Error) => {
		const details =
			error instanceof HttpError ? error.message.replace(/^.*Cause: /, '') : error.message;
		throw runtimeInputError(
			`Failed to assemble \`${name}\`. Could not successfully use any deserializer for declared kinds. Details: \nKind: \`image\` - Error: ${details}`,
		);
	});
	return { pixels, parentId: name };
}

/** A parameter value checked by the kind it declares (pydantic's lax mode): the value, or the complaint. */
function checkParameter(
	kind: string | undefined,
	value: unknown,
): { value: unknown } | { error: string } {
	const number = laxNumber(value);
	if (kind === 'float_zero_to_one') {
		if (number === undefined)
			return { error: 'Input should be a valid number [type=float_parsing]' };
		if (number < 0 || number > 1)
			return {
				error: `Input should be ${number < 0 ? 'greater than or equal to 0 [type=greater_than_equal]' : 'less than or equal to 1 [type=less_than_equal]'}`,
			};
		return { value: number };
	}
	if (kind === 'integer')
		return Number.isInteger(number)
			? { value: number }
			: {
					error:
						'Input should be a valid integer, got a number with a fractional part [type=int_from_float]',
				};
	if (kind === 'boolean')
		return laxBool(value) === undefined
			? { error: 'Input should be a valid boolean [type=bool_parsing]' }
			: { value: laxBool(value) };
	if (value === null || value === undefined) return { value: null };
	if (kind === 'string')
		return typeof value === 'string'
			? { value }
			: { error: 'Input should be a valid string [type=string_type]' };
	const list = Array.isArray(value) && value.every((v) => typeof v === 'string');
	return list ? { value } : { error: 'Input should be a valid list of strings [type=list_type]' };
}

/**
 * Inference's runtime input assembly: images loaded, parameters given or defaulted, then each
 * parameter checked by the step it feeds.
 */
export async function assembleInputs(
	definition: WorkflowDefinition,
	inputs: Json,
	rules: UrlRules,
) {
	const images: Record<string, WorkflowImage> = {};
	const params: Json = {};
	for (const input of definition.specification.inputs) {
		if (input.type === 'WorkflowImage')
			images[input.name] = await imageInput(input.name, inputs[input.name], rules);
		else
			params[input.name] = Object.hasOwn(inputs, input.name)
				? inputs[input.name]
				: input.default_value;
	}
	for (const [input, [step, property]] of Object.entries(definition.feeds)) {
		const kind = definition.specification.inputs.find((each) => each.name === input)?.kind?.[0];
		const checked = checkParameter(kind, params[input]);
		if ('error' in checked)
			throw runtimeInputError(
				`Provided input is incompatible with manifest of step ${step} regarding property ${property} provided in input parameter named ${input}. Details available in inner error object.`,
				`1 validation error for BlockManifest\n${property}\n  ${checked.error}, input_value=${JSON.stringify(params[input])}`,
			);
		params[input] = checked.value;
	}
	return { images, params };
}

/** Runs the Workflow: its one output object, without `excluded_fields`. */
export function runWorkflow(
	definition: WorkflowDefinition,
	context: RunContext,
	excluded: readonly string[] = [],
) {
	const output = definition.run(context);
	return [Object.fromEntries(Object.entries(output).filter(([name]) => !excluded.includes(name)))];
}

/**
 * describe_interface (§6.4b): inputs the steps use first, in the order the steps use them, then
 * the others, each with its kinds (images `image`, none declared `*`): what the node reads.
 */
export function describeInterface({ specification }: WorkflowDefinition) {
	const used = [...JSON.stringify(specification.steps).matchAll(/"\$inputs\.([\w-]+)"/g)].map(
		(m) => m[1],
	);
	const order = (name: string) => (used.includes(name) ? used.indexOf(name) : used.length);
	const inputs = Object.fromEntries(
		[...specification.inputs]
			.sort((a, b) => order(a.name) - order(b.name))
			.map((input) => [
				input.name,
				input.kind ?? (input.type === 'WorkflowImage' ? ['image'] : ['*']),
			]),
	);
	return { inputs };
}

/**
 * `POST /{workspace}/workflows/{id}` (and `/infer/workflows/{workspace}/{id}`), and its
 * `/describe_interface`: the serverless gateway, the body, the key (Bearer, then the
 * body: never the query), the Workflow and version,
 * injected faults (runs), input assembly, the run.
 */
export async function workflowRoute(
	context: ServerContext,
	call: InferenceCall,
	workspace: string,
	id: string,
): Promise<void> {
	await answering(call, async () => {
		const json = screen(context, call);
		const route = call.call.route === 'describe' ? 'describe' : 'run';
		const request = parseWorkflowRequest(call.req.headers['content-type'], call.body, route);
		routeKey(context, call, KEY_ORDER.workflow, json);
		const definition =
			workspace === WORKSPACE ? findWorkflow(id, request.workflow_version_id) : undefined;
		if (!definition) throw new HttpError(404, { message: MESSAGES.notFound });
		if (route === 'describe') return call.reply(200, describeInterface(definition));
		const identity = imageIdentity(Buffer.concat([Buffer.from(`workflow\0${id}\0`), call.body]));
		if (context.injector.apply(context.plan(), identity, call)) return;
		const { images, params } = await assembleInputs(definition, request.inputs, context.rules);
		const deliver = (delivery: SinkDelivery) =>
			context.stats().sinks.push({
				at: Date.now(),
				workflow: definition.url,
				version: definition.version,
				...delivery,
			});
		const outputs = runWorkflow(
			definition,
			{ images, params, disableSinks: request.disable_sinks === true, deliver },
			request.excluded_fields,
		);
		call.reply(200, { outputs });
	});
}
