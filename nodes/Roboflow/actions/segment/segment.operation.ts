import { detectionOperation } from '../shared/detectionOperation';

/** Instance segmentation: boxes plus each object's outline as a polygon (`points`). */
export const segment = detectionOperation({
	option: {
		name: 'Segment Instances',
		value: 'segment',
		description: 'Outline each object in an image with an instance segmentation model',
		action: 'Segment instances',
	},
	task: 'segmentation',
	shape: 'polygon',
	resultName: 'an instance segmentation result',
	modelKind: 'an instance segmentation model',
});
