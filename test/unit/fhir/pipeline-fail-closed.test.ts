import { expect } from 'chai';
import type Provider from 'oidc-provider';
import { openPglite } from '../../../src/store/pglite-db.ts';
import { migrate } from '../../../src/store/migrate.ts';
import type { Db } from '../../../src/store/db.ts';
import { createCursorCodec } from '../../../src/fhir/cursors.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';
import { runFacade } from '../../../src/fhir/pipeline.ts';

const fhirBase = 'https://portal.example/fhir';

describe('facade pipeline: tokens without a patient context', () => {
  let db: Db;
  let accountId: string;
  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    accountId = (await db.query<{ id: string }>("INSERT INTO accounts (kind, email, status, fhir_user) VALUES ('staff', 's@clinic.example', 'active', 'Practitioner/p1') RETURNING id")).rows[0]!.id;
  });
  after(() => db.close());

  // An authorization server that knows one live token for this audience, with no `patient` in it.
  const provider = {
    AccessToken: { find: async () => ({ accountId, aud: fhirBase, grantId: 'g1', extra: {}, scope: 'patient/*.rs', clientId: 'app', isExpired: false }) },
    Grant: { find: async () => ({ grantId: 'g1' }) },
  } as unknown as Provider;

  it('refuses before asking the FHIR server (security model 7: fail closed)', async () => {
    const deps = { provider, db, fhirBase, upstreamBase: 'http://127.0.0.1:9/fhir', timeoutMs: 100, cursors: createCursorCodec('k'.repeat(40)) };
    let error: unknown;
    try {
      await runFacade(deps, { method: 'GET', path: '/Patient/p1', rawQuery: '', authorization: 'Bearer live-token' });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(FacadeError);
    expect(error).to.include({ status: 403, text: 'This token has no patient context.' });
  });
});
