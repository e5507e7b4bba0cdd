const { availableParallelism } = require('node:os');

const { v1ModuleNameMapper } = require('./test/harness/runtimes');

// Tooling under tools/ is TypeScript that Node runs directly, so its relative imports carry a
// `.ts` extension; jest resolves them without it.
const stripTsExtension = { '^(\\.{1,2}/.*)\\.ts$': '$1' };

/**
 * What both projects share. ts-jest transpiles each file on its own, without type checking
 * (`isolatedModules: true` in tsconfig.test.json, ts-jest 29.4's replacement for its deprecated
 * `isolatedModules` option); tests are type checked by `npx tsc -p tsconfig.test.json`.
 */
const common = {
	testEnvironment: 'node',
	rootDir: __dirname,
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
	},
};

/** @type {import('jest').Config} */
module.exports = {
	// Node tests run in virtual time (test/harness/virtualTime.ts): a timeout bounds real work only.
	// Long scenarios derive theirs from the requests they make (scenarioTimeout).
	testTimeout: 60_000,
	// Jest's default (cores - 1) runs everything in band on a 2-core machine, where the main
	// process only waits on its workers: two workers use both cores.
	maxWorkers: Math.max(2, availableParallelism() - 1),
	projects: [
		{
			...common,
			displayName: 'n8n 2.x',
			moduleNameMapper: { ...stripTsExtension },
			// End-to-end tests in real n8n run through `npm run test:e2e`, not jest.
			testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
		},
		{
			...common,
			// The same integration tests on n8n 1.123.81's engine: n8n-core 1.122.48,
			// n8n-workflow 1.120.31, @n8n/di 0.10.0 (aliased dev dependencies), mapped for the
			// tests, the node and n8n-core 1.x itself (see test/harness/runtimes.js).
			displayName: 'n8n 1.x',
			moduleNameMapper: { ...stripTsExtension, ...v1ModuleNameMapper(__dirname) },
			// Pure unit tests do not touch n8n; they run once, in the 2.x project.
			testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/unit/'],
		},
	],
};
