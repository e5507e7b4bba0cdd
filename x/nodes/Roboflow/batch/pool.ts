/**
 * Runs `task` for indexes 0..count-1 with at most `limit` running at once and returns the
 * results in index order. Work starts lazily, so only `limit` items hold data at any time.
 * On the first rejection no further work starts; once the tasks already running have settled
 * (so nothing outlives the call) the returned promise rejects with that first error.
 * When `signal` aborts, no further work starts either.
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
