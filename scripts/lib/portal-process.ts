/**
 * One portal replica as a real process (`node src/main.ts`, or dist/main.js when built), for the
 * cluster, the drills and the graceful-shutdown test. The environment is the portal's own variables
 * (README "Configuration"); the log goes to a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitFor } from './net.ts';
import { fromRoot } from './paths.ts';

/**
 * glibc's allocator settings the portal runs with (docker/Dockerfile, `npm start`, here): at most two malloc
 * arenas, and blocks of 128 KB or more (HTTP bodies, HAPI's answers) mapped and unmapped on their own instead
 * of being left in the heap, where freed space between live blocks was never given back. Measured with a
 * replica under the load mix for 3 minutes: RSS 349 → 314 MB, idle 149 → 135 MB (docs/production.md "Memory").
 */
export const portalMallocEnv: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/**
 * V8's heap settings, the same in docker/Dockerfile and `npm start` (a unit test keeps them equal):
 * - `--max-semi-space-size=8`: V8 otherwise grows the young generation to 128 MB during start-up on a large
 *   host and an idle replica keeps it (about 45 MB of RSS);
 * - `--heap-growing-percent=50`: after each full collection the old generation may grow by half of what is
 *   live before the next one, instead of up to four times on a large host. Measured in one cluster under the
 *   load mix for 4 minutes, one replica with it and two without: RSS 194 MB against 294/299 MB, for 2 % more
 *   portal CPU (20 %: 167 MB for 11 % more CPU). Not a limit: a long export still gets the heap it needs.
 * Both in docs/production.md, "Memory".
 */
export const portalNodeFlags: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=50'];

export interface RunningPortal {
  readonly name: string;
  readonly baseUrl: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM (a graceful shutdown), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface PortalOptions {
  readonly name: string;
  readonly port: number;
  readonly env: Record<string, string>;
  readonly logFile: string;
  /** Run the compiled dist/main.js (as in production) instead of src/main.ts. */
  readonly compiled?: boolean;
  readonly readyTimeoutMs?: number;
}

export async function startPortal(options: PortalOptions): Promise<RunningPortal> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const entry = options.compiled && existsSync(fromRoot('dist/main.js')) ? fromRoot('dist/main.js') : fromRoot('src/main.ts');
  const log = openSync(options.logFile, 'a');
  // The production flag and allocator settings (docker/Dockerfile, `npm start`; docs/production.md, "Memory"), so replicas here measure like the image's.
  const child = spawn(process.execPath, [...portalNodeFlags, entry], {
    cwd: fromRoot(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOST: '127.0.0.1', ...portalMallocEnv, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exitReason: string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = `exited (${code ?? signal}); see ${options.logFile}`;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(`portal ${options.name}`, async () => (await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      failed: () => exitReason,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: options.name,
    baseUrl,
    process: child,
    exited,
    async stop(graceMs = 40_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
