/**
 * Builds and runs the project's HAPI FHIR server (hapi/): used by `npm run demo`, `npm test`
 * and `npm run hapi:*`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, statSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromRoot } from './paths.ts';
import { waitFor } from './net.ts';
import { portalConsentProfile } from '../../src/core/fhir/profiles.ts';

export const hapiJar = fromRoot('hapi/target/puente-hapi.jar');

export interface HapiOptions {
  readonly port: number;
  /** H2 data directory (ignored when `jdbcUrl` is given). */
  readonly dataDir: string;
  /** Absolute base used in links, fullUrl and Location; defaults to the server's own address. */
  readonly publicBase?: string;
  /** 0 = never reuse a cached search (tests need fresh results). */
  readonly reuseCachedSearchMs?: number;
  readonly jdbcUrl?: string;
  readonly jdbcUser?: string;
  readonly jdbcPassword?: string;
  readonly logFile: string;
  readonly javaOptions?: readonly string[];
  /** Keep running after this Node process exits (npm run hapi:start). */
  readonly detached?: boolean;
}

export interface RunningHapi {
  readonly baseUrl: string;
  readonly process: ChildProcess;
  readonly startupMs: number;
  stop(): Promise<void>;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** True when the jar is missing or older than the launcher's sources. */
export function hapiNeedsBuild(): boolean {
  if (!existsSync(hapiJar)) return true;
  const sources = Math.max(newestMtime(fromRoot('hapi/pom.xml')), newestMtime(fromRoot('hapi/src')));
  return statSync(hapiJar).mtimeMs < sources;
}

/** Builds hapi/ with Maven when needed, with Maven's own download progress on screen. */
export function buildHapi(options: { force?: boolean } = {}): void {
  if (!options.force && !hapiNeedsBuild()) return;
  const firstBuild = !existsSync(join(process.env['HOME'] ?? '/root', '.m2/repository/ca/uhn/hapi/fhir/hapi-fhir-jpaserver-base'));
  process.stdout.write(
    firstBuild
      ? '\nBuilding the HAPI FHIR server (hapi/) with Maven. This first build downloads about 350 MB of Java\n' +
          'libraries (HAPI FHIR, Spring Boot, Hibernate) from Maven Central into ~/.m2 and takes a few minutes;\n' +
          'later builds reuse them and take seconds.\n\n'
      : '\nBuilding the HAPI FHIR server (hapi/) with Maven…\n',
  );
  const args = ['-B', '-f', fromRoot('hapi/pom.xml'), 'package', '-DskipTests'];
  // CI logs stay readable without one line per downloaded file; a person at a terminal sees the progress.
  if (process.env['CI']) args.splice(1, 0, '--no-transfer-progress');
  const result = spawnSync('mvn', args, { stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(hapiJar)) {
    throw new Error(`Maven could not build the HAPI FHIR server (exit ${result.status}); see the output above.`);
  }
}

async function metadataAnswers(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/metadata?_summary=true`, { signal: AbortSignal.timeout(5000) });
  await response.body?.cancel();
  return response.ok;
}

/** Starts HAPI and resolves once GET /fhir/metadata answers 200. */
export async function startHapi(options: HapiOptions): Promise<RunningHapi> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  if (!options.jdbcUrl) mkdirSync(options.dataDir, { recursive: true });
  const args = [
    ...(options.javaOptions ?? ['-Xms256m', '-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    '-jar',
    hapiJar,
    `--server.port=${options.port}`,
    '--server.address=127.0.0.1',
    `--puente.hapi.data-dir=${options.dataDir}`,
    `--puente.hapi.profiles-dir=${fromRoot('fhir-profiles')}`,
  ];
  if (options.publicBase) args.push(`--puente.hapi.public-base=${options.publicBase}`);
  if (options.reuseCachedSearchMs !== undefined) args.push(`--puente.hapi.reuse-cached-search-results-ms=${options.reuseCachedSearchMs}`);
  if (options.jdbcUrl) {
    args.push(`--spring.datasource.url=${options.jdbcUrl}`);
    if (options.jdbcUser) args.push(`--spring.datasource.username=${options.jdbcUser}`);
    if (options.jdbcPassword) args.push(`--spring.datasource.password=${options.jdbcPassword}`);
  }
  const log = openSync(options.logFile, 'a');
  const started = Date.now();
  const child = spawn('java', args, { stdio: ['ignore', log, log], detached: options.detached ?? false });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code}) before it was ready; see ${options.logFile}`;
  });
  const baseUrl = `http://127.0.0.1:${options.port}/fhir`;
  try {
    await waitFor('HAPI FHIR server', () => metadataAnswers(baseUrl), { timeoutMs: 300_000, intervalMs: 1000, failed: () => exited });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const startupMs = Date.now() - started;
  await warmUpValidator(baseUrl);
  return { baseUrl, process: child, startupMs, stop: () => stopProcess(child) };
}

/**
 * HAPI builds its validation support lazily: the first $validate after start-up can take longer than
 * the portal's per-call timeout on a small machine, and the first authorization form would then fail.
 * One throw-away validation against the portal's Consent profile gets that out of the way.
 */
async function warmUpValidator(baseUrl: string): Promise<void> {
  const consent = { resourceType: 'Consent', status: 'draft', scope: { text: 'warm-up' }, category: [{ text: 'warm-up' }] };
  await fetch(`${baseUrl}/Consent/$validate?profile=${encodeURIComponent(portalConsentProfile)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify(consent),
    signal: AbortSignal.timeout(180_000),
  })
    .then((response) => response.arrayBuffer())
    .catch(() => undefined);
}

/** SIGTERM, then SIGKILL if the JVM has not exited within 20 s. */
export function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
