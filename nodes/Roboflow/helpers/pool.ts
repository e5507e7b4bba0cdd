/**
 * Runs `task` for indexes 0..count-1 with at most `limit` running at once and returns the
 * results in index order. Work starts lazily, so only `limit` items hold data at any time.
 * On the first rejection no further work starts and the returned promise rejects with it;
 * when `signal` aborts, no further work starts either.
 */
export async function mapWithConcurrency<T>(
	count: number,
	limit: number,
	task: (index: number) => Promise<T>,
	signal?: AbortSignal,
): Promise<T[]> {
	const results = new Array<T>(count);
	let next = 0;
	let failed = false;

	const worker = async (): Promise<void> => {
		while (!failed && !signal?.aborted && next < count) {
			const index = next++;
			let succeeded = false;
			try {
				results[index] = await task(index);
				succeeded = true;
			} finally {
				if (!succeeded) failed = true;
			}
		}
	};

	const workers = Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker);
	await Promise.all(workers);
	return results;
}
