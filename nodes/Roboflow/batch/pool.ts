/**
 * Runs `task` for 0..count-1, at most `limit` at once, results in index order. After the first
 * rejection or an abort nothing new starts; the first error is thrown once running tasks settle.
 */
export async function mapWithConcurrency<T>(
	count: number,
	limit: number,
	task: (index: number) => Promise<T>,
	signal?: AbortSignal,
): Promise<T[]> {
	const results = new Array<T>(count);
	let next = 0;
	let failure: { error: unknown } | undefined;

	const worker = async (): Promise<void> => {
		while (!failure && !signal?.aborted && next < count) {
			const index = next++;
			try {
				results[index] = await task(index);
			} catch (error) {
				failure ??= { error };
			}
		}
	};

	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
	if (failure) throw failure.error;
	return results;
}
