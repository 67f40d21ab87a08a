/**
 * HAPI on PostgreSQL, as the cluster, the Helm chart and a hospital run it (the rest of the suite runs HAPI on its
 * embedded H2): its schema and dialect, and how its writes reach the database. The outbox sends AuditEvents in
 * transactions of up to 100; each AuditEvent is about sixteen index rows, so sending them one INSERT per row
 * cost PostgreSQL ~1.5 ms of CPU per event, as multi-row INSERTs ~1.05 (docs/production.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import type { Bundle } from '@medplum/fhirtypes';
import { startHapi, type RunningHapi } from '../../scripts/lib/hapi-process.ts';
import { freePort } from '../../scripts/lib/net.ts';
import { fhirAccessAuditEvent } from '../../src/core/fhir/audit-event.ts';
import { auditBatchDeliveryHandler } from '../../src/store/audit-trail.ts';
import { createFhirClient } from '../../src/store/fhir-client.ts';
import { testEnvironment } from '../support/environment.ts';

const database = 'hapi_on_postgres';

describe('HAPI FHIR on PostgreSQL', function () {
  this.timeout(60_000);
  let hapi: RunningHapi | undefined;

  before(async function () {
    this.timeout(360_000);
    const { postgres, workDir } = testEnvironment();
    const url = new URL(await postgres.createDatabase(database));
    // Every statement of HAPI's connections to this database goes to the server log, where the test counts them.
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${database} SET log_statement = 'all'`);
    await admin.end();
    hapi = await startHapi({
      port: await freePort(),
      dataDir: join(workDir, 'hapi-on-postgres'),
      jdbcUrl: `jdbc:postgresql://${url.host}${url.pathname}`,
      jdbcUser: decodeURIComponent(url.username),
      logFile: join(workDir, 'hapi-on-postgres.log'),
    });
  });

  after(async () => {
    await hapi?.stop();
  });

  /** The statements PostgreSQL logged for HAPI while `action` ran. */
  async function statementsDuring(action: () => Promise<void>): Promise<string[]> {
    const { logFile } = testEnvironment().postgres;
    const start = readFileSync(logFile, 'utf8').length;
    await action();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the server writes its log asynchronously
    return readFileSync(logFile, 'utf8')
      .slice(start)
      .split('\n')
      .filter((line) => / LOG: {2}(execute|statement)\b/.test(line));
  }

  it('stores a batch of AuditEvents as the outbox sends it, index rows as multi-row INSERTs, and finds them', async () => {
    const patient = 'Patient/hapi-on-postgres-1';
    const events = Array.from({ length: 10 }, (_, i) =>
      fhirAccessAuditEvent({
        interaction: 'search-type',
        outcome: '0',
        actor: patient,
        accountId: '00000000-0000-4000-8000-000000000001',
        clientId: 'puente-web',
        patient,
        request: `GET /Observation?patient=hapi-on-postgres-1&_count=${i + 1}`,
        clientAddress: '127.0.0.1',
        portalName: 'Clínica Puente (test)',
      }),
    );
    const fhir = createFhirClient({ baseUrl: hapi!.baseUrl, timeoutMs: 30_000 });
    // The referenced Patient must exist: HAPI enforces referential integrity on write.
    await fhir.update({ resourceType: 'Patient', id: 'hapi-on-postgres-1', name: [{ family: 'Postgres' }] });

    const statements = await statementsDuring(async () => {
      expect(await auditBatchDeliveryHandler(fhir)(events)).to.deep.equal(events.map((e) => `AuditEvent/${e.id}`));
    });

    // Each event has about 7 token index rows (type, subtype, action, outcome, entity types, agent roles):
    // one statement per row would be 70 or more.
    const tokenInserts = statements.filter((line) => /insert into HFJ_SPIDX_TOKEN/i.test(line));
    expect(tokenInserts.length, 'INSERT statements into the token index').to.be.within(1, 10);
    expect(
      tokenInserts.some((line) => (line.match(/\),\(/g) ?? []).length >= 4),
      'a multi-row INSERT',
    ).to.equal(true);
    expect(statements.length, 'statements for the whole transaction').to.be.below(100);

    const found = (await (await fetch(`${hapi!.baseUrl}/AuditEvent?patient=${patient}&_count=50`, { headers: { accept: 'application/fhir+json' } })).json()) as Bundle;
    expect((found.entry ?? []).map((e) => e.resource!.id).sort()).to.deep.equal(events.map((e) => e.id).sort());
  });
});
