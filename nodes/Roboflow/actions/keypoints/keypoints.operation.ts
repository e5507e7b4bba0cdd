import { detectionOperation } from '../shared/detectionOperation';

/** Keypoint detection: boxes plus named points (`keypoints`) on each object. */
export const keypoints = detectionOperation({
	option: {
		name: 'Detect Keypoints',
		value: 'keypoints',
		description: 'Find objects and their keypoints (joints, corners) with a keypoint model',
		action: 'Detect keypoints',
	},
	toolDescription:
		"Finds objects and their keypoints (such as body joints or corners) in an image with a Roboflow keypoint model. Returns how many objects it found (count), the count per class (class_counts), the most confident class (top) and each object's class, confidence and box in pixels.",
	task: 'keypoints',
	shape: 'keypoints',
	resultName: 'a keypoint detection result',
	modelKind: 'a keypoint detection model',
});
