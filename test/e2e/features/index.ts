/** Every feature suite, in the order they run. Add one here. */
import { agentFeature } from './agent.ts';
import { burstFeature } from './burst.ts';
import { queueFeature } from './queue.ts';
import type { E2eFeature } from './feature.ts';
import { uploadFeature } from './upload.ts';
import { workflowInputsFeature } from './workflowInputs.ts';

export const FEATURES: E2eFeature[] = [
	uploadFeature,
	agentFeature,
	burstFeature,
	queueFeature,
	workflowInputsFeature,
];
