import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type { Queryable } from '../../../src/store/db.ts';
import { checkReadiness, coalesce, createReadinessCheck } from '../../../src/store/readiness.ts';

const base = 'http://hapi.test/fhir';

/** A store that counts its queries and answers (or fails) after `delayMs`. */
function fakeStore(options: { fail?: boolean; delayMs?: number } = {}): Queryable & { queries: number } {
  const store = {
    queries: 0,
    async query() {
      store.queries += 1;
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      if (options.fail) throw new Error('connection terminated');
      return { rows: [], rowCount: 0 } as never;
    },
    async exec() {},
  };
  return store;
}

const trimmedStatement = { resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' };

describe('readiness', () => {
  it('probes FHIR with the one-element CapabilityStatement, not the whole statement', async () => {
    const probe = nock(base).get('/metadata').query({ _elements: 'fhirVersion' }).matchHeader('accept', 'application/fhir+json').reply(200, trimmedStatement);
    expect(await checkReadiness({ db: fakeStore(), fhirBaseUrl: base, timeoutMs: 500 })).to.deep.equal({ ready: true, checks: { store: 'up', fhir: 'up' } });
    expect(probe.isDone()).to.equal(true);
  });

  it('names the FHIR server when it fails, answers something that is not FHIR, or cannot be reached', async () => {
    const db = fakeStore();
    const down = { ready: false, checks: { store: 'up', fhir: 'down' } };
    nock(base).get('/metadata').query(true).reply(503, { resourceType: 'OperationOutcome', issue: [] });
    expect(await checkReadiness({ db, fhirBaseUrl: base, timeoutMs: 500 }), '503').to.deep.equal(down);
    nock(base).get('/metadata').query(true).reply(200, '<html>proxy landing page</html>', { 'content-type': 'text/html' });
    expect(await checkReadiness({ db, fhirBaseUrl: base, timeoutMs: 500 }), 'not JSON').to.deep.equal(down);
    nock(base).get('/metadata').query(true).reply(200, { resourceType: 'OperationOutcome', issue: [] });
    expect(await checkReadiness({ db, fhirBaseUrl: base, timeoutMs: 500 }), 'not a CapabilityStatement').to.deep.equal(down);
    nock(base)
      .get('/metadata')
      .query(true)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await checkReadiness({ db, fhirBaseUrl: base, timeoutMs: 500 }), 'refused').to.deep.equal(down);
  });

  it('names the store when its query fails', async () => {
    nock(base).get('/metadata').query(true).reply(200, trimmedStatement);
    expect(await checkReadiness({ db: fakeStore({ fail: true }), fhirBaseUrl: base, timeoutMs: 500 })).to.deep.equal({ ready: false, checks: { store: 'down', fhir: 'up' } });
  });

  it('reads a FHIR server that accepts the request and never answers as down within its timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      const readiness = await checkReadiness({ db: fakeStore(), fhirBaseUrl: `http://127.0.0.1:${port}/fhir`, timeoutMs: 200 });
      expect(readiness.checks.fhir).to.equal('down');
      expect(Date.now() - started).to.be.lessThan(2000);
    } finally {
      nock.disableNetConnect();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('lets concurrent callers share one probe, and probes again once it has finished (no cache)', async () => {
    const db = fakeStore({ delayMs: 50 });
    const check = createReadinessCheck({ db, fhirBaseUrl: base, timeoutMs: 500 });
    const first = nock(base).get('/metadata').query(true).delay(50).reply(200, trimmedStatement);
    const answers = await Promise.all([check(), check(), check(), check()]);
    expect(first.isDone()).to.equal(true);
    expect(db.queries).to.equal(1);
    for (const answer of answers) expect(answer).to.deep.equal({ ready: true, checks: { store: 'up', fhir: 'up' } });

    // The next probe asks again and sees that HAPI has gone.
    const second = nock(base).get('/metadata').query(true).reply(503, '');
    expect(await check()).to.deep.equal({ ready: false, checks: { store: 'up', fhir: 'down' } });
    expect(second.isDone()).to.equal(true);
    expect(db.queries).to.equal(2);
  });

  it('coalesce: a failed run is shared by its callers and does not stick', async () => {
    let runs = 0;
    const shared = coalesce(async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (runs === 1) throw new Error('first run fails');
      return runs;
    });
    const failures = await Promise.allSettled([shared(), shared()]);
    expect(failures.map((f) => f.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await Promise.all([shared(), shared()])).to.deep.equal([2, 2]);
    expect(runs).to.equal(2);
  });
});
