import { detectionOperation } from '../shared/detectionOperation';

/** Keypoint detection: boxes plus named points (`keypoints`) on each object. */
export const keypoints = detectionOperation({
	option: {
		name: 'Detect Keypoints',
		value: 'keypoints',
		description: 'Find objects and their keypoints (joints, corners) with a keypoint model',
		action: 'Detect keypoints',
	},
	task: 'keypoints',
	shape: 'keypoints',
	resultName: 'a keypoint detection result',
	modelKind: 'a keypoint detection model',
});
