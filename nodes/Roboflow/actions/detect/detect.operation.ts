import { detectionOperation } from '../shared/detectionOperation';

/** Object detection: boxes with a class each, counted per class. */
export const detect = detectionOperation({
	option: {
		name: 'Detect Objects',
		value: 'detect',
		description: 'Find and count objects in an image with an object detection model',
		action: 'Detect objects',
	},
	toolDescription:
		"Detects and counts objects in an image with a Roboflow object detection model. Returns how many objects it found (count), the count per class (class_counts), the most confident class (top) and each object's class, confidence and box in pixels.",
	task: 'detection',
	shape: 'box',
	resultName: 'an object detection result',
	modelKind: 'an object detection model',
});
