// @ts-check
const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// tsc emits only JavaScript; n8n also needs the icons (one copy, used by the node and the
// credential alike) beside it.
function copyIcons() {
	return src(path.resolve('icons', '*.{png,svg}'), { encoding: false }).pipe(
		dest(path.resolve('dist', 'icons')),
	);
}

// The package's entry point (package.json "main") ships inside dist/, like everything else.
function copyEntryPoint() {
	return src(path.resolve('index.js')).pipe(dest(path.resolve('dist')));
}

task('build:icons', parallel(copyIcons, copyEntryPoint));
