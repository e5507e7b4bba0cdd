/** The parameters the batch reads, so it owns them (shown by actions/shared/descriptions.ts). */

import type { INodeProperties } from 'n8n-workflow';

export const binaryPropertyNameProperty: INodeProperties = {
	displayName: 'Input Binary Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	displayOptions: { show: { inputType: ['binaryData'] } },
	hint: 'The binary field holding the image. Several: separate them with commas (attachment_0, attachment_1), or * for every image of the item.',
};

/** The options every operation has, read by the batch itself. */
export const BATCH_OPTIONS = {
	outputField: {
		displayName: 'Output Field',
		name: 'outputField',
		type: 'string',
		default: '',
		placeholder: 'e.g. roboflow',
		description:
			"Put the result under this key and leave the item's own fields untouched. Empty merges the result into the item's top level.",
	},
	splitImages: {
		displayName: 'Split Images Into Items',
		name: 'splitImages',
		type: 'boolean',
		default: true,
		description:
			'Whether, when Input Binary Field names several fields (a comma-separated list or *), each image becomes its own output item (with only its image and a binary_field naming it) instead of one item per input with a results list',
	},
	maxConcurrency: {
		displayName: 'Max Concurrency',
		name: 'maxConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 64 },
		default: 5,
		description:
			'How many requests may be in flight at once. Read once per run, from the first item: an expression here does not vary per item.',
	},
	maxRetries: {
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 3,
		description:
			'How often one image is retried after a rate limit (429), a temporary server error (502, 503, 504), a dropped connection or a timeout',
	},
	timeout: {
		displayName: 'Timeout',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30000,
		description: 'How long to wait for one answer from Roboflow, in milliseconds',
	},
} satisfies Record<string, INodeProperties>;

/** The batch's options as read from an item's Options collection. */
export interface BatchOptions {
	maxConcurrency?: number;
	maxRetries?: number;
	timeout?: number;
	outputField?: string;
	splitImages?: boolean;
}

/** The defaults as the code reads them, taken from the definitions n8n shows. */
export const BATCH_DEFAULTS = {
	binaryPropertyName: binaryPropertyNameProperty.default as string,
	maxConcurrency: BATCH_OPTIONS.maxConcurrency.default,
	maxRetries: BATCH_OPTIONS.maxRetries.default,
	timeout: BATCH_OPTIONS.timeout.default,
	splitImages: BATCH_OPTIONS.splitImages.default,
};
