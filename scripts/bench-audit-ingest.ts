/**
 * `npm run bench:audit-ingest`: what one facade AuditEvent costs the FHIR server, written the way the outbox
 * writes them: through the outbox's own batch handler (src/store/audit-trail.ts auditBatchDeliveryHandler, one
 * transaction of PUTs by the events' own ids per claimed batch of src/store/outbox-worker.ts's default size),
 * two transactions at a time. The events are the facade's own
 * (src/core/fhir/audit-event.ts fhirAccessAuditEvent), naming the first Patient the server holds, so HAPI
 * indexes the same rows as in production (7 token, 4 string, 1 date, 4 reference rows).
 *
 * Why it exists: every facade read leaves one such event, so this is the floor of what the facade adds to a
 * read on the FHIR server (docs/production.md "The facade's floor"). Prints, per round, events per second
 * and the CPU time per event of HAPI (BENCH_HAPI_PID) and of its database server and children
 * (BENCH_HAPI_DB_PID, the postmaster's pid); without the pids, only the rate.
 * Settings: BENCH_HAPI_URL (required: a scratch or load-test HAPI; the events stay in it), BENCH_ROUNDS
 * (default 4, 4,000 events each, after 2,000 not counted).
 */
import { randomUUID } from 'node:crypto';
import { fhirAccessAuditEvent } from '../src/core/fhir/audit-event.ts';
import { auditBatchDeliveryHandler } from '../src/store/audit-trail.ts';
import { createFhirClient, type FhirClient } from '../src/store/fhir-client.ts';
import { defaultOutboxBatchSize, type BatchDeliveryHandler } from '../src/store/outbox-worker.ts';
import { processCpuSeconds, processTreeCpuSeconds } from './lib/proc-cpu.ts';

const base = process.env['BENCH_HAPI_URL']?.replace(/\/$/, '');
const hapiPid = process.env['BENCH_HAPI_PID'] ? Number(process.env['BENCH_HAPI_PID']) : undefined;
const hapiDbPid = process.env['BENCH_HAPI_DB_PID'] ? Number(process.env['BENCH_HAPI_DB_PID']) : undefined;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function firstPatient(fhir: FhirClient): Promise<string> {
  const id = (await fhir.search('Patient', { _count: 1, _elements: 'id' })).entry?.[0]?.resource?.id;
  if (!id) throw new Error('the FHIR server holds no Patient: load the demo record first (npm run cluster does)');
  return id;
}

/** One claimed batch of the facade's AuditEvents, handed to the outbox's own delivery handler (one transaction). */
function sendBatch(deliver: BatchDeliveryHandler, patient: string): Promise<unknown> {
  const events = Array.from({ length: defaultOutboxBatchSize }, () =>
    fhirAccessAuditEvent({
      interaction: 'search-type',
      outcome: '0',
      actor: `Patient/${patient}`,
      accountId: randomUUID(),
      clientId: 'bench-audit-ingest',
      patient: `Patient/${patient}`,
      request: `GET /Observation?patient=${patient}&_count=50`,
      clientAddress: '127.0.0.1',
      portalName: 'bench',
    }),
  );
  return deliver(events);
}

/** `events` AuditEvents, two transactions in flight at a time as the outbox worker sends them. */
async function ingest(deliver: BatchDeliveryHandler, patient: string, events: number): Promise<void> {
  for (let sent = 0; sent < events; sent += 2 * defaultOutboxBatchSize) await Promise.all([sendBatch(deliver, patient), sendBatch(deliver, patient)]);
}

async function main(): Promise<void> {
  if (!base) throw new Error('set BENCH_HAPI_URL to a scratch or load-test HAPI (the events stay in it), e.g. http://127.0.0.1:8191/fhir under npm run cluster');
  const fhir = createFhirClient({ baseUrl: base, timeoutMs: 60_000 });
  const deliver = auditBatchDeliveryHandler(fhir);
  const patient = await firstPatient(fhir);
  await ingest(deliver, patient, 2_000);
  for (let round = 1; round <= rounds; round++) {
    const events = 4_000;
    const hapi0 = processCpuSeconds(hapiPid);
    const db0 = processTreeCpuSeconds(hapiDbPid);
    const started = performance.now();
    await ingest(deliver, patient, events);
    const seconds = (performance.now() - started) / 1000;
    const perEvent = (cpuSeconds: number) => `${((cpuSeconds * 1000) / events).toFixed(2)} ms`;
    say(
      `round ${round}: ${events} AuditEvents in ${seconds.toFixed(1)} s (${Math.round(events / seconds)}/s)` +
        (hapiPid ? `; HAPI CPU ${perEvent(processCpuSeconds(hapiPid) - hapi0)}` : '') +
        (hapiDbPid ? `, its PostgreSQL ${perEvent(processTreeCpuSeconds(hapiDbPid) - db0)} per event` : ''),
    );
  }
}

await main();
