/** Input items in (each planned as jobs), output items out, in input order. */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import type { SkippedField } from './imageFields';
import { selectImageFields } from './imageFields';
import type { Job, OperationResult } from './operation';
import type { BatchOptions } from './parameters';
import { BATCH_DEFAULTS } from './parameters';

export type JobOutcome =
	| { ok: true; result: OperationResult }
	| { ok: false; error: NodeApiError | NodeOperationError };

/** An input item's output: `single` (itself), `split` (one per image) or `combined` (`results`). */
export interface ItemPlan {
	itemIndex: number;
	item: INodeExecutionData;
	mode: 'single' | 'split' | 'combined';
	jobs: Job[];
	skipped: SkippedField[];
	outputField: string;
	/** Why the item could not be planned (continue-on-fail): it has no jobs and fails as a whole. */
	failure?: NodeApiError | NodeOperationError;
}

/** Plans an item: which of its images become jobs. Reads its parameters, never its image data. */
export function planItem(
	this: IExecuteFunctions,
	itemIndex: number,
	item: INodeExecutionData,
): ItemPlan {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const outputField = String((options as BatchOptions).outputField ?? '').trim();
	const plan = { itemIndex, item, skipped: [] as SkippedField[], outputField };
	const job = (fields: Partial<Job> = {}): Job => ({
		itemIndex,
		item,
		options,
		oneOfSeveral: false,
		binaryPrefix: '',
		...fields,
	});
	if (this.getNodeParameter('inputType', itemIndex, 'binaryData') !== 'binaryData')
		return { ...plan, mode: 'single', jobs: [job()] };
	// A field name, or (from an expression) binary data objects: selectImageFields tells them apart.
	const parameter = this.getNodeParameter(
		'binaryPropertyName',
		itemIndex,
		BATCH_DEFAULTS.binaryPropertyName,
	);
	const { fields, skipped, isList, data } = selectImageFields(parameter, item.binary);
	if (!isList) {
		const jobs = [job({ binaryField: fields[0], binaryData: data?.[0] })];
		return { ...plan, mode: 'single', jobs };
	}
	const split = (options as BatchOptions).splitImages ?? BATCH_DEFAULTS.splitImages;
	const jobs = fields.map((field, index) =>
		job({
			binaryField: field,
			binaryData: data?.[index],
			oneOfSeveral: true,
			// Split items each carry one image, so its results keep their own names; combined ones share an item.
			binaryPrefix: split ? '' : `${field}_`,
		}),
	);
	return { ...plan, mode: split ? 'split' : 'combined', jobs, skipped };
}

/** n8n routes an item to the error output only when its JSON has no keys but these (and `details`). */
function failedItemJson(error: NodeApiError | NodeOperationError): IDataObject {
	return { error: error.message, message: error.description ?? '' };
}

/** Puts a result on its item: merged into the top level, or under Output Field. */
function mergeJson(item: INodeExecutionData, result: IDataObject, outputField: string) {
	return outputField ? { ...item.json, [outputField]: result } : { ...item.json, ...result };
}

/** An item's failure: its error, with its images kept so an error branch can still forward them. */
function failedItem(
	plan: ItemPlan,
	error: NodeApiError | NodeOperationError,
	binary = plan.item.binary,
): INodeExecutionData {
	return {
		json: failedItemJson(error),
		...(binary ? { binary } : {}),
		pairedItem: { item: plan.itemIndex },
	};
}

function singleOutput(plan: ItemPlan, [outcome]: JobOutcome[]): INodeExecutionData[] {
	if (!outcome.ok) return [failedItem(plan, outcome.error)];
	const { item } = plan;
	const binary = outcome.result.binary ? { ...item.binary, ...outcome.result.binary } : item.binary;
	return [
		{
			json: mergeJson(item, outcome.result.json, plan.outputField),
			...(binary ? { binary } : {}),
			pairedItem: { item: plan.itemIndex },
		},
	];
}

function splitOutput(plan: ItemPlan, outcomes: JobOutcome[]): INodeExecutionData[] {
	const { item } = plan;
	const skipped = plan.skipped.length ? { skipped_binary_fields: plan.skipped } : {};
	const pairedItem = { item: plan.itemIndex };
	// No image at all: the item passes through, saying what it skipped.
	if (!plan.jobs.length) {
		const json = { ...item.json, binary_field: null, ...skipped };
		return [{ json, ...(item.binary ? { binary: item.binary } : {}), pairedItem }];
	}
	return plan.jobs.map((job, index) => {
		const outcome = outcomes[index];
		const field = job.binaryField as string;
		const source = job.binaryData ?? item.binary?.[field];
		const image = source ? { [field]: source } : {};
		if (!outcome.ok) return failedItem(plan, outcome.error, image);
		const json = {
			...mergeJson(item, outcome.result.json, plan.outputField),
			binary_field: field,
			...skipped,
		};
		return { json, binary: { ...image, ...outcome.result.binary }, pairedItem };
	});
}

function combinedOutput(plan: ItemPlan, outcomes: JobOutcome[]): INodeExecutionData[] {
	const results = plan.jobs.map((job, index) => {
		const outcome = outcomes[index];
		const fields = outcome.ok ? outcome.result.json : failedItemJson(outcome.error);
		return { binary_field: job.binaryField as string, ...fields };
	});
	let binary = plan.item.binary;
	for (const outcome of outcomes)
		if (outcome.ok && outcome.result.binary) binary = { ...binary, ...outcome.result.binary };
	const skipped = plan.skipped.length ? { skipped_binary_fields: plan.skipped } : {};
	const json = {
		...mergeJson(plan.item, { results } as IDataObject, plan.outputField),
		...skipped,
	};
	return [{ json, ...(binary ? { binary } : {}), pairedItem: { item: plan.itemIndex } }];
}

/** The output items of one planned input item, from its jobs' outcomes, in order. */
export function outputItems(plan: ItemPlan, outcomes: JobOutcome[]): INodeExecutionData[] {
	if (plan.failure) return [failedItem(plan, plan.failure)];
	if (plan.mode === 'single') return singleOutput(plan, outcomes);
	if (plan.mode === 'split') return splitOutput(plan, outcomes);
	return combinedOutput(plan, outcomes);
}
