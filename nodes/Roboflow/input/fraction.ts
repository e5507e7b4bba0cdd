import { RoboflowInputError } from '../helpers/errors';

/**
 * The largest value sent for a threshold of 1. Roboflow reads any threshold of 1 or more as a
 * percentage (1 becomes 0.01), so a user asking for "only certain results" with 1 would get
 * nearly everything; this is the highest fraction its answers (rounded to 4 decimals) tell apart.
 */
const HIGHEST_FRACTION = 0.9999;

/**
 * A 0..1 option (Confidence Threshold, Overlap) as it must be sent to Roboflow: checked, and
 * 1 sent as {@link HIGHEST_FRACTION}, never as a value Roboflow would read as 1%.
 */
export function fractionParameter(value: unknown, label: string): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !(number >= 0 && number <= 1)) {
		throw new RoboflowInputError(
			`${label} ${String(value)} is outside 0 to 1`,
			'Give it as a fraction, e.g. 0.5 for 50%.',
		);
	}
	return number >= 1 ? HIGHEST_FRACTION : number;
}

/** A whole-number option such as Max Detections, checked against its range. */
export function wholeNumberParameter(
	value: unknown,
	label: string,
	min: number,
	max: number,
): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
		throw new RoboflowInputError(
			`${label} ${String(value)} is not a whole number from ${min} to ${max}`,
			`Set ${label} to a whole number between ${min} and ${max}.`,
		);
	}
	return number;
}
