import { RoboflowInputError } from '../helpers/errors';

/**
 * Sent for a threshold of 1, which Roboflow would read as a percentage (1%): the highest
 * fraction its answers (rounded to 4 decimals) tell apart.
 */
const HIGHEST_FRACTION = 0.9999;

/** A 0..1 option (Confidence Threshold, Overlap), checked, with 1 sent as {@link HIGHEST_FRACTION}. */
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
