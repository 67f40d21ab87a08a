/**
 * The container image check (`npm run image:check`, and a step of `npm test`): builds the portal's container image from docker/Dockerfile and runs it the way
 * production does (docker/compose.yml, the Helm chart), with no Docker engine and no Docker Hub:
 *
 *   1. buildah, podman, runc and debootstrap from Debian (apt-get, as root) and PostgreSQL;
 *   2. a local stand-in for the Dockerfile's `node:<major>-<suite>-slim` (scripts/lib/image-base.ts:
 *      debootstrap + Node and npm from the npm registry), cached under var/image-base/;
 *   3. `buildah bud --build-arg NODE_IMAGE=<that image>` of docker/Dockerfile (the build's `npm ci` reaches
 *      the npm registry over the host's network); build log in var/log/image-build.log;
 *   4. the image run with podman as compose and the chart run it: read-only root filesystem with /tmp the
 *      only scratch space, every capability dropped, no privilege escalation, the image's own user (no
 *      --user), against a throwaway PostgreSQL (scripts/lib/postgres-process.ts) and a stand-in FHIR
 *      endpoint that answers only `GET metadata` (what /readyz asks; no HAPI needed);
 *   5. measured and checked: build time, image size, the user of the image and of the running process
 *      (/proc/<pid>/status), the read-only root (writes refused, as uid 1000 and as root), /healthz and
 *      /readyz, the image's HEALTHCHECK, a graceful stop on SIGTERM (exit code 0).
 *
 * Ends with "N passed, N failed" and a non-zero exit code on any failure. Removes the container, the
 * database and the built image (IMAGE_CHECK_KEEP_IMAGE=1 keeps localhost/puente:check); keeps the
 * base image and var/image-base/ for the next run. Needs root on Debian (or a Linux with those tools).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createProgressOutput, formatBytes, formatElapsed, tailLines } from './build-progress.ts';
import { dockerfileBase, ensureNodeBaseImage, imageId, imageLogDir, imageSize, nodeUid, run } from './image-base.ts';
import { freePort, waitFor } from './net.ts';
import { fromRoot } from './paths.ts';
import { startPostgres, type RunningPostgres } from './postgres-process.ts';
import { ensureSystemDependencies } from './system-deps.ts';

const imageRef = 'localhost/puente:check';
const dockerfile = fromRoot('docker/Dockerfile');
const buildLog = join(imageLogDir, 'image-build.log');
const portalLog = join(imageLogDir, 'image-check-portal.log');
const containerName = `puente-image-check-${process.pid}`;
const keepImage = process.env['IMAGE_CHECK_KEEP_IMAGE'] === '1';

const say = (line: string) => process.stdout.write(`${line}\n`);
const results: { name: string; ok: boolean }[] = [];
function verdict(name: string, ok: boolean, measured: string): void {
  results.push({ name, ok });
  say(`  ${ok ? '✔' : '✗'} ${name}: ${measured}`);
}
const relative = (path: string) => path.replace(`${fromRoot()}/`, '');

/** podman with runc (scripts/lib/system-deps.ts says why) for every call, the container's later ones included. */
const podman = (args: readonly string[]) => spawnSync('podman', ['--runtime', 'runc', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** The same without blocking this process: for whatever makes the portal call the FHIR stand-in, which this process serves. */
function podmanAsync(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('podman', ['--runtime', 'runc', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Without CAP_SYS_RESOURCE (some sandboxes drop it even for root) the runtime cannot raise the open-file and
 * process limits to podman's defaults ("setrlimit RLIMIT_NOFILE: Operation not permitted"): ask for limits
 * at or below the current ones instead. A normal root (CI) keeps podman's defaults.
 */
function ulimitArgs(): string[] {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  const capSysResource = 24n;
  if ((BigInt(`0x${capEff}`) >> capSysResource) & 1n) return [];
  const hardNofile = Number(/^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 1024);
  const nofile = Math.min(hardNofile, 1_048_576);
  say(`  (no CAP_SYS_RESOURCE here: the container gets --ulimit nofile=${nofile} nproc=4096, limits it may set without it)`);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=4096:4096'];
}

/** `buildah bud` of docker/Dockerfile, its output to the build log, one progress line on screen (the current step). */
function buildImage(baseRef: string): Promise<{ ok: boolean; ms: number }> {
  mkdirSync(imageLogDir, { recursive: true });
  writeFileSync(buildLog, '');
  const args = [
    '-n',
    '10',
    'buildah',
    'bud',
    '--runtime',
    'runc',
    // The docker format keeps the Dockerfile's HEALTHCHECK (the OCI format has no such field).
    '--format',
    'docker',
    // The build's `npm ci` uses the host's network: no bridge or firewall rules set up on the machine.
    '--network',
    'host',
    '--build-arg',
    `NODE_IMAGE=${baseRef}`,
    '-f',
    dockerfile,
    '-t',
    imageRef,
    fromRoot(),
  ];
  say(`  nice ${args.join(' ')}`);
  const started = Date.now();
  const progress = createProgressOutput({ tty: Boolean(process.stdout.isTTY), write: (text) => process.stdout.write(text), now: Date.now, columns: process.stdout.columns });
  let step = 'starting';
  const child = spawn('nice', args, { cwd: fromRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    appendFileSync(buildLog, text);
    const steps = text.match(/^\[\d+\/\d+\] STEP \d+\/\d+: .*$/gm);
    if (steps) step = steps[steps.length - 1]!.slice(0, 90);
    progress.update(`  building ${imageRef}… ${formatElapsed(Date.now() - started)} · ${step}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const ticker = setInterval(() => progress.update(`  building ${imageRef}… ${formatElapsed(Date.now() - started)} · ${step}`), 1000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(ticker);
      const ms = Date.now() - started;
      progress.finish(`  build ${code === 0 ? 'finished' : `failed (exit ${code})`} in ${formatElapsed(ms)} (log: ${relative(buildLog)})`);
      if (code !== 0) for (const line of tailLines(readFileSync(buildLog, 'utf8'), 25)) say(`    ${line}`);
      resolve({ ok: code === 0, ms });
    });
  });
}

/** Stands in for the clinic FHIR server where /readyz looks: GET [base]/metadata answers a CapabilityStatement. */
async function startFhirStandIn(): Promise<{ server: Server; baseUrl: string }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/fhir/metadata')) {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${port}/fhir` };
}

const inspect = (format: string) => podman(['inspect', containerName, '--format', format]).stdout.trim();
const exec = (args: readonly string[]) => podman(['exec', ...args]);

function saveLogs(): void {
  const logs = podman(['logs', containerName]);
  if (logs.status === 0) writeFileSync(portalLog, `${logs.stdout}${logs.stderr}`);
}

async function checkRunningImage(store: RunningPostgres, fhirBaseUrl: string): Promise<void> {
  const port = await freePort();
  const databaseUrl = await store.createDatabase('puente_image_check');
  const env: Record<string, string> = {
    PORT: String(port),
    // Host networking (the database and the FHIR stand-in are on loopback): listen on loopback only.
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://puente.image-check.invalid',
    FHIR_UPSTREAM_URL: fhirBaseUrl,
    DATABASE_URL: databaseUrl,
    // Not loopback, so production accepts it; nothing is mailed during the check.
    SMTP_URL: 'smtp://smtp.image-check.invalid:587',
    SECRET_KEYS: randomBytes(32).toString('hex'),
    SHUTDOWN_DRAIN_MS: '1000',
  };
  const runArgs = [
    'run',
    '--detach',
    '--name',
    containerName,
    '--network',
    'host',
    // As docker/compose.yml (read_only, tmpfs /tmp) and the Helm chart (readOnlyRootFilesystem, /tmp an emptyDir,
    // capabilities drop ALL, allowPrivilegeEscalation false). No --user: the image's own USER is what is checked.
    '--read-only',
    '--read-only-tmpfs=false',
    '--tmpfs',
    '/tmp:rw,size=64m,mode=1777',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...ulimitArgs(),
    ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    imageRef,
  ];
  say(`  podman ${runArgs.map((a) => (a.startsWith('SECRET_KEYS=') ? 'SECRET_KEYS=…' : a)).join(' ')}`);
  const started = Date.now();
  const created = podman(runArgs);
  if (created.status !== 0) {
    verdict('the container starts', false, created.stderr.trim());
    return;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the portal in the container', async () => (await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, {
      timeoutMs: 90_000,
      failed: () => (inspect('{{.State.Running}}') === 'true' ? undefined : `the container stopped (exit ${inspect('{{.State.ExitCode}}')})`),
    });
  } catch (error) {
    saveLogs();
    verdict('the portal starts in the container', false, `${(error as Error).message}; log: ${relative(portalLog)}`);
    for (const line of tailLines(readFileSync(portalLog, 'utf8'), 15)) say(`    ${line}`);
    return;
  }
  const healthz = await fetch(`${baseUrl}/healthz`);
  const healthzBody = await healthz.text();
  verdict('/healthz answers 200', healthz.status === 200, `${healthz.status} ${healthzBody}, ${formatElapsed(Date.now() - started)} after podman run`);

  // The process as the host's kernel sees it (no user namespace: uids are the host's).
  const pid = Number(inspect('{{.State.Pid}}'));
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim().replace(/\s+/g, ' ') ?? '?';
  const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  const uidOk = line('Uid') === Array(4).fill(nodeUid).join(' ') && line('Gid') === Array(4).fill(nodeUid).join(' ');
  verdict(`the portal process runs as uid and gid ${nodeUid}`, uidOk, `host pid ${pid} (${command}): Uid ${line('Uid')}, Gid ${line('Gid')}, Groups ${line('Groups')}`);
  verdict(
    'no capabilities and no privilege escalation',
    /^0+$/.test(line('CapEff')) && /^0+$/.test(line('CapPrm')) && line('NoNewPrivs') === '1',
    `CapEff ${line('CapEff')}, CapPrm ${line('CapPrm')}, NoNewPrivs ${line('NoNewPrivs')}`,
  );

  const rootMount = readFileSync(`/proc/${pid}/mounts`, 'utf8')
    .split('\n')
    .find((m) => m.split(' ')[1] === '/');
  const rootOptions = rootMount?.split(' ')[3] ?? '?';
  const asNode = exec([containerName, 'sh', '-c', 'echo probe > /app/write-probe']);
  const asRoot = exec(['--user', '0', containerName, 'sh', '-c', 'echo probe > /write-probe']);
  const scratch = exec([containerName, 'sh', '-c', 'echo probe > /tmp/write-probe && rm /tmp/write-probe']);
  const refused = (r: ReturnType<typeof exec>) => r.status !== 0 && /Read-only file system/.test(r.stderr);
  verdict(
    'the root filesystem is read-only',
    rootOptions.split(',')[0] === 'ro' && refused(asNode) && refused(asRoot),
    `/ mounted ${rootOptions.split(',')[0]}; uid ${nodeUid} writing /app: "${asNode.stderr.trim()}"; uid 0 writing /: "${asRoot.stderr.trim()}"; /tmp ${scratch.status === 0 ? 'writable (the tmpfs)' : `not writable: ${scratch.stderr.trim()}`}`,
  );

  const readyStarted = performance.now();
  const readyz = await fetch(`${baseUrl}/readyz`);
  const readyBody = await readyz.text();
  verdict('/readyz answers 200 (PostgreSQL store and FHIR up)', readyz.status === 200, `${readyz.status} ${readyBody} in ${(performance.now() - readyStarted).toFixed(0)} ms`);

  // It asks /readyz, hence the FHIR stand-in in this process: not a blocking call.
  const health = await podmanAsync(['healthcheck', 'run', containerName]);
  const healthLog = (JSON.parse(inspect('{{json .State.Health.Log}}') || '[]') as { ExitCode: number; Output: string }[] | null)?.at(-1);
  verdict(
    "the image's HEALTHCHECK passes",
    health.status === 0,
    `podman healthcheck run → exit ${health.status} ${health.stdout.trim()}${health.status === 0 ? '' : `; the check's exit ${healthLog?.ExitCode}, output "${healthLog?.Output.trim() ?? ''}"`}`,
  );

  // The portal's own writes: /tmp is the only place it could write (podman's diff would list the runtime's own mount points).
  const tmpFiles = exec([containerName, 'find', '/tmp', '-mindepth', '1', '-printf', '%u %p\n']).stdout.trim().split('\n').filter(Boolean);
  say(
    `  · /tmp after these checks: ${tmpFiles.length === 0 ? 'empty (the portal wrote nothing)' : `${tmpFiles.length} entries: ${tmpFiles.slice(0, 4).join(', ')}${tmpFiles.length > 4 ? ', …' : ''}`}`,
  );

  const stopStarted = Date.now();
  const stopped = podman(['stop', '--time', '40', containerName]);
  const exitCode = inspect('{{.State.ExitCode}}');
  saveLogs();
  const shutdownDone = /"msg":"shutdown: done"/.test(readFileSync(portalLog, 'utf8'));
  verdict(
    'SIGTERM stops it gracefully',
    stopped.status === 0 && exitCode === '0' && shutdownDone,
    `podman stop: exit code ${exitCode} after ${formatElapsed(Date.now() - stopStarted)} (SHUTDOWN_DRAIN_MS=${env['SHUTDOWN_DRAIN_MS']}), ${shutdownDone ? '"shutdown: done" logged' : 'no "shutdown: done" in the log'}; log: ${relative(portalLog)}`,
  );
}

/** Builds and runs the image; prints each step and measurement; returns how many checks passed and failed. */
export async function checkContainerImage(): Promise<{ passed: number; failed: number }> {
  results.length = 0;
  const started = Date.now();
  say(`npm run image:check: ${relative(dockerfile)} built with buildah and run with podman (read-only root, non-root user)`);
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    verdict('the image check can run', false, 'needs root on Linux (debootstrap, chroot, buildah and podman with their default storage)');
    return finish(started);
  }
  say('\n1. Tools');
  ensureSystemDependencies(['buildah', 'podman', 'runc', 'debootstrap', 'postgresql']);
  say(`  ${run('buildah', ['--version']).trim()}; ${run('podman', ['--version']).trim()}; ${run('runc', ['--version']).split('\n')[0]}`);

  say(`\n2. Base image for ${relative(dockerfile)}'s NODE_IMAGE`);
  const spec = dockerfileBase(dockerfile);
  const baseStarted = Date.now();
  const base = ensureNodeBaseImage(spec, say);
  if (base.caFile) say(`  npm in the base trusts the host's CA file ${base.caFile} (an intercepting proxy), as npm here does`);
  say(
    `  ${base.ref}: ${formatBytes(base.sizeBytes)}, ${base.reused ? 'reused' : `made in ${formatElapsed(Date.now() - baseStarted)}`} (stands in for node:${spec.nodeMajor}-${spec.suite}-slim)`,
  );

  say(`\n3. Build`);
  const previous = imageId(imageRef);
  const build = await buildImage(base.ref);
  // A kept image from an earlier run, now untagged by this build: not left behind.
  if (previous && previous !== imageId(imageRef)) podman(['rmi', previous]);
  if (!build.ok) {
    verdict('the image builds from docker/Dockerfile', false, `see ${relative(buildLog)}`);
    return finish(started);
  }
  const size = imageSize(imageRef);
  const config = JSON.parse(podman(['image', 'inspect', imageRef, '--format', '{{json .Config}}']).stdout) as { User?: string; Healthcheck?: { Test?: string[] } };
  verdict(
    'the image builds from docker/Dockerfile',
    true,
    `${formatElapsed(build.ms)} (npm ci: ${/added \d+ packages in \S+/.exec(readFileSync(buildLog, 'utf8'))?.[0] ?? '?'}); ${imageRef} ${formatBytes(size)} (${formatBytes(size - base.sizeBytes)} over the ${formatBytes(base.sizeBytes)} base)`,
  );
  verdict(`the image's user is ${nodeUid}:${nodeUid} (numeric, non-root)`, config.User === `${nodeUid}:${nodeUid}`, `User "${config.User ?? ''}"`);

  say('\n4. Run (podman, as compose and the Helm chart run it)');
  let store: RunningPostgres | undefined;
  let fhir: { server: Server; baseUrl: string } | undefined;
  const cleanUp = () => podman(['rm', '--force', '--time', '0', containerName]);
  const interrupted = () => {
    cleanUp();
    void store?.stop(); // pg_ctl stop runs synchronously inside
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    store = await startPostgres();
    fhir = await startFhirStandIn();
    say(`  PostgreSQL ${store.url.replace(/^postgres:\/\/[^@]+@/, '')} (throwaway); FHIR stand-in ${fhir.baseUrl} (answers GET metadata only)`);
    await checkRunningImage(store, fhir.baseUrl);
  } catch (error) {
    verdict('the run', false, (error as Error).message);
  } finally {
    cleanUp();
    await store?.stop().catch(() => undefined);
    fhir?.server.close();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (!keepImage) podman(['rmi', imageRef]);
    say(keepImage ? `  kept ${imageRef}` : `  removed the container and ${imageRef} (IMAGE_CHECK_KEEP_IMAGE=1 keeps it); kept ${base.ref}`);
  }
  return finish(started);
}

function finish(started: number): { passed: number; failed: number } {
  const passed = results.filter((r) => r.ok).length;
  // No check run at all is a failure too.
  const failed = Math.max(results.length - passed, results.length === 0 ? 1 : 0);
  say(`\nImage check finished in ${formatElapsed(Date.now() - started)}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}
