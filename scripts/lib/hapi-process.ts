/**
 * Builds and runs the project's HAPI FHIR server (hapi/): used by `npm run demo`, `npm test`
 * and `npm run hapi:*`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, closeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fromRoot } from './paths.ts';
import { waitFor } from './net.ts';
import { createProgressOutput, downloadedBytes, downloadsText, formatElapsed, progressLine, tailLines } from './build-progress.ts';
import { portalConsentProfile } from '../../src/core/fhir/profiles.ts';

export const hapiJar = fromRoot('hapi/target/puente-hapi.jar');
/** Where Maven builds (hapi/pom.xml puente.build.directory); the jar is then renamed to hapiJar. */
const hapiStagingDir = fromRoot('hapi/target/staging');

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

/** Maven's full output of the last HAPI build (the screen shows one progress line). */
export const hapiBuildLog = fromRoot('var/log/hapi-build.log');

/**
 * Builds hapi/ with Maven when needed. Maven's output (over two thousand download lines on a first
 * run) goes to var/log/hapi-build.log; the screen shows one progress line (scripts/lib/build-progress.ts),
 * and on failure the log's last lines and its path.
 */
export async function buildHapi(options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && !hapiNeedsBuild()) return;
  const firstBuild = !existsSync(join(process.env['HOME'] ?? '/root', '.m2/repository/ca/uhn/hapi/fhir/hapi-fhir-jpaserver-base'));
  const shownLog = relative(fromRoot(), hapiBuildLog);
  process.stdout.write(
    firstBuild
      ? '\nBuilding the HAPI FHIR server (hapi/) with Maven. This first build downloads about 350 MB of Java\n' +
          'libraries (HAPI FHIR, Spring Boot, Hibernate) from Maven Central into ~/.m2 and takes a few minutes;\n' +
          `later builds reuse them and take seconds. Maven's full output: ${shownLog}\n`
      : `\nBuilding the HAPI FHIR server (hapi/) with Maven (full output: ${shownLog})…\n`,
  );
  mkdirSync(dirname(hapiBuildLog), { recursive: true });
  const log = createWriteStream(hapiBuildLog);
  const output = createProgressOutput({ tty: process.stdout.isTTY === true, columns: process.stdout.columns, write: (text) => process.stdout.write(text), now: Date.now });
  const started = Date.now();
  const state = { files: 0, bytes: 0 };
  const elapsed = () => ({ ...state, elapsedMs: Date.now() - started });
  const title = firstBuild ? 'Building HAPI FHIR (first run downloads ~350 MB of Java libraries)' : 'Building HAPI FHIR';
  const show = () => output.update(progressLine(title, elapsed()));
  show();
  const ticker = setInterval(show, 1000);
  let status: number | null;
  try {
    // -B: batch mode, no colours and no interactive transfer display; one line per finished download.
    // Built in a staging directory, then renamed into place (below): a HAPI running from the old jar keeps its
    // open file, where Maven writing the jar in place would pull classes out from under it (NoClassDefFoundError).
    const child = spawn('mvn', ['-B', '-f', fromRoot('hapi/pom.xml'), 'package', '-DskipTests', `-Dpuente.build.directory=${hapiStagingDir}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      const bytes = downloadedBytes(line);
      if (bytes === undefined) return;
      state.files += 1;
      state.bytes += bytes;
    });
    status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
  } catch (error) {
    status = null;
    log.write(`\n${String(error)}\n`);
  } finally {
    clearInterval(ticker);
    await new Promise((resolve) => log.end(resolve));
  }
  const done = elapsed();
  const built = join(hapiStagingDir, 'puente-hapi.jar');
  if (status === 0 && existsSync(built)) renameSync(built, hapiJar);
  if (status !== 0 || !existsSync(hapiJar)) {
    output.finish(`Maven could not build the HAPI FHIR server (exit ${status ?? 'none'}) after ${formatElapsed(done.elapsedMs)}. The end of ${shownLog}:`);
    const tail = tailLines(readFileSync(hapiBuildLog, 'utf8'), 40);
    process.stderr.write(`${tail.map((line) => `  ${line}`).join('\n')}\n`);
    throw new Error(`Maven could not build the HAPI FHIR server (exit ${status ?? 'none'}); full log: ${hapiBuildLog}`);
  }
  output.finish(`Built HAPI FHIR in ${formatElapsed(done.elapsedMs)}${downloadsText(done)} (log: ${shownLog})`);
}

async function metadataAnswers(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/metadata?_summary=true`, { signal: AbortSignal.timeout(5000) });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Tests and the demo: start-up first. The client compiler only (C1) and the serial collector start HAPI
 * sooner and hold ~635 MB instead of 0.8–1 GB (hapi/README.md), at the price of HAPI's CPU per request.
 */
export const quickStartJavaOptions: readonly string[] = ['-Xms256m', '-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

/**
 * The cluster, as a hospital runs HAPI: the JVM's full tiered compilation, so hot code reaches the optimising
 * compiler (C2). Without it HAPI spent about twice the CPU per search under load (docs/production.md, "Load").
 * The serial collector stays: on 2 cores a concurrent collector's threads compete with the requests.
 */
export const serverJavaOptions: readonly string[] = ['-Xms512m', '-Xmx1g', '-XX:+UseSerialGC'];

/** Starts HAPI and resolves once GET /fhir/metadata answers 200. */
export async function startHapi(options: HapiOptions): Promise<RunningHapi> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  if (!options.jdbcUrl) mkdirSync(options.dataDir, { recursive: true });
  const args = [
    ...(options.javaOptions ?? quickStartJavaOptions),
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
