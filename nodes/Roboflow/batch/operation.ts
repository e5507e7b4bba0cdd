/**
 * The contract between an operation and the batch machinery. The batch owns it, so operations
 * (actions/) depend on the batch and never the other way round.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import type { ModelTask } from '../transport/endpoint';
import type { InferenceClient } from '../transport/inference';
import type { ManagementClient } from '../transport/management';
import type { Send } from '../transport/request';

/** One unit of work: an item, or one image of an item that has several. */
export interface Job {
	itemIndex: number;
	item: INodeExecutionData;
	/** The item's Options collection, read once for all of its jobs. */
	options: IDataObject;
	/**
	 * The binary field holding this job's image, chosen by the batch from Input Binary Field (the
	 * only place that parameter is read); undefined when the input is an image URL.
	 */
	binaryField?: string;
	/**
	 * The image itself when Input Binary Field is an expression giving binary data objects (a chat
	 * upload, a file of an earlier node); `binaryField` then only names it in messages and outputs.
	 */
	binaryData?: IBinaryData;
	/** Whether the item has several images, so messages name the field: `[item 0, attachment_3]`. */
	oneOfSeveral: boolean;
	/**
	 * Put before the names of binaries the job returns (annotated picture, Workflow images), so
	 * that several images of one item do not overwrite each other's: `attachment_1_`.
	 */
	binaryPrefix: string;
}

/** What a job talks to Roboflow through. */
export interface JobApi {
	/** Sends a request as this job's: its item's timeout and retries, the run's pause, limiter and stop. */
	send: Send;
	inference: InferenceClient;
	/** Shared by the run, so what it looks up once (the key's workspace) is asked once. */
	management: ManagementClient;
}

/** What an operation adds to its item: JSON fields and, for images it got back, binaries. */
export interface OperationResult {
	json: IDataObject;
	binary?: INodeExecutionData['binary'];
}

/**
 * What one operation supplies; everything else (pool, retries, cancellation, continue-on-fail,
 * redaction, hints, output order) is the batch machinery's, written once in batch/.
 */
export interface RoboflowOperation {
	/** Its entry in the Operation parameter. */
	option: INodePropertyOptions & { value: string };
	/**
	 * What an AI Agent's model is told the tool does when set to this operation: what it returns
	 * and what it needs (the tool variant's Description, which the user may rewrite).
	 */
	toolDescription: string;
	/** For a model operation: which projects its Model picker lists and, on a legacy URL, its host. */
	modelTask?: ModelTask;
	/** Its own parameters, shown only for it. */
	properties: INodeProperties[];
	/** For a 200 answer that is not this operation's result: headline and advice. */
	unexpectedAnswer: { message: string; hint: string };
	/** Does one job: sends what it needs through `api.send` and returns the item's result. */
	execute(this: IExecuteFunctions, job: Job, api: JobApi): Promise<OperationResult>;
}
