/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error -- the local test server is an HTTP server in Node, not an n8n node: node:http/net, latency timers and timings, and HttpError is the HTTP answer it sends */
/**
 * A local server that models Roboflow's inference API and the parts of its management API that
 * clients read (docs/roboflow-api.md, §1-§8 and §10) for tests, the demo and
 * the benchmark. Dev tooling only: not part of the published package. Answers are computed from
 * the real pixels of the image sent, so a client's request building is tested end to end.
 *
 *   import { createRoboflowServer } from '../tools/roboflow-server/index.ts';
 *   const server = createRoboflowServer({ apiKeys: ['k'], auth: 'inference' });
 *   const url = await server.start();            // http://127.0.0.1:<free port>
 *   ... POST `${url}/shapes/1?api_key=k` with a base64 body ...
 *   await server.stop();
 *
 * From the command line: `node tools/roboflow-server/main.ts` (see main.ts for its env vars).
 *
 * ROUTES
 * - `POST|GET /{project}/{version}`: the legacy model route (§3). Image input (§3.1): `image=`
 *   URL (the server downloads it, subject to the URL rules below), a base64 body with any
 *   non-multipart Content-Type (`data:image/...;base64,` prefix allowed), or multipart/form-data
 *   with a `file` part. Query parameters (§3.2): `api_key`, `confidence` (default 0.4; quirk:
 *   >= 1 is divided by 100, then raised to at least 0.01, so `1` means 0.01; `best`/`default`
 *   accepted), `overlap` (NMS IoU, default 0.3, same >= 1 quirk, no floor), `max_detections`
 *   (300), `keypoint_confidence` (0), `format` (`json` | `image` | `image_and_json`; any other
 *   value is `json`), `labels`, `stroke` (1), `response_mask_format` (`polygon` | `rle`),
 *   `mask_decode_mode`, `tradeoff_factor`; `classes` and other unknown parameters are ignored,
 *   as Inference does. Values that do not parse answer 422 `{detail: [...]}` like FastAPI.
 *   Answers (§4): `{inference_id, time, image: {width, height}, predictions, ...}`;
 *   `format=image` answers the annotated JPEG (`Content-Type: image/jpeg`), `image_and_json`
 *   adds `visualization` (base64 JPEG, no `data:` prefix) to the JSON.
 * - `POST /{workspace}/workflows/{workflow_id}` and the deprecated alias
 *   `POST /infer/workflows/{workspace}/{workflow_id}`: run a saved Workflow (§6, see WORKFLOWS).
 * - `POST /{workspace}/workflows/{workflow_id}/describe_interface` (§6.4b): body `{api_key?,
 *   use_cache?, workflow_version_id?}` (key also from Bearer; none: 400 "Required
 *   Roboflow API key is missing. ..."), then the key and workflow checks of a run ->
 *   `{inputs: {name: [kind]}, outputs: {name: [kind]}, typing_hints: {kind: hint},
 *   kinds_schemas: {}}` (see describeInterface in workflows.ts). `describeInterface: false`
 *   plays an older server without the route (404 `{detail: "Not Found"}`).
 * - `GET /?api_key=...`: the management API's key check (api.roboflow.com): 200
 *   `{welcome, instructions, docs, workspace}` or 401 `{error: {message: "This API key does not
 *   exist (or has been revoked).", status: 401, type: "OAuthException", hint, key?}}`.
 * - Management API (§7, see WORKSPACE), `api_key` query parameter only:
 *   `GET /{workspace}` -> `{workspace: {name, url, members, projects: [{id: 'ws/project', type,
 *   name, created, updated, images, unannotated, annotation, versions: <count>, public, splits,
 *   colors, classes: {name: count}, multilabel?}]}}`;
 *   `GET /{workspace}/{project}` -> `{workspace: {name, url, members}, project: {...as above},
 *   versions: [{id: 'ws/project/N', name, created, images, splits, preprocessing, augmentation,
 *   exports, model?: {id: 'project/N', endpoint, start, end, fromScratch, map, recall,
 *   precision}}]}` (newest first; `model` only on trained versions);
 *   `GET /{workspace}/workflows` -> `{workflows: [{id, name, url, createdAt}], status: 'ok'}`;
 *   `GET /{workspace}/workflows/{url}` -> `{workflow: {id, owner, name, url, config}, status:
 *   'ok'}`, `config` a JSON string of `{specification: {version, inputs, steps, outputs}}`;
 *   `?workflow_version=<id>` gives that saved version (an unknown one answers 404).
 *   Errors `{error: {message, status, ...}}`: 401 missing/unknown key (as `GET /`), 404 unknown
 *   workspace, project or workflow, 403 a key without the `workflow:read` scope (`keyScopes`)
 *   on the two workflow routes. The 404/403 texts are this server's (Roboflow's unverified).
 * - `GET /images/{name}`: bytes registered with `addImage` (for URL-input tests).
 * - Uploads to a project (§10, see dataset.ts), api.roboflow.com routes: `POST
 *   /dataset/{project}/upload` (multipart `file`, `image=` URL or base64 body; `{success, id}`
 *   or `{duplicate, id}`) and `POST /dataset/{project}/annotate/{image_id}` (`{success}`, 409
 *   already annotated); what arrived: `received(project?)` and `GET /_local/received`.
 *
 * ROUTING: one server plays both hosts (inference and api.roboflow.com), whose paths overlap
 * only in `GET /{a}/{b}`. Management routes answer GET only: `GET /{a}` (one segment, except
 * `images`), `GET /{a}/workflows`, `GET /{a}/workflows/{url}`, and `GET /{a}/{b}` when `a` is
 * the server's workspace and `b` is not all digits (a project slug; an unknown one answers 404).
 * Every other `GET|POST /{a}/{b}` is the model route, so `GET /colors/1?image=...` (version =
 * digits) still runs the model, even with `workspace: 'colors'`. POSTs with three segments
 * `/{a}/workflows/{id}` (or four, `/infer/workflows/{a}/{id}`) run Workflows.
 *
 * MODELS (`DEFAULT_MODELS`, `MODELS`; `options.models` maps more ids to these kinds)
 * - `colors/1` (kind `colors`): single-label classification, classes red, green, blue (softmax
 *   of the mean colour). Nothing passing the threshold: `predictions: [], top: '', confidence: 0`.
 * - `tones/1` (kind `tones`): multi-label classification, classes bright, dark, colourful.
 * - `shapes/1` (kind `shapes`): object detection. Classes `SHAPE_CLASSES` = red, green, blue,
 *   yellow, magenta, cyan (class_id in that order), colours `COLOURS[name]` of tools/images/index.ts.
 *   Each solid rectangle of such a colour on a background of another colour is one prediction
 *   `{x, y, width, height, confidence, class, class_id, detection_id}` (centre and size in image
 *   pixels; confidence 0.95 for a clean opaque rectangle, ~0.95 x opacity for a translucent
 *   one). Post-processing as Roboflow's: confidence strictly above the threshold, per-class
 *   NMS (overlapping same-colour rectangles are both found, so `overlap` decides whether both
 *   are reported), then `max_detections`. See detect.ts. Make images with `makeShapesPng` /
 *   `makeShapesJpeg` and compare with `expectedBox` (tools/images/index.ts).
 * - `shapes-seg/1`: instance segmentation: as `shapes`, plus `points` (the rectangle's four
 *   corners, clockwise from top-left, in pixel-edge coordinates) and `mask_format: "polygon"`,
 *   or with `response_mask_format=rle` a COCO `rle: {size: [H, W], counts}` and `mask_format: "rle"`.
 * - `shapes-pose/1`: keypoints: as `shapes`, plus `keypoints: [{x, y, confidence, class_id,
 *   class}]` for top_left, top_right, bottom_right, bottom_left, center (`KEYPOINT_NAMES`);
 *   a corner covered by another colour gets a low confidence; `keypoint_confidence` hides
 *   keypoints below it. `confidence=best` answers 500 "Internal error." as Inference does.
 * - Annotated images (`format=image|image_and_json`): see draw.ts. A single-label
 *   classification with no class above the threshold answers 500 "Internal error." (§4.7).
 * - Also every trained version of the WORKSPACE (e.g. `shapes-retrained/2`, kind `shapes`).
 *
 * WORKSPACE (`PROJECTS`, workspace.ts; slug = the model route's project, so a listed model id
 * works on the model route): `colors` (classification, v1 trained), `tones` (classification,
 * `multilabel: true`, v1 trained), `shapes` (object-detection, v1), `shapes-seg`
 * (instance-segmentation, v1), `shapes-pose` (keypoint-detection, v1), `shapes-retrained`
 * (object-detection; v1 without a model, v2 trained: `shapes-retrained/1` answers 404 on the
 * model route), `shapes-untrained` (object-detection, only v1, no model), `shapes-semantic`
 * (semantic-segmentation, v1 trained but not served by the model route: 404, as on
 * Roboflow's v2 hosts). Entries of `options.models` shaped `project/N` add their project (type
 * from the kind) or version when missing. Workflows: `WORKFLOWS`.
 *
 * WORKFLOWS (`WORKFLOWS`, workflows.ts; run through the shapes detector of detect.ts):
 * - `detect-count-and-visualize`: inputs `image` (WorkflowImage), `confidence`
 *   (WorkflowParameter, kind float_zero_to_one, default_value 0.4), `classes` (kind
 *   list_of_values, default_value null = every class). Outputs `count_objects` (number of kept
 *   boxes), `predictions` (`{image: {width, height}, predictions: [{width, height, x, y,
 *   confidence, class_id, class, detection_id, parent_id: 'image'}]}`; with no box, `image` is
 *   `{width: null, height: null}` as Inference sends), `output_image` (annotated JPEG, q95).
 * - `crop-and-classify`: input `image`. Outputs `crops`: `[{crop: <image>, class, confidence}]`,
 *   one per box (threshold 0.4), the crop's image with `parent_id` (= the box's detection id),
 *   `parent_origin` / `root_parent_origin` (`{offset_x, offset_y, width, height}` of the source
 *   image), `root_parent_id: 'image'`; `class` = the SHAPE_CLASSES colour most of the crop's
 *   pixels have (as the detector labels them), `confidence` = 0.98 x its share of the crop;
 *   and `crop_count`.
 * - `always-fails`: input `image`; after its image is assembled its `divide` step fails: 500
 *   `{message: "division by zero", error_type: "StepExecutionError", context, inner_error_type:
 *   "ZeroDivisionError", inner_error_message, blocks_errors: [{block_id: "divide", block_type,
 *   block_details: null, property_name: null, property_details, block_traceback: {traceback,
 *   ...}}], python_blocks_output_streams: null, python_blocks_debug_traces: null}`.
 * - `compare-front-and-back` (versions `2`, the latest, and `1`): two image inputs `front` and
 *   `back` and typed parameters with defaults (`confidence`, `tolerance`, `classes`, `label`
 *   without a default, `quiet`, `note` without a kind), a webhook sink; see compareFrontAndBack
 *   in workflows.ts. Every other Workflow has one version, `1`.
 * Versions: `workflow_version_id` runs that saved version; an unknown one answers 404.
 * Sinks: a sink step that fires is recorded in `stats.sinks` (`{ at, workflow, version, block,
 * blockType, payload }`); with `disable_sinks: true` none fires and its output says "Sink was
 * disabled by workflow execution policy" (Inference's text).
 * Images in outputs: `{type: 'base64', value: <JPEG base64>, video_metadata: {video_identifier,
 * frame_number: 0, frame_timestamp, fps: 30, measured_fps: null, comes_from_video_file: null}}`.
 * Answer: `{outputs: [{...}]}`, one object per input image (`image` may be a list: a batch;
 * elements are then named `image.[i]` in `parent_id`), `excluded_fields` dropped.
 * Request: JSON body `{api_key?, inputs, excluded_fields?, use_cache?, workflow_version_id?,
 * enable_profiling?, debug?, disable_sinks?, workflow_id?}` (`enable_profiling`, `debug` and
 * `workflow_id` are type-checked, then ignored). Key: `Authorization: Bearer` > body `api_key` (the query's is only the serverless gateway's). An image input is
 * `{type, value}` or a bare string; only `value` is read: `http(s)://` strings are downloaded
 * under the URL rules below, anything else is base64 (`data:` prefix allowed).
 * ORDER OF CHECKS: body size (413), serverless gateway (401, as the model route), body (422
 * `{detail: [{type, loc, msg, input}]}`: empty body, not JSON, JSON not an object, no
 * `inputs`, wrong field types; a non-JSON Content-Type counts as not an object), key (`legacy`:
 * none 401 "Unauthorized api_key", unknown or without `workflow:read` 403 "Forbidden";
 * `inference`/`serverless`: none or unknown 401 "Unauthorized access to roboflow API - ...",
 * no `workflow:read` 403 "... required scopes ..."), workspace in the path not the server's or
 * unknown workflow (404 "Requested Roboflow resource not found. ..."), injected faults, input
 * assembly (400 RuntimeInputError `{message, error_type: "RuntimeInputError", context:
 * "workflow_execution | runtime_input_validation", inner_error_type, inner_error_message}`,
 * Inference's texts: missing image "Detected runtime parameter `image` defined as
 * `WorkflowImage` (of kind `['image']`), but value is not provided." with inner null / "None";
 * an image that does not load "Failed to assemble `image`. ... Details: <why>"; a parameter the
 * step cannot take (e.g. `confidence: 'abc'` or 1.5, `classes: 'red'`) "Provided input is
 * incompatible with manifest of step model regarding property confidence provided in input
 * parameter named confidence. ..." with inner `ValidationError` and pydantic's error text
 * (close, not byte-exact). Numeric strings are numbers, as pydantic's lax mode takes them),
 * then the run (500 for `always-fails`). Missing parameters take their `default_value`.
 * Workflow answers use Roboflow's texts whatever `messages` says.
 *
 * OPTIONS of createRoboflowServer (all optional)
 * - `apiKeys` (['local-test-key']): keys with access to every model.
 * - `modelAccess` ({}): `{ key: ['project/version', ...] }`: valid keys limited to those models;
 *   any other model answers 403 (the "required scopes" message, or `Forbidden` in legacy style).
 * - `auth` ('legacy'): how bad keys are answered, see auth.ts: `legacy` (v1 hosts: no key 401
 *   "Unauthorized api_key", wrong key 403 `{"message":"Forbidden"}`), `inference` (Inference
 *   server: 401 "Unauthorized access to roboflow API - ...", 403 scopes), `serverless`
 *   (serverless gateway: 401 `{status, message: "Unauthorized api_key"}` / "... not authorized
 *   for serverless inference.", then 403 scopes from the route).
 * - `messages` ('legacy' when `auth` is 'legacy', else 'inference'): error texts for unknown
 *   models (404), undecodable images (400), failed URL downloads (400) and internal errors
 *   (500). `inference` = Roboflow's exact texts (§5: "Requested Roboflow resource not found.
 *   ...", "Could not load input image. Cause: ..."); `legacy` = this server's older texts
 *   ("Model x/1 not found. Check the project and version.", "Could not decode image: ...",
 *   "Invalid base64 input"), which existing tests match. Other texts are Roboflow's in both.
 * - URL input rules (defaults = Roboflow's hosted API, §3.1; refusals answer 400 "Could not
 *   load input image. Cause: Providing images via non https:// URL is not supported in this
 *   configuration of `inference`." or the "... via URL without FQDN ..." variant):
 *   `allowUrlInput` (true), `allowNonHttpsUrls` (false), `allowUrlsWithoutFqdn` (false; when
 *   false, IP addresses, `localhost` and names without a public suffix are refused),
 *   `urlAllowList` / `urlDenyList` (host names), `maxImageUrlRedirects` (30). URLs of
 *   `addImage` (http://127.0.0.1:...) need `SELF_HOSTED_URL_OPTIONS`
 *   (`{ allowNonHttpsUrls: true, allowUrlsWithoutFqdn: true }`), like a self-hosted server.
 * - `maxBodyBytes` (no limit): a larger request body answers 413 `{"message": "Request body too
 *   large: ..."}` before any other check (format unverified, §5). `UPLOAD_LIMITS.serverless`
 *   (20 MB) and `UPLOAD_LIMITS.legacy` (5 MB) are Roboflow's limits (§1).
 * - `models` ({}): extra `{ 'project/version': kind }` entries over `DEFAULT_MODELS` (and the
 *   WORKSPACE's models); ids shaped `project/N` are also listed by the management API.
 * - `workspace` ('local-workspace'): the workspace slug: what `GET /` reports, the management
 *   routes serve and the Workflows route requires in its path.
 * - `keyScopes` ({}): `{ key: ['workflow:read', ...] }`: those keys (valid keys too) have only the
 *   listed scopes; every other key has all. Only `workflow:read` is checked (Workflow runs and
 *   the management API's workflow routes).
 * - `headerOnly` (false): for the benchmark: classification models with JSON output read only
 *   the image size from the first 64 KB of the body and derive the class from a content hash,
 *   so the server's CPU does not limit the measurement.
 *
 * ORDER OF CHECKS on the model route: body size (413), serverless gateway key (401), query
 * validation (422), multipart `file` part / Content-Type (400), model key check (401/403),
 * unknown model (404), injected faults, image loading (URL rules, download, decode: 400), model.
 *
 * FAULTS (`setFaults(plan)`, see faults.ts), on the model route and Workflow runs (for a
 * Workflow, "the image" is the request body): `latencyMs` (number or function of body and URL),
 * `always: fault`, `firstAttempt: [{ kind, share, failAttempts? }]` (an image's first request,
 * or its first `failAttempts` requests, picked by content hash). On `always` and
 * `firstAttempt` faults, `when: ({ url, bodyBytes, body }) => boolean` limits the fault to
 * matching requests (e.g. one image by its body size). Kinds: '429' | '502' | '503' | '504'
 * (with optional `retryAfter`), 'drop', 'status' (any `status`, `message`, `headers`), 'html',
 * 'truncated', 'notJson', 'noPredictions', 'huge' (`bytes`), 'redirectLoop', 'hang'.
 * `capacity: K`: an inference request arriving while K are in flight is answered at once (before
 * latency, auth and faults) with 429 `{message: 'Rate limit exceeded'}` and `Retry-After: 1`.
 *
 * STATS (`server.stats`, cleared by `reset()`): `requests` (inference requests: model route and
 * Workflow runs), `inFlight`, `maxInFlight` (refused requests included), `rateLimited` (429s
 * of `capacity`), `statuses` ({status: count}, every answer),
 * `injected` ({429, 503, drop, other}), `repeats` (requests for an image already seen:
 * retries), `arrivals` (timestamps), `contentTypes` ({Content-Type: count} of model-route body
 * requests), `calls`: one record per inference request `{ at, method, route: 'model' |
 * 'workflow', model, workflow?, query, bodyBytes, contentType, status }` where `model` is
 * `project/version` (Workflow runs: `workflows/{id}`, and `workflow` the id), `query` holds
 * every query parameter as sent (strings, last value of repeats; e.g. `query.confidence ===
 * '0.99'`) and `bodyBytes` the request body's size; and `managementCalls`: `{ at, path,
 * status }` per management API request (not counted in `requests`).
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';

import { close, listen } from '../local-http/index.ts';
import type { AuthStyle, KeyTable } from './auth.ts';
import {
	AUTH_STYLES,
	gatewayCheck,
	hasScope,
	isKnownKey,
	makeKeyTable,
	modelAccessCheck,
	bearerKey,
	requestKey,
	WORKFLOW_READ_SCOPE,
	workflowAccessCheck,
} from './auth.ts';
import {
	HttpError,
	IMAGE_CAUSES,
	imageLoadError,
	LEGACY_MESSAGES,
	managementError,
	managementKeyError,
	MESSAGES,
	validationError,
} from './errors.ts';
import { createDataset } from './dataset.ts';
import type { FaultPlan, InjectedCounts, Send } from './faults.ts';
import { applyFault, faultsFor, imageIdentity } from './faults.ts';
import type { RgbaImage } from './image.ts';
import { decodeImage, readImageSize } from './image.ts';
import { decodeBase64Body, parseMultipart, readBody } from './input.ts';
import type { ModelKindName } from './models.ts';
import { answersFromHash, DEFAULT_MODELS, isModelKind, runModel } from './models.ts';
import { parseInferenceParams, queryRecord } from './params.ts';
import type { UrlRules } from './url-input.ts';
import { DEFAULT_URL_RULES, fetchUrl, urlRefusal } from './url-input.ts';
import {
	assembleWorkflowInputs,
	DESCRIBE_KEY_MISSING,
	describeInterface,
	findWorkflow,
	parseWorkflowRequest,
	runWorkflow,
	workflowDetail,
	WORKFLOWS,
	workflowListEntry,
} from './workflows.ts';
import type { SinkDelivery } from './workflows.ts';
import type { ProjectInfo } from './workspace.ts';
import { buildProjects, projectAnswer, workspaceAnswer, workspaceModels } from './workspace.ts';

export type { AuthStyle } from './auth.ts';
export {
	DEFAULT_SEQUENCE_SIZE,
	DROP_AFTER_STORE,
	imageFormat,
	isAnnotateRequest,
	isUploadRequest,
	RECEIVED_PATH,
	SPLITS,
} from './dataset.ts';
export type {
	DatasetCall,
	DatasetSnapshot,
	ReceivedAnnotation,
	ReceivedImage,
	Split,
} from './dataset.ts';
export { AUTH_STYLES, WORKFLOW_READ_SCOPE } from './auth.ts';
export type { Fault, FaultCall, FaultKind, FaultPlan } from './faults.ts';
export { imageIdentity, pickFault } from './faults.ts';
export { classifyCrop, findWorkflow, WORKFLOW_IDS, WORKFLOWS } from './workflows.ts';
export type {
	SinkDelivery,
	WorkflowDefinition,
	WorkflowInputSpec,
	WorkflowSpecification,
} from './workflows.ts';
export { buildProjects, PROJECTS, workspaceModels } from './workspace.ts';
export type { ProjectInfo, ProjectType, VersionInfo } from './workspace.ts';
export { decodeImage, encodeJpeg, readImageSize } from './image.ts';
export type { RgbaImage } from './image.ts';
export { IMAGE_CAUSES, MESSAGES } from './errors.ts';
export { DEFAULT_MODELS, MODEL_KINDS, MODELS } from './models.ts';
export type { ModelInfo, ModelKind, ModelKindName, ModelTask } from './models.ts';
export { analyseImage, iou, KEYPOINT_NAMES, postProcess } from './detect.ts';
export type { Analysis, Shape } from './detect.ts';
export { DEFAULT_DRAW_COLOUR, ROBOFLOW_PALETTE } from './draw.ts';
export { overlapThreshold, parseInferenceParams, threshold } from './params.ts';
export type { InferenceParams } from './params.ts';
export { hasFqdn, urlRefusal } from './url-input.ts';
export {
	COLOURS,
	expectedBox,
	makeJpeg,
	makePng,
	makeShapesJpeg,
	makeShapesPng,
	SHAPE_CLASSES,
	SHAPE_PALETTE,
} from '../images/index.ts';

export type MessageStyle = 'inference' | 'legacy';

export interface RoboflowServerOptions {
	apiKeys?: string[];
	modelAccess?: Record<string, string[]>;
	auth?: AuthStyle;
	messages?: MessageStyle;
	models?: Record<string, string>;
	workspace?: string;
	headerOnly?: boolean;
	allowUrlInput?: boolean;
	allowNonHttpsUrls?: boolean;
	allowUrlsWithoutFqdn?: boolean;
	urlAllowList?: string[];
	urlDenyList?: string[];
	maxImageUrlRedirects?: number;
	maxBodyBytes?: number;
	keyScopes?: Record<string, string[]>;
	/** false: an Inference server older than `describe_interface` (the route answers 404). */
	describeInterface?: boolean;
}

/** What a self-hosted Inference server with relaxed env flags accepts: http:// and IP hosts (e.g. `addImage` URLs). */
export const SELF_HOSTED_URL_OPTIONS = {
	allowNonHttpsUrls: true,
	allowUrlsWithoutFqdn: true,
} as const;

/** Roboflow's upload limits (§1, §8): serverless / dedicated 20 MB, v1 "legacy" hosts 5 MB. */
export const UPLOAD_LIMITS = { serverless: 20 * 1024 * 1024, legacy: 5 * 1024 * 1024 } as const;

/** One inference request (model route or Workflows route) as the server saw it. */
export interface CallRecord {
	/** Date.now() at arrival. */
	at: number;
	method: string;
	/** Which route: the model route, a Workflow run, or a Workflow's describe_interface. */
	route: 'model' | 'workflow' | 'describe';
	/** `project/version` from the path; for a Workflow run `workflows/{workflow_id}`. */
	model: string;
	/** The Workflow's id (URL slug) from the path, for Workflow runs. */
	workflow?: string;
	/** Every query parameter, as sent (last value of a repeated one). */
	query: Record<string, string>;
	/** Size of the request body in bytes (also when over `maxBodyBytes`). */
	bodyBytes: number;
	contentType?: string;
	/** The status answered; undefined for dropped or hanging requests. */
	status?: number;
}

/**
 * What the server tells listeners of `events` about inference requests, in its own order: one
 * arrived (counted, before its body is read), its answer was handed to the connection, its
 * connection closed (after the answer, or without one: the client gave up, or a drop fault).
 */
export interface ServerEvents {
	request: [CallRecord];
	answer: [CallRecord];
	close: [CallRecord];
}

/** One delivery of a Workflow's sink step (a webhook, email or upload it would have made). */
export interface SinkRecord extends SinkDelivery {
	at: number;
	workflow: string;
	version: string;
}

/** One management API request (api.roboflow.com routes: `GET /{workspace}...`). */
export interface ManagementCallRecord {
	at: number;
	/** The path, without the query (which holds the key). */
	path: string;
	status: number;
}

export interface ServerStats {
	/** Inference requests: model route, Workflow runs and describe_interface. */
	requests: number;
	inFlight: number;
	maxInFlight: number;
	statuses: Record<number, number>;
	injected: InjectedCounts;
	/** Requests for an image already seen: what a client's retries look like from here. */
	repeats: number;
	arrivals: number[];
	/** Content-Type headers of model-route requests without `image=`. */
	contentTypes: Record<string, number>;
	calls: CallRecord[];
	/** Management API requests (not counted in `requests`). */
	managementCalls: ManagementCallRecord[];
	/** Inference requests answered 429 because `capacity` requests were already in flight. */
	rateLimited: number;
	/** Sink deliveries of Workflow runs, in order. */
	sinks: SinkRecord[];
}

function newStats(): ServerStats {
	return {
		requests: 0,
		inFlight: 0,
		maxInFlight: 0,
		statuses: {},
		injected: { 429: 0, 503: 0, drop: 0, other: 0 },
		repeats: 0,
		arrivals: [],
		contentTypes: {},
		calls: [],
		managementCalls: [],
		rateLimited: 0,
		sinks: [],
	};
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A path segment, percent-decoded (kept as sent when it does not decode). */
function decodePart(part: string): string {
	try {
		return decodeURIComponent(part);
	} catch {
		return part;
	}
}

export function createRoboflowServer(options: RoboflowServerOptions = {}) {
	const auth: AuthStyle = options.auth ?? 'legacy';
	if (!AUTH_STYLES.includes(auth))
		throw new Error(`Unknown auth style "${auth}": use ${AUTH_STYLES.join(', ')}`);
	const messages: MessageStyle = options.messages ?? (auth === 'legacy' ? 'legacy' : 'inference');
	const keys: KeyTable = makeKeyTable(
		options.apiKeys ?? ['local-test-key'],
		options.modelAccess,
		options.keyScopes,
	);
	const workspace = options.workspace ?? 'local-workspace';
	const extraModels: Record<string, ModelKindName> = {};
	for (const [id, kind] of Object.entries(options.models ?? {})) {
		if (!isModelKind(kind)) throw new Error(`Unknown model kind "${kind}" for ${id}`);
		extraModels[id] = kind;
	}
	const projects: ProjectInfo[] = buildProjects(extraModels);
	const models: Record<string, ModelKindName> = {
		...DEFAULT_MODELS,
		...workspaceModels(projects),
		...extraModels,
	};
	const urlRules: UrlRules = {
		allowUrlInput: options.allowUrlInput ?? DEFAULT_URL_RULES.allowUrlInput,
		allowNonHttps: options.allowNonHttpsUrls ?? DEFAULT_URL_RULES.allowNonHttps,
		allowWithoutFqdn: options.allowUrlsWithoutFqdn ?? DEFAULT_URL_RULES.allowWithoutFqdn,
		allowList: options.urlAllowList?.map((host) => host.toLowerCase()),
		denyList: options.urlDenyList?.map((host) => host.toLowerCase()),
		maxRedirects: options.maxImageUrlRedirects ?? DEFAULT_URL_RULES.maxRedirects,
	};
	const maxBodyBytes = options.maxBodyBytes ?? Infinity;
	const legacyMessages = messages === 'legacy';
	const images = new Map<string, { bytes: Buffer; mimeType: string }>();
	const seen = new Map<string, number>();
	const state: { stats: ServerStats; faults: FaultPlan } = { stats: newStats(), faults: {} };
	const events = new EventEmitter<ServerEvents>();

	const send = (
		res: http.ServerResponse,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
	) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		state.stats.statuses[status] = (state.stats.statuses[status] ?? 0) + 1;
		res.writeHead(status, {
			'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
			'Content-Length': Buffer.byteLength(text),
			...headers,
		});
		res.end(text);
	};

	const sendBytes = (
		res: http.ServerResponse,
		status: number,
		bytes: Buffer,
		contentType: string,
	) => {
		state.stats.statuses[status] = (state.stats.statuses[status] ?? 0) + 1;
		res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length });
		res.end(bytes);
	};

	const dataset = createDataset({
		workspace,
		projects,
		keys,
		urlRules,
		maxBodyBytes,
		send,
		faults: () => state.faults,
		injected: () => state.stats.injected,
	});

	/** Image bytes to pixels (or just the size, header-only), with the error each input form gets. */
	const decode = (
		bytes: Buffer,
		from: 'url' | 'body',
		sizeOnly: boolean,
	): RgbaImage | { width: number; height: number } => {
		try {
			return sizeOnly ? readImageSize(bytes) : decodeImage(bytes);
		} catch (error) {
			if (legacyMessages)
				throw new HttpError(400, { message: LEGACY_MESSAGES.notDecodable(errorText(error)) });
			throw imageLoadError(from === 'url' ? IMAGE_CAUSES.notImage : IMAGE_CAUSES.malformedBase64);
		}
	};

	async function modelRoute(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		url: URL,
		modelId: string,
	): Promise<void> {
		const stats = state.stats;
		const { call, reply, body, bodyBytes, tooLarge, refused } = await beginInference(
			req,
			res,
			url,
			{
				route: 'model',
				model: modelId,
			},
		);
		if (refused) return;

		try {
			if (tooLarge) throw new HttpError(413, { message: MESSAGES.tooLarge(maxBodyBytes) });
			let key = requestKey(req, url.searchParams);
			if (auth === 'serverless') key = gatewayCheck(keys, req, url.searchParams, body);
			const parsed = parseInferenceParams(url.searchParams);
			if ('issues' in parsed) throw validationError(parsed.issues);
			const params = parsed.params;

			const contentType = req.headers['content-type'];
			let multipartFile: Buffer | undefined;
			if (contentType !== undefined && contentType.toLowerCase().includes('multipart/form-data')) {
				const file = parseMultipart(contentType, body)?.find((part) => part.name === 'file');
				if (!file) throw imageLoadError(IMAGE_CAUSES.multipartFile);
				// A `file` field that is not a file upload is neither bytes nor an upload to the route.
				if (file.filename === undefined && params.imageUrl === null)
					throw new HttpError(400, { message: MESSAGES.contentTypeInvalid });
				multipartFile = file.data;
			}
			if (params.imageUrl === null) {
				stats.contentTypes[contentType ?? ''] = (stats.contentTypes[contentType ?? ''] ?? 0) + 1;
				if (contentType === undefined)
					throw new HttpError(400, { message: MESSAGES.contentTypeMissing });
			}
			if (!params.countInference)
				throw new HttpError(500, { message: MESSAGES.serviceMisconfiguration });
			modelAccessCheck(auth, keys, key, modelId);
			const kind = models[modelId];
			if (!kind)
				throw new HttpError(404, {
					message: legacyMessages ? LEGACY_MESSAGES.notFound(modelId) : MESSAGES.notFound,
				});

			const identity = imageIdentity(params.imageUrl ?? body);
			if (injectFault(req, res, url, body, bodyBytes, identity, reply)) return;

			const sizeOnly =
				Boolean(options.headerOnly) && answersFromHash(kind) && params.format === 'json';
			let image: RgbaImage | { width: number; height: number };
			if (params.imageUrl !== null) {
				const refusal = urlRefusal(params.imageUrl, urlRules);
				if (refusal) throw imageLoadError(refusal);
				let downloaded: Buffer;
				try {
					downloaded = await fetchUrl(params.imageUrl, urlRules.maxRedirects);
				} catch (error) {
					if (legacyMessages)
						throw new HttpError(400, { message: LEGACY_MESSAGES.urlFailed(errorText(error)) });
					throw imageLoadError(IMAGE_CAUSES.urlUnreachable);
				}
				image = decode(downloaded, 'url', sizeOnly);
			} else {
				let bytes: Buffer;
				if (multipartFile) bytes = multipartFile;
				else {
					// Header-only mode decodes just the start of the body, where the size is.
					const decoded = decodeBase64Body(body, sizeOnly ? 64 * 1024 : Infinity);
					if ('cause' in decoded) {
						if (legacyMessages)
							throw new HttpError(400, { message: LEGACY_MESSAGES.invalidBase64 });
						throw imageLoadError(decoded.cause);
					}
					bytes = decoded.bytes;
				}
				if (bytes.length === 0)
					throw legacyMessages
						? new HttpError(400, { message: LEGACY_MESSAGES.invalidBase64 })
						: imageLoadError(IMAGE_CAUSES.empty);
				image = decode(bytes, 'body', sizeOnly);
			}

			const started = process.hrtime.bigint();
			const answer = runModel(
				kind,
				{ image: 'data' in image ? image : undefined, hash: identity },
				params,
			);
			let visualization: Buffer | undefined;
			if (params.format !== 'json') {
				try {
					visualization = answer.draw();
				} catch (error) {
					// e.g. a single-label answer without classes: Inference indexes an empty list.
					if (error instanceof HttpError) throw error;
					throw new HttpError(500, { message: MESSAGES.internal });
				}
			}
			if (params.format === 'image' && visualization) {
				call.status = 200;
				sendBytes(res, 200, visualization, 'image/jpeg');
				return;
			}
			reply(200, {
				...(visualization ? { visualization: visualization.toString('base64') } : {}),
				inference_id: crypto.randomUUID(),
				time: Number(process.hrtime.bigint() - started) / 1e9,
				image: { width: image.width, height: image.height },
				...answer.fields,
			});
		} catch (error) {
			if (error instanceof HttpError) {
				reply(error.status, error.body, error.headers);
				return;
			}
			throw error;
		}
	}

	/** Counts the attempt of an image and answers with the fault it gets, if any (true = answered). */
	const injectFault = (
		req: http.IncomingMessage,
		res: http.ServerResponse,
		url: URL,
		body: Buffer,
		bodyBytes: number,
		identity: string,
		reply: Send,
	): boolean => {
		const attempts = (seen.get(identity) ?? 0) + 1;
		seen.set(identity, attempts);
		if (attempts > 1) state.stats.repeats++;
		for (const fault of faultsFor(state.faults, identity, attempts, { url, bodyBytes, body })) {
			if (applyFault(fault, req, res, state.stats.injected, reply)) return true;
		}
		return false;
	};

	/** Stats bookkeeping shared by the inference routes; returns the call record. */
	const countRequest = (res: http.ServerResponse, call: CallRecord): CallRecord => {
		const stats = state.stats;
		stats.requests++;
		stats.arrivals.push(Date.now());
		stats.inFlight++;
		stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
		let counted = true;
		res.on('finish', () => events.emit('answer', call));
		res.on('close', () => {
			if (counted) {
				counted = false;
				stats.inFlight--;
			}
			events.emit('close', call);
		});
		stats.calls.push(call);
		events.emit('request', call);
		return call;
	};

	/**
	 * What every inference request starts with: counted and recorded, its body read (up to the
	 * limit), the injected latency waited; `reply` answers and records the status.
	 */
	const beginInference = async (
		req: http.IncomingMessage,
		res: http.ServerResponse,
		url: URL,
		route: Pick<CallRecord, 'route' | 'model' | 'workflow'>,
	) => {
		const call = countRequest(res, {
			at: Date.now(),
			method: req.method ?? 'POST',
			...route,
			query: queryRecord(url.searchParams),
			bodyBytes: 0,
			contentType: req.headers['content-type'],
		});
		const reply: Send = (status, body, headers) => {
			call.status = status;
			send(res, status, body, headers);
		};
		const { capacity } = state.faults;
		const overCapacity = capacity !== undefined && state.stats.inFlight > capacity;
		const { body, bytes: bodyBytes, tooLarge } = await readBody(req, maxBodyBytes);
		call.bodyBytes = bodyBytes;
		if (overCapacity) {
			// Roboflow's rate limit answers at its front end, before any work (docs/roboflow-api.md §5).
			state.stats.rateLimited++;
			reply(429, { message: 'Rate limit exceeded' }, { 'Retry-After': '1' });
			return { call, reply, body, bodyBytes, tooLarge, refused: true };
		}
		const { latencyMs, hold } = state.faults;
		const delay = typeof latencyMs === 'function' ? latencyMs(body, url) : latencyMs;
		if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
		await hold?.({ url, bodyBytes, body });
		return { call, reply, body, bodyBytes, tooLarge, refused: false };
	};

	/**
	 * What both Workflow routes check first, in Inference's order: body size, the serverless
	 * gateway's key, the body, the key (Bearer or body, never the query: docs/roboflow-api.md
	 * §6.1; describe_interface asks for one itself, §6.4b), access, then the Workflow (and version).
	 */
	function checkWorkflowRequest(
		req: http.IncomingMessage,
		url: URL,
		body: Buffer,
		tooLarge: boolean,
		route: 'run' | 'describe',
		{ workspaceName, workflowId }: { workspaceName: string; workflowId: string },
	) {
		if (tooLarge) throw new HttpError(413, { message: MESSAGES.tooLarge(maxBodyBytes) });
		if (auth === 'serverless') gatewayCheck(keys, req, url.searchParams, body);
		const request = parseWorkflowRequest(req.headers['content-type'], body, route);
		const key = bearerKey(req) ?? request.api_key ?? undefined;
		if (route === 'describe' && key === undefined)
			throw new HttpError(400, { message: DESCRIBE_KEY_MISSING });
		workflowAccessCheck(auth, keys, key);
		const definition =
			workspaceName === workspace
				? findWorkflow(workflowId, request.workflow_version_id)
				: undefined;
		if (!definition) throw new HttpError(404, { message: MESSAGES.notFound });
		return { request, definition };
	}

	/** `POST /{workspace}/workflows/{id}` and its alias `POST /infer/workflows/{workspace}/{id}` (§6). */
	async function workflowRoute(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		url: URL,
		workspaceName: string,
		workflowId: string,
	): Promise<void> {
		const { reply, body, bodyBytes, tooLarge, refused } = await beginInference(req, res, url, {
			route: 'workflow',
			model: `workflows/${workflowId}`,
			workflow: workflowId,
		});
		if (refused) return;

		try {
			const { request, definition } = checkWorkflowRequest(req, url, body, tooLarge, 'run', {
				workspaceName,
				workflowId,
			});
			const identity = crypto
				.createHash('sha1')
				.update(`workflow\0${workflowId}\0`)
				.update(body)
				.digest('hex');
			if (injectFault(req, res, url, body, bodyBytes, identity, reply)) return;
			const assembled = await assembleWorkflowInputs(definition, request.inputs, urlRules);
			const deliver = (delivery: SinkDelivery) =>
				state.stats.sinks.push({
					at: Date.now(),
					workflow: definition.url,
					version: definition.version,
					...delivery,
				});
			reply(200, {
				outputs: runWorkflow(definition, assembled, request.excluded_fields, {
					disableSinks: request.disable_sinks,
					deliver,
				}),
			});
		} catch (error) {
			if (error instanceof HttpError) {
				reply(error.status, error.body, error.headers);
				return;
			}
			throw error;
		}
	}

	/** `POST /{workspace}/workflows/{id}/describe_interface` (§6.4b), checked like a run. */
	async function describeRoute(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		url: URL,
		workspaceName: string,
		workflowId: string,
	): Promise<void> {
		const { reply, body, tooLarge, refused } = await beginInference(req, res, url, {
			route: 'describe',
			model: `workflows/${workflowId}`,
			workflow: workflowId,
		});
		if (refused) return;
		try {
			const { definition } = checkWorkflowRequest(req, url, body, tooLarge, 'describe', {
				workspaceName,
				workflowId,
			});
			reply(200, describeInterface(definition));
		} catch (error) {
			if (error instanceof HttpError) {
				reply(error.status, error.body, error.headers);
				return;
			}
			throw error;
		}
	}

	/**
	 * The management API (api.roboflow.com, §7): `GET /{workspace}`, `GET /{workspace}/{project}`,
	 * `GET /{workspace}/workflows`, `GET /{workspace}/workflows/{url}`. Key from the `api_key`
	 * query parameter only. Checks: key (401), workspace (404), scope `workflow:read` on the
	 * workflow routes (403), project / workflow (404).
	 */
	function managementRoute(res: http.ServerResponse, url: URL, parts: string[]): void {
		const record: ManagementCallRecord = { at: Date.now(), path: url.pathname, status: 0 };
		state.stats.managementCalls.push(record);
		const answer = (status: number, body: unknown) => {
			record.status = status;
			send(res, status, body);
		};
		try {
			const key = url.searchParams.get('api_key');
			if (!key || !isKnownKey(keys, key)) throw managementKeyError(key);
			const [workspaceName, second, third] = parts.map(decodePart);
			if (workspaceName !== workspace)
				throw managementError(404, `Workspace "${workspaceName}" not found.`);
			if (second === undefined) return answer(200, workspaceAnswer(workspace, projects));
			if (second === 'workflows') {
				if (!hasScope(keys, key, WORKFLOW_READ_SCOPE))
					throw managementError(
						403,
						`This API key does not have the required scope for this request: ${WORKFLOW_READ_SCOPE}.`,
					);
				if (third === undefined)
					return answer(200, { workflows: WORKFLOWS.map(workflowListEntry), status: 'ok' });
				const version = url.searchParams.get('workflow_version');
				const workflow = findWorkflow(third, version);
				if (!workflow)
					throw managementError(
						404,
						version === null
							? `Workflow "${third}" not found in workspace "${workspace}".`
							: `Version "${version}" of workflow "${third}" not found in workspace "${workspace}".`,
					);
				return answer(200, workflowDetail(workflow, workspace));
			}
			const project = projects.find((p) => p.slug === second);
			if (!project)
				throw managementError(404, `Project "${second}" not found in workspace "${workspace}".`);
			return answer(200, projectAnswer(workspace, projects, project));
		} catch (error) {
			if (error instanceof HttpError) return answer(error.status, error.body);
			throw error;
		}
	}

	/** Whether a GET belongs to the management API (see ROUTING in the header). */
	const isManagementGet = (parts: string[]): boolean => {
		if (parts.length === 1) return parts[0] !== 'images';
		if (parts.length === 2)
			return (
				parts[1] === 'workflows' || (decodePart(parts[0]) === workspace && !/^\d+$/.test(parts[1]))
			);
		return parts.length === 3 && parts[1] === 'workflows';
	};

	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const parts = url.pathname.split('/').filter(Boolean);
		const handle = async () => {
			if (parts[0] === 'images' && parts.length === 2 && req.method === 'GET') {
				const image = images.get(decodeURIComponent(parts[1]));
				if (!image) return send(res, 404, { message: 'No such image' });
				res.writeHead(200, {
					'Content-Type': image.mimeType,
					'Content-Length': image.bytes.length,
				});
				return res.end(image.bytes);
			}
			if (dataset.handles(req.method, parts)) return dataset.route(req, res, url, parts);
			if (parts.length === 0 && req.method === 'GET') {
				const key = url.searchParams.get('api_key');
				if (!key || !isKnownKey(keys, key)) return send(res, 401, managementKeyError(key).body);
				return send(res, 200, {
					welcome: 'Welcome to the Roboflow API.',
					instructions: 'You are successfully authenticated.',
					docs: 'https://docs.roboflow.com',
					workspace,
				});
			}
			if (
				req.method === 'POST' &&
				parts.length === 4 &&
				parts[0] !== 'infer' &&
				parts[1] === 'workflows' &&
				parts[3] === 'describe_interface' &&
				options.describeInterface !== false
			)
				return describeRoute(req, res, url, decodePart(parts[0]), decodePart(parts[2]));
			if (req.method === 'POST' && parts.length === 3 && parts[1] === 'workflows')
				return workflowRoute(req, res, url, decodePart(parts[0]), decodePart(parts[2]));
			if (
				req.method === 'POST' &&
				parts.length === 4 &&
				parts[0] === 'infer' &&
				parts[1] === 'workflows'
			)
				return workflowRoute(req, res, url, decodePart(parts[2]), decodePart(parts[3]));
			if (req.method === 'GET' && isManagementGet(parts)) return managementRoute(res, url, parts);
			if (parts.length === 2) {
				if (req.method === 'POST' || req.method === 'GET')
					return modelRoute(req, res, url, `${parts[0]}/${parts[1]}`);
				return send(res, 405, { detail: 'Method Not Allowed' });
			}
			return send(res, 404, legacyMessages ? { message: 'Not Found' } : { detail: 'Not Found' });
		};
		handle().catch((error: unknown) => {
			if (!res.headersSent)
				send(res, 500, {
					message: legacyMessages ? LEGACY_MESSAGES.internal(errorText(error)) : MESSAGES.internal,
				});
		});
	});
	server.keepAliveTimeout = 5_000;

	return {
		server,
		url: '',
		get stats(): ServerStats {
			return state.stats;
		},
		/** Inference requests as they happen (see `ServerEvents`), for tests that act on them. */
		events,
		/** Replaces the fault plan; `{}` turns every fault off. */
		setFaults(faults: FaultPlan | null | undefined): void {
			state.faults = faults ?? {};
		},
		/** Clears counters, call records and the record of images already seen, and the dataset's uploads. */
		reset(): void {
			state.stats = newStats();
			seen.clear();
			dataset.reset();
		},
		/** What the projects received through the dataset routes (one project's, or all), see dataset.ts. */
		received: dataset.received,
		/** Serves `bytes` at `${url}/images/${name}`, for URL-input tests (needs `SELF_HOSTED_URL_OPTIONS`). */
		addImage(name: string, bytes: Buffer, mimeType = 'image/png'): string {
			images.set(name, { bytes, mimeType });
			return `${this.url}/images/${encodeURIComponent(name)}`;
		},
		async start(port = 0, host = '127.0.0.1'): Promise<string> {
			this.url = await listen(server, port, host);
			return this.url;
		},
		async stop(): Promise<void> {
			await close(server);
		},
	};
}

export type RoboflowServer = ReturnType<typeof createRoboflowServer>;
