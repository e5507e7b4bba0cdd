/** A comma-separated parameter as its entries, trimmed, empty ones dropped: "a, b,," gives [a, b]. */
export function commaList(value: unknown): string[] {
	return String(value ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean);
}
