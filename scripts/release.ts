/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- release tooling runs in Node on a developer's machine, never inside n8n */
/**
 * npm run release -- <version|patch|minor|major> [--dry-run]: prepares a release locally; nothing
 * is pushed or published from here. On a clean tree: `npm version <target> --no-git-tag-version`,
 * CHANGELOG.md's "Unreleased" entries under a new "## [X.Y.Z] - YYYY-MM-DD" heading (and its
 * compare links), a "Release vX.Y.Z" commit and an annotated tag, then the `git push` command.
 * Pushing the tag runs .github/workflows/publish.yml, which publishes to npm with provenance.
 * --dry-run does it in a temporary clone of the branch, shows the result and deletes the clone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../tools/repo/index.ts';

const USAGE = `Usage: npm run release -- <version|patch|minor|major> [--dry-run]
  version   an exact version such as 1.2.0 or 1.2.0-rc.1
  --dry-run prepare the release in a temporary clone and show it; change nothing here`;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const FILES = ['package.json', 'package-lock.json', 'CHANGELOG.md'];

/** A mistake the user can fix: printed without a stack. */
class ReleaseError extends Error {}

const print = (text = '') => process.stdout.write(`${text}\n`);

/** A command's trimmed output; its stderr goes to ours (or nowhere with `quiet`, which also gives undefined on failure). */
function run(cmd: string, args: string[], cwd: string, quiet = false): string {
	// npm run passes our own npm_config_* settings on (npm_config_dry_run): not to the npm we start.
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => key.toLowerCase() !== 'npm_config_dry_run'),
	);
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed git and npm commands, never through a shell
	return execFileSync(cmd, args, {
		cwd,
		env,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'],
	}).trim();
}

function tryRun(cmd: string, args: string[], cwd: string): string | undefined {
	try {
		return run(cmd, args, cwd, true);
	} catch {
		return undefined;
	}
}

function parseArgs(args: string[]): { target: string; dryRun: boolean } {
	// `npm run release minor --dry-run` (without `--`) hands --dry-run to npm, which passes it on.
	const dryRun = args.includes('--dry-run') || process.env.npm_config_dry_run === 'true';
	const unknown = args.find((arg) => arg.startsWith('-') && arg !== '--dry-run');
	const positional = args.filter((arg) => !arg.startsWith('-'));
	if (unknown || positional.length !== 1)
		throw new ReleaseError(
			unknown && !['-h', '--help'].includes(unknown)
				? `Unknown option ${unknown}\n\n${USAGE}`
				: USAGE,
		);
	const target = positional[0].replace(/^v(?=\d)/, '');
	if (!['patch', 'minor', 'major'].includes(target) && !SEMVER.test(target))
		throw new ReleaseError(
			`"${positional[0]}" is neither a version nor patch, minor or major.\n\n${USAGE}`,
		);
	return { target, dryRun };
}

/** The entries under "## [Unreleased]" moved into "## [version] - date"; the link references pointed at the new tag. */
function releaseChangelog(
	text: string,
	version: string,
	repoUrl: string | undefined,
	previousTag: string | undefined,
): string {
	const lines = text.split('\n');
	const start = lines.findIndex((line) => /^## \[?Unreleased\]?\s*$/i.test(line));
	if (start === -1) throw new ReleaseError('CHANGELOG.md has no "## [Unreleased]" heading.');
	if (new RegExp(`^## \\[?${version.replace(/[.+]/g, '\\$&')}\\]?(\\s|$)`, 'm').test(text))
		throw new ReleaseError(`CHANGELOG.md already has a section for ${version}.`);
	let end = start + 1;
	while (end < lines.length && !/^## /.test(lines[end]) && !/^\[[^\]]+\]:\s/.test(lines[end]))
		end++;
	const entries = lines
		.slice(start + 1, end)
		.join('\n')
		.replace(/^(\s*\n)+/, '')
		.trimEnd();
	if (!entries)
		throw new ReleaseError(
			'CHANGELOG.md has nothing under "Unreleased": add what this release changes first.',
		);
	const date = new Date().toLocaleDateString('sv'); // YYYY-MM-DD, local time
	const section = ['## [Unreleased]', '', `## [${version}] - ${date}`, '', entries, ''];
	const result = [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n');
	const link = /^\[Unreleased\]:[ \t]*\S+[ \t]*$/im;
	if (!repoUrl || !link.test(result)) return result;
	const versionLink = previousTag
		? `${repoUrl}/compare/${previousTag}...v${version}`
		: `${repoUrl}/releases/tag/v${version}`;
	return result.replace(
		link,
		`[Unreleased]: ${repoUrl}/compare/v${version}...HEAD\n[${version}]: ${versionLink}`,
	);
}

/** Bumps, updates the changelog, commits and tags in `dir` (the repository, or a dry run's clone). */
function prepare(dir: string, target: string, git: string[] = []): { tag: string; branch: string } {
	const branch = tryRun('git', ['symbolic-ref', '--short', '-q', 'HEAD'], dir);
	if (!branch) throw new ReleaseError('HEAD is detached: check out the branch to release from.');
	const changelog = path.join(dir, 'CHANGELOG.md');
	if (!fs.existsSync(changelog))
		throw new ReleaseError('CHANGELOG.md is missing (or not committed).');
	const previousTag = tryRun(
		'git',
		['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*'],
		dir,
	);
	const files = FILES.filter((f) => fs.existsSync(path.join(dir, f)));
	const text = fs.readFileSync(changelog, 'utf8');
	run('npm', ['version', target, '--no-git-tag-version'], dir);
	const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
		version: string;
		repository?: { url?: string };
	};
	const tag = `v${pkg.version}`;
	let updated = false;
	try {
		if (tryRun('git', ['rev-parse', '-q', '--verify', `refs/tags/${tag}`], dir))
			throw new ReleaseError(`The tag ${tag} already exists.`);
		const repo = /github\.com[/:]([^/]+)\/([^/#]+?)(?:\.git)?(?:[/#].*)?$/.exec(
			pkg.repository?.url ?? '',
		);
		fs.writeFileSync(
			changelog,
			releaseChangelog(
				text,
				pkg.version,
				repo ? `https://github.com/${repo[1]}/${repo[2]}` : undefined,
				previousTag,
			),
		);
		updated = true;
	} finally {
		// Put back what `npm version` changed on a failure: the tree was clean before.
		if (!updated) run('git', ['checkout', '--', ...files], dir);
	}
	run('git', ['add', '--', ...files], dir);
	run('git', [...git, 'commit', '--quiet', '-m', `Release ${tag}`], dir);
	run('git', [...git, 'tag', '-a', tag, '-m', `Release ${tag}`], dir);
	return { tag, branch };
}

function printPush(root: string, { tag, branch }: { tag: string; branch: string }): void {
	const remote = tryRun('git', ['config', `branch.${branch}.remote`], root) ?? 'origin';
	print('Nothing was pushed or published. To publish, push the commit and the tag:\n');
	print(`  git push ${remote} ${branch} ${tag}\n`);
	print(
		'Pushing the tag runs .github/workflows/publish.yml, which publishes to npm with provenance.',
	);
}

function dryRun(root: string, target: string): void {
	const status = run('git', ['status', '--porcelain'], root);
	if (status)
		print(
			`Note: ${status.split('\n').length} uncommitted change(s); a real run would refuse until the tree is clean. This dry run releases HEAD as it is.\n`,
		);
	const branch = tryRun('git', ['symbolic-ref', '--short', '-q', 'HEAD'], root);
	if (!branch) throw new ReleaseError('HEAD is detached: check out the branch to release from.');
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-roboflow-release-'));
	const clone = path.join(temp, 'repo');
	try {
		run('git', ['clone', '--quiet', '--branch', branch, root, clone], temp);
		const who = (key: string, fallback: string) =>
			`user.${key}=${tryRun('git', ['config', `user.${key}`], clone) ?? fallback}`;
		const git = [
			'-c',
			who('name', 'Release dry run'),
			'-c',
			who('email', 'release-dry-run@localhost'),
			'-c',
			'commit.gpgsign=false',
			'-c',
			'tag.gpgsign=false',
		];
		const prepared = prepare(clone, target, git);
		print(`Dry run in ${clone}:\n`);
		print(
			run(
				'git',
				['--no-pager', 'log', '-1', '--stat', '--format=commit %h%nAuthor: %an <%ae>%n%n    %s%n'],
				clone,
			),
		);
		print(`\n${run('git', ['--no-pager', 'tag', '-n1', '-l', prepared.tag], clone)}\n`);
		print(
			`${run('git', ['--no-pager', 'diff', '--no-color', 'HEAD~1', 'HEAD', '--', 'package.json', 'CHANGELOG.md'], clone)}\n`,
		);
		printPush(root, prepared);
		print('\n(dry run: this repository was not changed, and the clone has been deleted)');
	} finally {
		fs.rmSync(temp, { recursive: true, force: true });
	}
}

try {
	const { target, dryRun: dry } = parseArgs(process.argv.slice(2));
	if (dry) dryRun(ROOT, target);
	else {
		const status = run('git', ['status', '--porcelain'], ROOT);
		if (status)
			throw new ReleaseError(
				`The working tree is not clean; commit or stash these first:\n${status}`,
			);
		const prepared = prepare(ROOT, target);
		print(
			`Prepared ${prepared.tag}: commit ${run('git', ['rev-parse', '--short', 'HEAD'], ROOT)} "Release ${prepared.tag}" and tag ${prepared.tag} on ${prepared.branch}.`,
		);
		printPush(ROOT, prepared);
		print(`To undo it before pushing: git tag -d ${prepared.tag} && git reset --hard HEAD~1`);
	}
} catch (error) {
	process.stderr.write(
		`${error instanceof ReleaseError ? error.message : String((error as Error).stack ?? error)}\n`,
	);
	process.exitCode = 1;
}
