/**
 * The part of gulp 5's API that gulpfile.js uses: gulp ships no type declarations (and
 * @types/gulp is not a dependency), so this lets `npx tsc -p tsconfig.js.json` check the gulpfile.
 */
declare module 'gulp' {
	/** vinyl-fs's `src` options the gulpfile passes (`encoding: false` copies binary files as they are). */
	export interface SrcOptions {
		encoding?: string | false;
	}

	export function src(globs: string | string[], options?: SrcOptions): NodeJS.ReadWriteStream;
	export function dest(folder: string): NodeJS.ReadWriteStream;
	type TaskFunction = () => NodeJS.ReadableStream | Promise<void> | void;
	export function task(name: string, fn: TaskFunction): void;
	export function parallel(...tasks: TaskFunction[]): TaskFunction;
}
