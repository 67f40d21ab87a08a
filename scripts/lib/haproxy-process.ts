/**
 * HAProxy (Debian's package) in front of the portal replicas, as a platform team would run it:
 * - health checks GET /readyz every second; two failures take a replica out, two successes put it back
 *   (a draining replica answers 503 at once, so it leaves rotation within about two seconds);
 * - idempotent requests (GET, HEAD) are retried on another replica when the connection fails, the
 *   replica answers nothing, or it answers 502/503/504 (`retry-on` + `option redispatch`); POSTs are
 *   never replayed (`disable-l7-retry` for other methods), so a write is never sent twice by the balancer;
 * - X-Forwarded-For is added (the portal runs with TRUST_PROXY=1);
 * - fail open when no replica is ready: each replica is also listed as an unchecked backup, used only
 *   while every checked server is down. /readyz includes the shared dependencies (store, HAPI), so
 *   when one of those is down every replica leaves rotation at once; the backups then still carry
 *   the requests to replicas that answer with their own friendly page or OperationOutcome (503),
 *   instead of the balancer's bare 503. One bad replica is still taken out as usual.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stopProcess } from './hapi-process.ts';
import { waitFor } from './net.ts';

export interface RunningHaproxy {
  readonly url: string;
  readonly statsUrl: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  readonly port: number;
  readonly statsPort: number;
  readonly backends: readonly { name: string; port: number }[];
  readonly workDir: string;
  readonly logFile: string;
}

export function haproxyConfig(options: Pick<HaproxyOptions, 'port' | 'statsPort' | 'backends'>): string {
  return `# Written by scripts/lib/haproxy-process.ts for npm run cluster.
global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 15s
  option forwardfor
  option http-server-close
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 502 503 504

frontend portal
  bind 127.0.0.1:${options.port}
  default_backend portals

backend portals
  balance roundrobin
  # Only idempotent requests are replayed on another replica.
  http-request disable-l7-retry unless METH_GET || METH_HEAD
  option httpchk
  http-check send meth GET uri /readyz
  http-check expect status 200
  default-server inter 1s fall 2 rise 2 check
${options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}`).join('\n')}
  option allbackups
${options.backends.map((b) => `  server ${b.name}-fallback 127.0.0.1:${b.port} backup no-check`).join('\n')}

frontend stats
  bind 127.0.0.1:${options.statsPort}
  stats enable
  stats uri /
  stats refresh 2s
`;
}

export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  mkdirSync(options.workDir, { recursive: true });
  mkdirSync(dirname(options.logFile), { recursive: true });
  const configFile = join(options.workDir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(options));
  const binary = '/usr/sbin/haproxy';
  const log = openSync(options.logFile, 'a');
  // -W: master-worker; -db: stay in the foreground, so the process is ours to stop.
  const child = spawn(binary, ['-W', '-db', '-f', configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code) => {
    exited = `exited (${code}); see ${options.logFile}`;
  });
  const statsUrl = `http://127.0.0.1:${options.statsPort}/`;
  try {
    await waitFor('HAProxy', async () => (await fetch(statsUrl, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs: 15_000, failed: () => exited });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { url: `http://127.0.0.1:${options.port}`, statsUrl, process: child, stop: () => stopProcess(child, 5000) };
}
