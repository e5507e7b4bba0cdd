/** The contract between an operation and the batch, owned by the batch (actions/ depend on it). */
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
	/** The binary field holding this job's image (from Input Binary Field); none for a URL. */
	binaryField?: string;
	/** The image itself when Input Binary Field gives binary data objects; `binaryField` names it. */
	binaryData?: IBinaryData;
	/** Whether the item has several images, so messages name the field: `[item 0, attachment_3]`. */
	oneOfSeveral: boolean;
	/** Prefixes the job's binary outputs so images of one item do not clash: `attachment_1_`. */

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

/** What one operation supplies; pool, retries, errors and output order are batch/'s. */
export interface RoboflowOperation {
	/** Its entry in the Operation parameter. */
	option: INodePropertyOptions & { value: string };
	/** What an AI Agent's model is told the tool does and returns (the user may rewrite it). */

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
