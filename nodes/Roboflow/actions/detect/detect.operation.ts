import { detectionOperation } from '../shared/detectionOperation';

/** Object detection: boxes with a class each, counted per class. */
export const detect = detectionOperation({
	option: {
		name: 'Detect Objects',
		value: 'detect',
		description: 'Find and count objects in an image with an object detection model',
		action: 'Detect objects',
	},
	task: 'detection',
	shape: 'box',
	resultName: 'an object detection result',
	modelKind: 'an object detection model',
});
