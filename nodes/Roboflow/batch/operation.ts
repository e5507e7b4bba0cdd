/**
 * The contract between an operation and the batch machinery. The batch owns it, so operations
 * (actions/) depend on the batch and never the other way round.
 */
import type {
	IBinaryData,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import type { RoboflowCredentials } from '../transport/credentials';
import type { ModelTask } from '../transport/endpoint';
import type { ManagementClient } from '../transport/management';
import type { RoboflowRequest } from '../transport/request';

/** What the batch machinery knows for the whole run, read once. */
export interface RunContext {
	/** The decrypted credential, handed to n8n's helper so it is not read again per request. */
	credentials: ICredentialsDecrypted;
	data: RoboflowCredentials;
	/** Strings that must never appear in outputs, errors or logs. */
	secrets: string[];
	/**
	 * Roboflow's management API for lookups outside the per-item flow (e.g. the key's workspace,
	 * asked once per run), sent through the same transport: retries, timeout, cancellation and
	 * error mapping as for items.
	 */
	management: ManagementClient;
}

/** One unit of work: an item, or one image of an item that has several. */
export interface Job {
	itemIndex: number;
	item: INodeExecutionData;
	/** The item's Options collection, read once by the batch machinery for all of its jobs. */
	options: IDataObject;
	/**
	 * The binary field holding this job's image, chosen by the batch machinery from Input Binary
	 * Field (the only place that parameter is read); undefined when the input is an image URL.
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

/** What an operation adds to its item: JSON fields and, for images it got back, binaries. */
export interface OperationResult {
	json: IDataObject;
	binary?: INodeExecutionData['binary'];
}

/**
 * Sends a job's follow-up request (e.g. the annotation after an upload) as the job's first was
 * sent: same transport, retries, timeout, pause and cancellation; only that request is retried.
 */
export type SendFollowUp = (request: RoboflowRequest) => Promise<unknown>;

/** A request for one job, and how to read its answer (closing over what the request knew). */
export interface PreparedJob {
	request: RoboflowRequest;
	read: (answer: unknown, send: SendFollowUp) => Promise<OperationResult>;
}

/** An operation once started for a run: builds each job's request. */
export interface OperationRun {
	prepare(this: IExecuteFunctions, job: Job): Promise<PreparedJob>;
}

/**
 * What one operation supplies; everything else (pool, retries, cancellation, continue-on-fail,
 * redaction, hints, output merging) is the batch machinery's, written once in batch/runBatch.ts.
 */
export interface RoboflowOperation {
	/** Its entry in the Operation parameter. */
	option: INodePropertyOptions & { value: string };
	/**
	 * What an AI Agent's model is told the tool does when set to this operation: what it returns
	 * and what it needs (the tool variant's Description, which the user may rewrite).
	 */
	toolDescription?: string;
	/**
	 * The model task it runs, for a model operation: which projects its Model picker lists and,
	 * on a legacy API URL, which host serves it.
	 */
	modelTask?: ModelTask;
	/** Its own parameters, shown only for it. */
	properties: INodeProperties[];
	/** Called once per run, e.g. to look something up that every item needs. */
	start(this: IExecuteFunctions, run: RunContext): Promise<OperationRun>;
	/** For a 200 answer that is not this operation's result: headline and advice. */
	unexpectedAnswer: { message: string; hint: string };
}
