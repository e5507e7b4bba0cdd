/**
 * Which n8n packages make up each runtime the jest projects run against.
 *
 * n8n 2.x is the plain dev dependencies (n8n-core, n8n-workflow, @n8n/di). n8n 1.x is installed
 * under aliases (n8n-core-v1, n8n-workflow-v1, n8n-di-v1); its other @n8n packages sit nested
 * under node_modules/n8n-core-v1. In the 1.x project every `require` of a shared package (from
 * the tests, from nodes/ and credentials/, and from inside n8n-core 1.x itself) is mapped to ONE
 * directory, so that, as when real n8n 1.x loads a community node, the node's `NodeApiError`,
 * the engine's `instanceof` checks and the DI container all come from the same module instance.
 */
const fs = require('node:fs');
const path = require('node:path');

/**
 * Finds `name` the way Node would from inside `fromDir` (walks up the node_modules folders).
 * @param {string} name
 * @param {string} fromDir
 * @returns {string}
 */
function packageDir(name, fromDir) {
	for (let dir = fromDir; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'node_modules', name);
		if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
		if (path.dirname(dir) === dir)
			throw new Error(`${name} is not installed (looked from ${fromDir})`);
	}
}

/** The versions the 1.x project must load: n8n 1.123.81's own dependencies. */
const V1_VERSIONS = { 'n8n-core': '1.122.48', 'n8n-workflow': '1.120.31', '@n8n/di': '0.10.0' };

/** @param {string} name */
function escape(name) {
	return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * moduleNameMapper entries that make `n8n-core`, `n8n-workflow`, `@n8n/di` and the @n8n
 * packages n8n-core 1.x shares with them resolve to the 1.x copies, for every module in the
 * project. Subpaths (`n8n-workflow/...`) follow their package.
 * @param {string} rootDir
 * @returns {Record<string, string>}
 */
function v1ModuleNameMapper(rootDir) {
	const core = packageDir('n8n-core-v1', rootDir);
	const workflow = packageDir('n8n-workflow-v1', rootDir);
	/** @type {Record<string, string>} */
	const dirs = {
		'n8n-core': core,
		'n8n-workflow': workflow,
		'@n8n/di': packageDir('n8n-di-v1', rootDir),
		// n8n-workflow 1.x and n8n-core 1.x each got a nested copy of @n8n/errors; n8n has one.
		'@n8n/errors': packageDir('@n8n/errors', workflow),
		'@n8n/config': packageDir('@n8n/config', core),
		'@n8n/constants': packageDir('@n8n/constants', core),
		'@n8n/decorators': packageDir('@n8n/decorators', core),
		'@n8n/backend-common': packageDir('@n8n/backend-common', core),
	};
	for (const [name, version] of Object.entries(V1_VERSIONS)) {
		const found = JSON.parse(
			fs.readFileSync(path.join(dirs[name], 'package.json'), 'utf8'),
		).version;
		if (found !== version)
			throw new Error(`n8n 1.x runtime: ${name} is ${found}, expected ${version} (run npm ci)`);
	}
	/** @type {Record<string, string>} */
	const mapper = {};
	for (const [name, dir] of Object.entries(dirs)) mapper[`^${escape(name)}(/.*)?$`] = `${dir}$1`;
	return mapper;
}

module.exports = { v1ModuleNameMapper };
