/**
 * The multi-replica topology on one machine (issue 15, point 1), for `npm run cluster`, the drills and
 * the load script: two local PostgreSQL servers (the portal store; HAPI's database), HAPI FHIR on
 * PostgreSQL, MailDev, N portal replicas (`node src/main.ts`, each with its metrics port) and HAProxy in
 * front. The demo record is loaded into HAPI and the store (the same accounts as `npm run demo`).
 * Loopback addresses only; ports from the CLUSTER_* variables.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../src/store/open-db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createFhirClient } from '../../src/store/fhir-client.ts';
import { loadDemoData, type DemoSummary } from '../demo/load-demo-data.ts';
import { buildHapi, serverJavaOptions, startHapi, type RunningHapi } from './hapi-process.ts';
import { startHaproxy, type RunningHaproxy } from './haproxy-process.ts';
import { startMaildev, type RunningMaildev } from './maildev-process.ts';
import { fromRoot } from './paths.ts';
import { startPortal, type RunningPortal } from './portal-process.ts';
import { startPostgres, type RunningPostgres } from './postgres-process.ts';
import { ensureSystemDependencies } from './system-deps.ts';

export interface ClusterPorts {
  readonly balancer: number;
  readonly stats: number;
  /** Replica i listens on firstReplica + i, its metrics on firstMetrics + i. */
  readonly firstReplica: number;
  readonly firstMetrics: number;
  readonly hapi: number;
  readonly smtp: number;
  readonly inbox: number;
}

export function clusterPorts(env: NodeJS.ProcessEnv = process.env): ClusterPorts {
  const n = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    balancer: n('CLUSTER_PORT', 3100),
    stats: n('CLUSTER_STATS_PORT', 3199),
    firstReplica: n('CLUSTER_REPLICA_PORT', 3101),
    firstMetrics: n('CLUSTER_METRICS_PORT', 9101),
    hapi: n('CLUSTER_HAPI_PORT', 8191),
    smtp: n('CLUSTER_SMTP_PORT', 1125),
    inbox: n('CLUSTER_INBOX_PORT', 1180),
  };
}

export interface Cluster {
  readonly url: string;
  readonly statsUrl: string;
  readonly replicas: RunningPortal[];
  hapi: RunningHapi;
  readonly store: RunningPostgres;
  readonly storeUrl: string;
  readonly hapiDb: RunningPostgres;
  maildev: RunningMaildev;
  readonly haproxy: RunningHaproxy;
  readonly demo: DemoSummary;
  readonly ports: ClusterPorts;
  /** The environment every replica gets (drills start replacements with it). */
  replicaEnv(index: number): Record<string, string>;
  /** Starts replica `index` again (after a drill killed it). */
  restartReplica(index: number): Promise<RunningPortal>;
  /** Stops HAPI (a drill's outage); `startHapiAgain()` brings it back on the same port and database. */
  stopHapi(): Promise<void>;
  startHapiAgain(): Promise<void>;
  /** Stops MailDev (the relay down); `startMaildevAgain()` brings it back on the same ports. */
  stopMaildev(): Promise<void>;
  startMaildevAgain(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly replicas?: number;
  readonly ports?: ClusterPorts;
  readonly log?: (line: string) => void;
  /** Extra environment for every replica (e.g. OUTBOX_RETRY_BASE_MS for a drill). */
  readonly env?: Record<string, string>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const say = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const ports = options.ports ?? clusterPorts();
  const count = options.replicas ?? 3;
  const workDir = fromRoot('var/cluster');
  rmSync(join(workDir, 'log'), { recursive: true, force: true });
  mkdirSync(join(workDir, 'log'), { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    ensureSystemDependencies(['java', 'maven', 'postgresql', 'haproxy']);
    await buildHapi();

    say('Starting two PostgreSQL servers (the portal store, HAPI’s database)…');
    const [store, hapiDb] = await Promise.all([startPostgres(), startPostgres()]);
    stops.push(store.stop, hapiDb.stop);
    const storeUrl = await store.createDatabase('puente');
    const hapiDbUrl = new URL(await hapiDb.createDatabase('hapi'));

    say(`Starting HAPI FHIR on PostgreSQL, port ${ports.hapi} (one to two minutes on 2 cores)…`);
    const hapiOptions = {
      port: ports.hapi,
      dataDir: join(workDir, 'hapi'),
      jdbcUrl: `jdbc:postgresql://${hapiDbUrl.host}${hapiDbUrl.pathname}`,
      jdbcUser: decodeURIComponent(hapiDbUrl.username),
      logFile: join(workDir, 'log', 'hapi.log'),
      publicBase: `http://127.0.0.1:${ports.balancer}/fhir`,
      javaOptions: serverJavaOptions,
    };
    let hapi = await startHapi(hapiOptions);
    stops.push(() => hapi.stop());
    say(`  ready in ${Math.round(hapi.startupMs / 1000)} s`);

    say('Starting MailDev…');
    const maildevOptions = { smtpPort: ports.smtp, webPort: ports.inbox, logFile: join(workDir, 'log', 'maildev.log'), mailDir: join(workDir, 'mail') };
    rmSync(maildevOptions.mailDir, { recursive: true, force: true });
    let maildev = await startMaildev(maildevOptions);
    stops.push(() => maildev.stop());

    const publicUrl = `http://127.0.0.1:${ports.balancer}`;
    const practice = { name: 'Clínica Puente (cluster)', phone: '+1 555 0100', timeZone: 'America/Chicago' };
    say('Migrating the store and loading the demo record…');
    const db = await openDb({ kind: 'postgres', url: storeUrl });
    let demo: DemoSummary;
    try {
      await migrate(db);
      demo = await loadDemoData({ db, fhir: createFhirClient({ baseUrl: hapi.baseUrl, timeoutMs: 300_000 }), publicUrl: new URL(publicUrl), practice }, (line) =>
        say(`  ${line.trim()}`),
      );
    } finally {
      await db.close();
    }

    const replicaEnv = (index: number): Record<string, string> => ({
      PUENTE_ENV: 'development',
      PUBLIC_URL: publicUrl,
      FHIR_UPSTREAM_URL: hapi.baseUrl,
      DATABASE_URL: storeUrl,
      SMTP_URL: maildev.smtpUrl,
      TRUST_PROXY: '1',
      PRACTICE_NAME: practice.name,
      PRACTICE_PHONE: practice.phone,
      PRACTICE_TIME_ZONE: practice.timeZone,
      METRICS_PORT: String(ports.firstMetrics + index),
      SHUTDOWN_DRAIN_MS: '2500',
      SHUTDOWN_TIMEOUT_MS: '20000',
      LOG_LEVEL: 'warn',
      ...options.env,
    });
    const startReplica = (index: number) =>
      startPortal({ name: `portal-${index + 1}`, port: ports.firstReplica + index, env: replicaEnv(index), logFile: join(workDir, 'log', `portal-${index + 1}.log`) });
    say(`Starting ${count} portal replicas…`);
    const replicas = await Promise.all(Array.from({ length: count }, (_, index) => startReplica(index)));
    stops.push(async () => {
      await Promise.all(replicas.map((replica) => replica.stop(25_000)));
    });

    say('Starting HAProxy…');
    const haproxy = await startHaproxy({
      port: ports.balancer,
      statsPort: ports.stats,
      backends: replicas.map((_, index) => ({ name: `portal-${index + 1}`, port: ports.firstReplica + index })),
      workDir,
      logFile: join(workDir, 'log', 'haproxy.log'),
    });
    stops.push(haproxy.stop);
    // Wait until the balancer has seen every replica ready (its checks run every second).
    for (
      let i = 0;
      i < 30 &&
      !(await fetch(`${publicUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 500));

    const cluster: Cluster = {
      url: publicUrl,
      statsUrl: haproxy.statsUrl,
      replicas,
      hapi,
      store,
      storeUrl,
      hapiDb,
      maildev,
      haproxy,
      demo,
      ports,
      replicaEnv,
      async restartReplica(index) {
        replicas[index] = await startReplica(index);
        return replicas[index]!;
      },
      stopHapi: () => hapi.stop(),
      async startHapiAgain() {
        hapi = await startHapi(hapiOptions);
        cluster.hapi = hapi;
      },
      stopMaildev: () => maildev.stop(),
      async startMaildevAgain() {
        maildev = await startMaildev(maildevOptions);
        cluster.maildev = maildev;
      },
      stop: stopAll,
    };
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
