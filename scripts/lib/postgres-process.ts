/**
 * A throwaway PostgreSQL server from Debian's binaries, for the integration tests: its own data
 * directory, loopback only, trust authentication for the one local user, removed afterwards.
 * PostgreSQL refuses to run as root, so under root (CI) it runs as the Debian 'postgres' user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './net.ts';
import { postgresBinDir } from './system-deps.ts';

export interface RunningPostgres {
  /** Superuser URL of the server's default database. */
  readonly url: string;
  /** The server's log (statements appear there for a database with `log_statement` set). */
  readonly logFile: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server, keeping its data (a drill's outage); `start()` brings it back on the same port. */
  pause(): void;
  start(): void;
  stop(): Promise<void>;
  /** The server's main process (postmaster), whose children are the backends; undefined while it is stopped. */
  postmasterPid(): number | undefined;
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (Debian package postgresql)');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'puente-pg-'));
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', dataDir, '-U', 'puente', '-A', 'trust', '-E', 'UTF8', '--no-locale']);
  const startServer = () =>
    run('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  startServer();
  const url = `postgres://puente@127.0.0.1:${port}/postgres`;
  await waitFor(
    'PostgreSQL',
    async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      return true;
    },
    { timeoutMs: 30_000 },
  );

  return {
    url,
    logFile: join(dir, 'server.log'),
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://puente@127.0.0.1:${port}/${name}`;
    },
    pause() {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
    start: startServer,
    postmasterPid() {
      try {
        // The first line of postmaster.pid is the PID; the file exists only while the server runs.
        return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const uidOf = (user: string) => Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
const gidOf = (user: string) => Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
