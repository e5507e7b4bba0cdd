/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling: installs Debian packages and runs Redis and PostgreSQL on this machine, never inside n8n */
/**
 * Redis and PostgreSQL for n8n's queue mode, and Chromium for the editor test, from Debian's
 * packages (no Docker): installed with apt-get when missing (as root, as CI runs); the servers
 * started as throwaway child processes on free ports (PostgreSQL's data in a scratch folder),
 * removed by `stop()`. Nothing becomes a system service.
 *
 *   ensureServicePackages(log);
 *   const chromium = ensureChromium(log);      // its path
 *   const redis = await startRedis();          // { port, stop() }
 *   const postgres = await startPostgres();    // { port, user, database, stop() }
 */
import type { ExecFileSyncOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Started } from '../child-process/index.ts';
import { freePort, startProcess, stopProcess, until } from '../child-process/index.ts';

const PACKAGES = ['redis-server', 'postgresql'];
/** A generous guard against a server that hangs; a healthy one is up in a second or two. */
const START_TIMEOUT_MS = 60_000;

/** PostgreSQL's server programs: Debian keeps them out of PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root)
		? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))
		: [];
	const major = majors.find((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb')));
	return major && path.join(root, major, 'bin');
}

const REDIS = '/usr/bin/redis-server';
const isRoot = () => process.getuid?.() === 0;

/** Installs Debian `packages` with apt-get (as root; otherwise says the command to run). */
function aptInstall(packages: string[], log: (message: string) => void): void {
	const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
	if (!isRoot())
		throw new Error(`Missing Debian's ${packages.join(' and ')}: as root, run ${command}`);
	log(`Installing ${packages.join(' and ')} (apt-get)...`);
	const options: ExecFileSyncOptions = {
		stdio: ['ignore', 'ignore', 'inherit'],
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	};
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed apt-get commands
	execFileSync('apt-get', ['update'], options);
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed apt-get commands
	execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], options);
}

/** Installs redis-server and postgresql with apt-get unless both are there. */
export function ensureServicePackages(log: (message: string) => void): void {
	if (!fs.existsSync(REDIS) || !postgresBin()) aptInstall(PACKAGES, log);
}

/** The Chromium the editor test drives: $CHROMIUM_PATH, or Debian's, installed when missing. */
export function ensureChromium(log: (message: string) => void): string {
	const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
	if (!fs.existsSync(chromium)) aptInstall(['chromium'], log);
	return chromium;
}

/** Starts a server program and resolves once its output says it takes connections. */
async function serve(
	what: string,
	command: string,
	args: string[],
	options = {},
): Promise<Started> {
	const started = startProcess(command, args, {
		...options,
		readyLine: /ready to accept connections/i,
	});
	await until(what, async () => started.ready() || undefined, {
		timeoutMs: START_TIMEOUT_MS,
		started,
	});
	return started;
}

export interface Service {
	port: number;
	stop(): Promise<void>;
}

/** A Redis on a free port of 127.0.0.1, nothing saved to disk. */
export async function startRedis(): Promise<Service> {
	const port = await freePort();
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
	const { child } = await serve('Redis', REDIS, args);
	return { port, stop: async () => await stopProcess(child) };
}

export interface Postgres extends Service {
	user: string;
	database: string;
}

/**
 * A PostgreSQL cluster in a scratch folder on a free port of 127.0.0.1, trusting local
 * connections, with an empty `database`. PostgreSQL refuses to run as root, so as root the cluster
 * belongs to the `postgres` account the Debian package creates.
 */
export async function startPostgres(database = 'n8n'): Promise<Postgres> {
	const bin = postgresBin();
	if (!bin) throw new Error('postgresql is not installed (ensureServicePackages)');
	const user = 'postgres';
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-postgres-'));
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed id lookups
	const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }));
	const ids = isRoot() ? { uid: id('-u'), gid: id('-g') } : {};
	if (ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid);
	const [data, port] = [path.join(dir, 'data'), await freePort()];
	const run = (program: string, args: string[]) =>
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- the package's programs with fixed arguments
		execFileSync(path.join(bin, program), args, { stdio: 'ignore', cwd: dir, ...ids });
	run('initdb', ['-D', data, '-U', user, '-A', 'trust', '-E', 'UTF8', '--no-sync']);
	const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'max_connections=200'];
	const args = ['-D', data, '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])];
	let started: Started | undefined;
	const stop = async () => {
		if (started) await stopProcess(started.child);
		fs.rmSync(dir, { recursive: true, force: true });
	};
	let ready = false;
	try {
		started = await serve('PostgreSQL', path.join(bin, 'postgres'), args, ids);
		run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', user, database]);
		ready = true;
	} finally {
		if (!ready) await stop();
	}
	return { port, user, database, stop };
}
