/**
 * The FHIR facade's router over loopback HTTP for unit tests: a PGlite store with one active patient
 * account (Patient/p1) holding the access token `patient-token` for client `app` with the given scope,
 * and HAPI as an undici MockAgent (network refused). Tests call `base` with fetch.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { MockAgent } from 'undici';
import { createLogger } from '../../../src/core/log.ts';
import { createFhirFacade } from '../../../src/fhir/router.ts';
import { createUpstream } from '../../../src/fhir/upstream.ts';
import type { Db } from '../../../src/store/db.ts';
import { createGrantUsage } from '../../../src/store/grant-usage.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

export const fhirBase = 'https://portal.example/fhir';
export const hapi = 'http://hapi.test';

export interface FacadeHarness {
  readonly db: Db;
  readonly agent: MockAgent;
  /** The facade's base on loopback (`http://127.0.0.1:<port>/fhir`). */
  readonly base: string;
  /** GET `path` (below the base) with the patient's token: the status and the parsed body. */
  get(path: string): Promise<{ status: number; body: Bundle & Pick<OperationOutcome, 'issue'> }>;
  /** The paths of HAPI interceptors not yet called (empty once HAPI was asked exactly what the test set up). */
  pending(): unknown[];
  close(): Promise<void>;
}

/** `Type/id` of each entry of a Bundle, in order. */
export const entryIds = (bundle: Bundle): string[] => (bundle.entry ?? []).map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);

/** `wrapDb` lets a test watch the facade's store calls (the token's own rows are written unwrapped). */
export async function startFacadeHarness(options: { scope: string; wrapDb?: (db: Db) => Db }): Promise<FacadeHarness> {
  const db = await migratedMemoryStore();
  const accountId = (
    await db.query<{ id: string }>(
      "INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ('patient', 'p@example.org', 'active', 'Patient/p1', 'Patient/p1') RETURNING id",
    )
  ).rows[0]!.id;
  const exp = Math.floor(Date.now() / 1000) + 600;
  await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', 'app', '{}')");
  await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('Grant', 'g1', $1, NULL)", [JSON.stringify({ accountId, clientId: 'app' })]);
  await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', 'patient-token', $1, 'g1')", [
    JSON.stringify({ accountId, clientId: 'app', grantId: 'g1', aud: fhirBase, scope: options.scope, extra: { patient: 'p1' }, exp }),
  ]);
  const agent = new MockAgent();
  agent.disableNetConnect();
  const app = express();
  app.use(
    '/fhir',
    createFhirFacade({
      db: options.wrapDb ? options.wrapDb(db) : db,
      fhirBase,
      upstreamBase: `${hapi}/fhir`,
      publicUrl: new URL('https://portal.example'),
      upstream: createUpstream({ timeoutMs: 2000, dispatcher: agent }),
      cursorSecret: 'k'.repeat(40),
      portalName: 'Clinic',
      log: createLogger('silent'),
      grantUsage: createGrantUsage(db),
      registration: false,
      timeZone: 'America/Chicago',
    }).router,
  );
  // The facade is called over loopback; HAPI stays a mock.
  nock.enableNetConnect('127.0.0.1');
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    db,
    agent,
    base,
    async get(path) {
      const response = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer patient-token', accept: 'application/fhir+json' } });
      return { status: response.status, body: (await response.json()) as Bundle & Pick<OperationOutcome, 'issue'> };
    },
    pending: () => agent.pendingInterceptors().map((interceptor) => interceptor.path),
    async close() {
      nock.disableNetConnect();
      server.close();
      await agent.close();
      await db.close();
    },
  };
}
