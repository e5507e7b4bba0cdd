/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
	},
	// End-to-end tests in real n8n run through `npm run test:e2e`, not jest.
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	testTimeout: 60_000,
};
