import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { request as undiciRequest } from 'undici';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { enqueue } from '../../../src/store/outbox.ts';
import { createMetrics, type Metrics } from '../../../src/store/metrics.ts';
import { requestMetrics } from '../../../src/http/request-metrics.ts';
import { createMetricsServer } from '../../../src/http/metrics-server.ts';

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('metrics (Prometheus, issue 15 point 6)', () => {
  let db: Db;
  let metrics: Metrics;
  let upstream: Server;
  let upstreamBase: string;
  const servers: Server[] = [];

  before(async () => {
    nock.enableNetConnect('127.0.0.1');
    db = await migratedMemoryStore();
    upstream = createServer((req, res) => {
      if (req.url?.startsWith('/fhir/slow')) setTimeout(() => res.writeHead(200).end('{}'), 120);
      else res.writeHead(req.url?.includes('missing') ? 404 : 200).end('{}');
    });
    upstreamBase = await listen(upstream);
  });
  after(async () => {
    metrics?.close();
    upstream.close();
    for (const server of servers) server.close();
    await db.close();
    nock.disableNetConnect();
  });
  beforeEach(() => {
    metrics?.close();
    metrics = createMetrics({ db, upstreamOrigin: `${upstreamBase}/fhir` });
  });

  const text = () => metrics.registry.metrics();

  it('times requests by route pattern, never the raw path, and counts /fhir answers as facade decisions', async () => {
    const app = express();
    app.use(requestMetrics(metrics));
    const record = express.Router();
    record.get('/record/:section', (_req, res) => res.send('ok'));
    app.use(record);
    const fhir = express.Router();
    fhir.get('/:type/:id', (req, res) => res.status(req.params['id'] === 'other-patient' ? 404 : 200).json({}));
    app.use('/fhir', fhir);
    const server = createServer(app);
    servers.push(server);
    const base = await listen(server);
    await fetch(`${base}/record/medications?name=Maria`);
    await fetch(`${base}/fhir/Observation/obs-1`);
    await fetch(`${base}/fhir/Patient/other-patient`);
    await fetch(`${base}/no/such/page/123`);
    const body = await text();
    expect(body).to.match(/puente_http_request_duration_seconds_count\{method="GET",route="\/record\/:section",status="200"\} 1/);
    expect(body).to.match(/puente_http_request_duration_seconds_count\{method="GET",route="\/fhir\/:type\/:id",status="200"\} 1/);
    expect(body).to.match(/puente_http_request_duration_seconds_count\{method="GET",route="\/fhir\/:type\/:id",status="404"\} 1/);
    expect(body).to.match(/puente_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(body).to.match(/puente_fhir_facade_decisions_total\{method="GET",decision="allowed"\} 1/);
    expect(body).to.match(/puente_fhir_facade_decisions_total\{method="GET",decision="refused"\} 1/);
    expect(body).not.to.match(/medications|obs-1|other-patient|Maria|page\/123/);
  });

  it('reads outbox depth, oldest age and dead letters from the store at scrape time', async () => {
    await db.query('TRUNCATE outbox RESTART IDENTITY CASCADE');
    await db.transaction(async (tx) => {
      await enqueue(tx, { kind: 'email', payload: { to: 'a@example.org', subject: 's', text: 't' } });
      await enqueue(tx, { kind: 'email', payload: { to: 'b@example.org', subject: 's', text: 't' } });
      await enqueue(tx, { kind: 'audit', payload: { resourceType: 'AuditEvent', id: 'a1' } as never });
    });
    await db.query(`UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE kind = 'email'`);
    await db.query(`UPDATE outbox SET status = 'dead', last_error = 'x' WHERE kind = 'audit'`);
    const body = await text();
    expect(body).to.match(/puente_outbox_rows\{kind="email",status="pending"\} 2/);
    expect(body).to.match(/puente_outbox_rows\{kind="audit",status="dead"\} 1/);
    expect(body).to.match(/puente_outbox_dead_letters 1/);
    const age = Number(/puente_outbox_oldest_age_seconds\{kind="email",status="pending"\} ([0-9.]+)/.exec(body)?.[1]);
    expect(age).to.be.within(89, 120);
    expect(body).to.match(/puente_metrics_store_up 1/);
  });

  it('times calls to the FHIR server through undici diagnostics, by method and status, and ignores other origins', async () => {
    await (await undiciRequest(`${upstreamBase}/fhir/slow`)).body.text();
    await (await fetch(`${upstreamBase}/fhir/Patient/missing`)).text();
    const body = await text();
    expect(body).to.match(/puente_fhir_upstream_duration_seconds_count\{method="GET",status="200"\} 1/);
    expect(body).to.match(/puente_fhir_upstream_duration_seconds_count\{method="GET",status="404"\} 1/);
    const sum = Number(/puente_fhir_upstream_duration_seconds_sum\{method="GET",status="200"\} ([0-9.e-]+)/.exec(body)?.[1]);
    expect(sum).to.be.within(0.1, 2);
  });

  it('serves /metrics only on its own listener, and with METRICS_TOKEN only to that bearer', async () => {
    const token = 'm'.repeat(40);
    const server = createMetricsServer({ registry: metrics.registry, token });
    servers.push(server);
    const base = await listen(server);
    expect((await fetch(`${base}/metrics`)).status).to.equal(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } })).status).to.equal(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(await ok.text()).to.match(/process_resident_memory_bytes/);
    expect((await fetch(`${base}/other`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(404);
  });
});
