import { detectionOperation } from '../shared/detectionOperation';

/** Instance segmentation: boxes plus each object's outline as a polygon (`points`). */
export const segment = detectionOperation({
	option: {
		name: 'Segment Instances',
		value: 'segment',
		description: 'Outline each object in an image with an instance segmentation model',
		action: 'Segment instances',
	},
	toolDescription:
		"Finds, counts and outlines objects in an image with a Roboflow instance segmentation model. Returns how many objects it found (count), the count per class (class_counts), the most confident class (top) and each object's class, confidence and box in pixels.",
	task: 'segmentation',
	shape: 'polygon',
	resultName: 'an instance segmentation result',
	modelKind: 'an instance segmentation model',
});
