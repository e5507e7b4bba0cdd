/**
 * Prepares a release, locally; nothing is pushed or published from here.
 *
 *   npm run release -- <version|patch|minor|major> [--dry-run]
 *   node scripts/release.ts <version|patch|minor|major> [--dry-run]
 *
 * 1. checks that the working tree is clean and on a branch;
 * 2. bumps package.json's (and package-lock.json's) version with
 *    `npm version <target> --no-git-tag-version`;
 * 3. moves CHANGELOG.md's "Unreleased" entries under a new "## [X.Y.Z] - YYYY-MM-DD" heading
 *    (and updates the compare links at the bottom);
 * 4. commits "Release vX.Y.Z" and creates the annotated tag vX.Y.Z;
 * 5. prints the `git push` command. Pushing the tag runs .github/workflows/publish.yml, which
 *    publishes to npm with provenance.
 *
 * --dry-run does all of this in a temporary clone of the current commit, prints the release
 * commit, the tag and the push command, and deletes the clone: the repository is not touched.
 *
 * Run by Node 24 directly (type stripping): erasable TypeScript syntax only.
 */

/* eslint-disable @n8n/community-nodes/no-restricted-imports -- release tooling runs in Node on a developer's machine, never inside n8n */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
/* eslint-enable @n8n/community-nodes/no-restricted-imports */

// eslint-disable-next-line @n8n/community-nodes/no-restricted-globals -- a command-line script reads its arguments and environment and writes to the terminal
const nodeProcess = process;

const USAGE = `Usage: npm run release -- <version|patch|minor|major> [--dry-run]
  version   an exact version such as 1.2.0 or 1.2.0-rc.1
  --dry-run prepare the release in a temporary clone and show it; change nothing here`;

const BUMPS = ['patch', 'minor', 'major'];
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const FILES = ['package.json', 'package-lock.json', 'CHANGELOG.md'];

type Options = { target: string; dryRun: boolean };

type Prepared = {
	version: string;
	tag: string;
	branch: string;
	remote: string;
};

class ReleaseError extends Error {}

function print(text = ''): void {
	nodeProcess.stdout.write(`${text}\n`);
}

/** Runs a command and returns its trimmed standard output; its standard error goes to ours. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
	// Our own npm_config_* settings (npm run passes e.g. npm_config_dry_run on) must not reach
	// the npm we start.
	const childEnv: Record<string, string | undefined> = { ...nodeProcess.env, ...env };
	for (const key of Object.keys(childEnv)) {
		if (key.toLowerCase() === 'npm_config_dry_run') delete childEnv[key];
	}
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed git and npm commands of the release tooling, arguments are never passed to a shell
	const out = execFileSync(cmd, args, {
		cwd,
		env: childEnv,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return out.trim();
}

/** Like run(), but returns undefined instead of throwing when the command fails. */
function tryRun(cmd: string, args: string[], cwd: string): string | undefined {
	try {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed git commands of the release tooling, arguments are never passed to a shell
		return execFileSync(cmd, args, {
			cwd,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		}).trim();
	} catch {
		return undefined;
	}
}

function parseArgs(args: string[], env: Record<string, string | undefined>): Options {
	// `npm run release minor --dry-run` (without `--`) hands --dry-run to npm, which passes it on
	// as npm_config_dry_run.
	let dryRun = env.npm_config_dry_run === 'true';
	const positional: string[] = [];
	for (const arg of args) {
		if (arg === '--dry-run') dryRun = true;
		else if (arg === '-h' || arg === '--help') throw new ReleaseError(USAGE);
		else if (arg.startsWith('-')) throw new ReleaseError(`Unknown option ${arg}\n\n${USAGE}`);
		else positional.push(arg);
	}
	if (positional.length !== 1) throw new ReleaseError(USAGE);
	const target = positional[0].replace(/^v(?=\d)/, '');
	if (!BUMPS.includes(target) && !SEMVER.test(target)) {
		throw new ReleaseError(
			`"${positional[0]}" is neither a version nor patch, minor or major.\n\n${USAGE}`,
		);
	}
	return { target, dryRun };
}

function today(): string {
	const now = new Date();
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** https://github.com/owner/repo from package.json's repository field, if it is on GitHub. */
function githubUrl(pkg: { repository?: string | { url?: string } }): string | undefined {
	const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
	if (!raw) return undefined;
	const match = /github\.com[/:]([^/]+)\/([^/#]+?)(?:\.git)?(?:[/#].*)?$/.exec(raw);
	return match ? `https://github.com/${match[1]}/${match[2]}` : undefined;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Moves the entries under "## [Unreleased]" into a new "## [version] - date" section and
 * points the link references at the new tag.
 */
function releaseChangelog(
	text: string,
	version: string,
	date: string,
	repoUrl: string | undefined,
	previousTag: string | undefined,
): string {
	const lines = text.split('\n');
	const start = lines.findIndex((line) => /^## \[?Unreleased\]?\s*$/i.test(line));
	if (start === -1) throw new ReleaseError('CHANGELOG.md has no "## [Unreleased]" heading.');
	if (new RegExp(`^## \\[?${escapeRegExp(version)}\\]?(\\s|$)`, 'm').test(text)) {
		throw new ReleaseError(`CHANGELOG.md already has a section for ${version}.`);
	}
	let end = start + 1;
	while (end < lines.length && !/^## /.test(lines[end]) && !/^\[[^\]]+\]:\s/.test(lines[end]))
		end++;
	const entries = lines.slice(start + 1, end);
	while (entries.length > 0 && entries[0].trim() === '') entries.shift();
	while (entries.length > 0 && entries[entries.length - 1].trim() === '') entries.pop();
	if (entries.length === 0) {
		throw new ReleaseError(
			'CHANGELOG.md has nothing under "Unreleased": add what this release changes first.',
		);
	}
	const section = ['## [Unreleased]', '', `## [${version}] - ${date}`, '', ...entries, ''];
	let result = [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n');

	const unreleasedLink = /^\[Unreleased\]:[ \t]*\S+[ \t]*$/im;
	if (repoUrl && unreleasedLink.test(result)) {
		const versionLink = previousTag
			? `${repoUrl}/compare/${previousTag}...v${version}`
			: `${repoUrl}/releases/tag/v${version}`;
		result = result.replace(
			unreleasedLink,
			`[Unreleased]: ${repoUrl}/compare/v${version}...HEAD\n[${version}]: ${versionLink}`,
		);
	}
	return result;
}

/** Does the release in `dir` (the repository itself, or a clone for a dry run). */
function prepare(dir: string, target: string, gitIdentity: string[]): Prepared {
	const branch = tryRun('git', ['symbolic-ref', '--short', '-q', 'HEAD'], dir);
	if (!branch) throw new ReleaseError('HEAD is detached: check out the branch to release from.');

	const changelogPath = join(dir, 'CHANGELOG.md');
	if (!existsSync(changelogPath))
		throw new ReleaseError('CHANGELOG.md is missing (or not committed).');
	const changelog = readFileSync(changelogPath, 'utf8');
	const previousTag = tryRun(
		'git',
		['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*'],
		dir,
	);

	run('npm', ['version', target, '--no-git-tag-version'], dir);
	const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
		version: string;
		repository?: string | { url?: string };
	};
	const version = pkg.version;
	const tag = `v${version}`;
	let updated = false;
	try {
		if (tryRun('git', ['rev-parse', '-q', '--verify', `refs/tags/${tag}`], dir)) {
			throw new ReleaseError(`The tag ${tag} already exists.`);
		}
		writeFileSync(
			changelogPath,
			releaseChangelog(changelog, version, today(), githubUrl(pkg), previousTag),
		);
		updated = true;
	} finally {
		// On a failure, put back what `npm version` changed: the tree was clean before.
		if (!updated) {
			run('git', ['checkout', '--', ...FILES.filter((f) => existsSync(join(dir, f)))], dir);
		}
	}

	run('git', ['add', '--', ...FILES.filter((f) => existsSync(join(dir, f)))], dir);
	run('git', [...gitIdentity, 'commit', '--quiet', '-m', `Release ${tag}`], dir);
	run('git', [...gitIdentity, 'tag', '-a', tag, '-m', `Release ${tag}`], dir);

	const remote = tryRun('git', ['config', `branch.${branch}.remote`], dir) ?? 'origin';
	return { version, tag, branch, remote };
}

function printNext(prepared: Prepared): void {
	const { tag, branch, remote } = prepared;
	print('Nothing was pushed or published. To publish, push the commit and the tag:');
	print();
	print(`  git push ${remote} ${branch} ${tag}`);
	print();
	print(
		'Pushing the tag runs .github/workflows/publish.yml, which publishes to npm with provenance.',
	);
}

function realRun(root: string, target: string): void {
	const status = run('git', ['status', '--porcelain'], root);
	if (status) {
		throw new ReleaseError(
			`The working tree is not clean; commit or stash these first:\n${status}`,
		);
	}
	const prepared = prepare(root, target, []);
	const commit = run('git', ['rev-parse', '--short', 'HEAD'], root);
	print(
		`Prepared ${prepared.tag}: commit ${commit} "Release ${prepared.tag}" and tag ${prepared.tag} on ${prepared.branch}.`,
	);
	printNext(prepared);
	print(`To undo it before pushing: git tag -d ${prepared.tag} && git reset --hard HEAD~1`);
}

function dryRun(root: string, target: string): void {
	const status = run('git', ['status', '--porcelain'], root);
	if (status) {
		const count = status.split('\n').length;
		print(
			`Note: the working tree has ${count} uncommitted change(s); a real run would refuse until it is clean.`,
		);
		print('This dry run releases the last commit (HEAD) as it is.');
		print();
	}
	const branch = tryRun('git', ['symbolic-ref', '--short', '-q', 'HEAD'], root);
	if (!branch) throw new ReleaseError('HEAD is detached: check out the branch to release from.');

	const temp = mkdtempSync(join(tmpdir(), 'n8n-nodes-roboflow-release-'));
	const clone = join(temp, 'repo');
	try {
		run('git', ['clone', '--quiet', '--branch', branch, root, clone], temp);
		// The clone's branch tracks the local path; report the remote the real run would use.
		const remote = tryRun('git', ['config', `branch.${branch}.remote`], root) ?? 'origin';
		const name = tryRun('git', ['config', 'user.name'], clone);
		const email = tryRun('git', ['config', 'user.email'], clone);
		const identity = [
			'-c',
			`user.name=${name ?? 'Release dry run'}`,
			'-c',
			`user.email=${email ?? 'release-dry-run@localhost'}`,
			'-c',
			'commit.gpgsign=false',
			'-c',
			'tag.gpgsign=false',
		];
		const prepared = { ...prepare(clone, target, identity), remote };

		print(`Dry run in ${clone}:`);
		print();
		print(
			run(
				'git',
				['--no-pager', 'log', '-1', '--stat', '--format=commit %h%nAuthor: %an <%ae>%n%n    %s%n'],
				clone,
			),
		);
		print();
		print(run('git', ['--no-pager', 'tag', '-n1', '-l', prepared.tag], clone));
		print();
		print(
			run(
				'git',
				[
					'--no-pager',
					'diff',
					'--no-color',
					'HEAD~1',
					'HEAD',
					'--',
					'package.json',
					'CHANGELOG.md',
				],
				clone,
			),
		);
		print();
		printNext(prepared);
		print();
		print('(dry run: this repository was not changed, and the clone has been deleted)');
	} finally {
		rmSync(temp, { recursive: true, force: true });
	}
}

function main(): void {
	const root = dirname(import.meta.dirname);
	try {
		const options = parseArgs(nodeProcess.argv.slice(2), nodeProcess.env);
		if (options.dryRun) dryRun(root, options.target);
		else realRun(root, options.target);
	} catch (error) {
		// A ReleaseError explains itself; anything else (a failed git or npm command) gets its stack.
		const message =
			error instanceof ReleaseError
				? error.message
				: String((error instanceof Error && error.stack) || error);
		nodeProcess.stderr.write(`${message}\n`);
		nodeProcess.exitCode = 1;
	}
}

main();
