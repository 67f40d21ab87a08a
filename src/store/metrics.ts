/**
 * Prometheus metrics of one replica (issue 15, point 6), on a registry of its own (no module-level
 * singleton: prom-client's default `register` is global). Served by src/http/metrics-server.ts on a
 * separate listener, never on the public port.
 *
 *   puente_http_request_duration_seconds{method,route,status}  every request, by Express route pattern
 *   puente_fhir_facade_decisions_total{method,decision}         /fhir answers: allowed, refused, unavailable
 *   puente_outbox_rows{kind,status}                             pending / sending / dead rows now (read at scrape)
 *   puente_outbox_oldest_age_seconds{kind,status}               age of the oldest such row
 *   puente_outbox_dead_letters                                  dead rows now
 *   puente_outbox_deliveries_total{kind,result}                 delivered / retry / dead, by this replica
 *   puente_audit_write_lag_seconds                              AuditEvent enqueued → written to the FHIR server
 *   puente_fhir_upstream_duration_seconds{method,status}        calls to the FHIR server (HAPI), facade and system alike
 *   process_* and nodejs_*                                       prom-client's default process metrics
 *
 * HAPI latency is observed through undici's diagnostics channels (`undici:request:*`), which both the
 * portal's undici pool and Node's own fetch publish to, filtered on the FHIR server's origin: no call
 * site has to remember to time itself.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from './db.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly facadeDecisions: Counter<'method' | 'decision'>;
  readonly outboxDeliveries: Counter<'kind' | 'result'>;
  readonly auditWriteLag: Histogram;
  readonly upstreamDuration: Histogram<'method' | 'status'>;
  /** Stops listening to undici's channels. */
  close(): void;
}

export interface MetricsDeps {
  readonly db: Queryable;
  /** Origin of the FHIR server (e.g. `http://127.0.0.1:8091`); calls to it are timed. */
  readonly upstreamOrigin: string;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'puente_http_request_duration_seconds',
    help: 'Duration of HTTP requests to the portal, by route pattern (never the raw path: no ids or PHI in labels)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const facadeDecisions = new Counter({
    name: 'puente_fhir_facade_decisions_total',
    help: 'Answers of the FHIR facade: allowed (2xx/3xx), refused (4xx: denied, not found, invalid), unavailable (5xx)',
    labelNames: ['method', 'decision'] as const,
    registers: [registry],
  });
  const outboxDeliveries = new Counter({
    name: 'puente_outbox_deliveries_total',
    help: 'Outbox delivery attempts by this replica: delivered, retry (will be tried again) or dead (dead-lettered)',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const auditWriteLag = new Histogram({
    name: 'puente_audit_write_lag_seconds',
    help: 'Time from an AuditEvent being enqueued (with the change it records) to its being written to the FHIR server',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'puente_fhir_upstream_duration_seconds',
    help: 'Duration of calls to the FHIR server (HAPI) until its response headers; status "error" when no response came',
    labelNames: ['method', 'status'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });

  // Read at scrape time from the store, so every replica reports the shared queue the same way. The
  // registry collects all metrics concurrently: the gauges share one query per scrape.
  const readOutbox = coalesce(async (): Promise<OutboxSnapshot | undefined> => {
    try {
      const result = await deps.db.query<{ kind: string; status: string; n: number; age: number }>(
        `SELECT kind, status, count(*)::int AS n, EXTRACT(EPOCH FROM (now() - min(created_at)))::float8 AS age
           FROM outbox WHERE status IN ('pending', 'sending', 'dead') GROUP BY kind, status`,
      );
      return result.rows.map((row) => ({ kind: row.kind, status: row.status, n: Number(row.n), age: Math.max(0, Number(row.age)) }));
    } catch {
      return undefined;
    }
  });
  new Gauge({
    name: 'puente_outbox_rows',
    help: 'Outbox rows not yet delivered (pending, sending) or dead, by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await readOutbox()) ?? []) this.set({ kind: row.kind, status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'puente_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await readOutbox()) ?? []) this.set({ kind: row.kind, status: row.status }, row.age);
    },
  });
  new Gauge({
    name: 'puente_outbox_dead_letters',
    help: 'Outbox rows in dead-letter, waiting for staff (/staff/admin/dead-letters)',
    registers: [registry],
    async collect() {
      const rows = await readOutbox();
      if (rows) this.set(rows.filter((row) => row.status === 'dead').reduce((sum, row) => sum + row.n, 0));
    },
  });
  new Gauge({
    name: 'puente_metrics_store_up',
    help: '1 when the outbox gauges could be read from the store at this scrape, else 0',
    registers: [registry],
    async collect() {
      this.set((await readOutbox()) ? 1 : 0);
    },
  });

  const stopUpstream = observeUpstream(deps.upstreamOrigin, upstreamDuration);
  return { registry, httpDuration, facadeDecisions, outboxDeliveries, auditWriteLag, upstreamDuration, close: stopUpstream };
}

type OutboxSnapshot = { kind: string; status: string; n: number; age: number }[];

/** At most one call of `run` in flight; callers arriving meanwhile share its result. */
function coalesce<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () =>
    (inFlight ??= run().finally(() => {
      inFlight = undefined;
    }));
}

interface UndiciRequest {
  readonly origin?: string | URL;
  readonly method?: string;
}

/** Times each request to `origin` from creation to response headers (or error), via undici's diagnostics channels. */
function observeUpstream(origin: string, histogram: Histogram<'method' | 'status'>): () => void {
  const target = new URL(origin).origin;
  const started = new WeakMap<object, bigint>();
  const onCreate = (message: unknown) => {
    const request = (message as { request: UndiciRequest }).request;
    if (request && originOf(request) === target) started.set(request, process.hrtime.bigint());
  };
  const finish = (request: UndiciRequest, status: string) => {
    const start = started.get(request);
    if (start === undefined) return;
    started.delete(request);
    histogram.observe({ method: request.method ?? 'GET', status }, Number(process.hrtime.bigint() - start) / 1e9);
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    finish(request, String(response.statusCode));
  };
  const onError = (message: unknown) => finish((message as { request: UndiciRequest }).request, 'error');
  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  diagnosticsChannel.subscribe('undici:request:headers', onHeaders);
  diagnosticsChannel.subscribe('undici:request:error', onError);
  return () => {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    diagnosticsChannel.unsubscribe('undici:request:headers', onHeaders);
    diagnosticsChannel.unsubscribe('undici:request:error', onError);
  };
}

function originOf(request: UndiciRequest): string | undefined {
  if (!request.origin) return undefined;
  try {
    return new URL(String(request.origin)).origin;
  } catch {
    return undefined;
  }
}
