/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- test tooling: installs and runs Redis and PostgreSQL on this machine, never inside n8n */
/**
 * Redis and PostgreSQL for n8n's queue mode in the end-to-end tests, from Debian's packages
 * (`redis-server`, `postgresql`), no Docker: installed with apt-get when missing (as root, as CI
 * runs), then started as throwaway child processes on free ports (PostgreSQL's data in a scratch
 * folder), stopped and removed afterwards. Nothing is registered as a system service.
 *
 *   ensureServicePackages(log);                       // apt-get install when missing
 *   const redis = await startRedis(dir);              // { port, stop() }
 *   const postgres = await startPostgres();           // { port, user, database, stop() }
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { stopProcess } from '../child-process/index.ts';

export type Log = (message: string) => void;

/** The Debian packages queue mode needs. */
export const SERVICE_PACKAGES = ['redis-server', 'postgresql'] as const;

const sleep = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

/** PostgreSQL's server programs: Debian keeps them out of PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return undefined;
	const majors = fs
		.readdirSync(root)
		.filter((name) => fs.existsSync(path.join(root, name, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return majors.length ? path.join(root, majors[0], 'bin') : undefined;
}

function redisBin(): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin', '/usr/sbin')) {
		const candidate = path.join(dir, 'redis-server');
		if (dir && fs.existsSync(candidate)) return candidate;
	}
	return undefined;
}

const isRoot = () => process.getuid?.() === 0;

/** Installs redis-server and postgresql with apt-get unless both are there. */
export function ensureServicePackages(log: Log): void {
	if (redisBin() && postgresBin()) return;
	if (!isRoot())
		throw new Error(
			`Queue mode needs Debian's ${SERVICE_PACKAGES.join(' and ')}: run as root: apt-get update && apt-get install -y ${SERVICE_PACKAGES.join(' ')}`,
		);
	log(`Installing ${SERVICE_PACKAGES.join(', ')} (apt-get)...`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed apt-get commands
	execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed apt-get commands
	execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...SERVICE_PACKAGES], {
		stdio: ['ignore', 'ignore', 'inherit'],
		env,
	});
	if (!redisBin() || !postgresBin())
		throw new Error(
			`apt-get installed ${SERVICE_PACKAGES.join(', ')} but their programs are missing`,
		);
}

async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port: number, what: string, child: ChildProcess, output: () => string) {
	for (let i = 0; i < 240; i++) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		if (child.exitCode !== null) break;
		await sleep(250);
	}
	child.kill('SIGKILL');
	throw new Error(`${what} did not start:\n${output()}`);
}

/** Spawns `command` keeping the last of its output for error messages. */
function run(command: string, args: string[], options: { uid?: number; gid?: number } = {}) {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- the Debian packages' own server programs with fixed arguments
	const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
	let tail = '';
	for (const stream of [child.stdout, child.stderr])
		stream?.on('data', (chunk: Buffer) => {
			tail = (tail + chunk.toString('utf8')).slice(-4000);
		});
	return { child, output: () => tail };
}

export interface Service {
	port: number;
	stop(): Promise<void>;
}

/** A Redis on a free port of 127.0.0.1, nothing saved to disk. */
export async function startRedis(): Promise<Service> {
	const bin = redisBin();
	if (!bin) throw new Error('redis-server is not installed (ensureServicePackages)');
	const port = await freePort();
	const { child, output } = run(bin, [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--save',
		'',
		'--appendonly',
		'no',
	]);
	await waitForPort(port, 'Redis', child, output);
	return { port, stop: async () => await stopProcess(child) };
}

export interface Postgres extends Service {
	user: string;
	database: string;
}

/**
 * A PostgreSQL cluster in a scratch folder of the system's temporary directory (removed by
 * `stop`), on a free port of 127.0.0.1, trust authentication for local connections, with an
 * empty `database`. PostgreSQL refuses to run as root: as root the cluster belongs to the
 * `postgres` account the Debian package creates (hence a folder it can reach).
 */
export async function startPostgres(database = 'n8n'): Promise<Postgres> {
	const bin = postgresBin();
	if (!bin) throw new Error('postgresql is not installed (ensureServicePackages)');
	const user = 'postgres';
	let ids: { uid?: number; gid?: number } = {};
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roboflow-postgres-'));
	if (isRoot()) {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed id lookups
		const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- fixed id lookups
		const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
		ids = { uid, gid };
		fs.chownSync(dir, uid, gid);
	}
	const data = path.join(dir, 'data');
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- the package's initdb with fixed arguments
	execFileSync(
		path.join(bin, 'initdb'),
		['-D', data, '-U', user, '-A', 'trust', '-E', 'UTF8', '--no-sync'],
		{ stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...ids },
	);
	const port = await freePort();
	const { child, output } = run(
		path.join(bin, 'postgres'),
		[
			'-D',
			data,
			'-p',
			String(port),
			'-k',
			dir,
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'fsync=off',
			'-c',
			'max_connections=200',
		],
		ids,
	);
	await waitForPort(port, 'PostgreSQL', child, output);
	let created = false;
	let failure = '';
	for (let attempt = 1; attempt <= 40 && !created; attempt++) {
		try {
			// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- the package's createdb with fixed arguments
			execFileSync(
				path.join(bin, 'createdb'),
				['-h', '127.0.0.1', '-p', String(port), '-U', user, database],
				{ stdio: ['ignore', 'ignore', 'pipe'] },
			);
			created = true;
		} catch (error) {
			// Accepting connections a moment before it accepts logins ("the database system is starting up").
			failure = (error as Error).message;
			await sleep(250);
		}
	}
	if (!created) {
		await stopProcess(child);
		throw new Error(`createdb ${database} failed: ${failure}\n${output()}`);
	}
	return {
		port,
		user,
		database,
		stop: async () => {
			await stopProcess(child);
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
