import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createFhirClient, FhirError } from '../../../src/store/fhir-client.ts';

const base = 'http://hapi.test/fhir';

async function failure(promise: Promise<unknown>): Promise<FhirError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(FhirError);
    return error as FhirError;
  }
  throw new Error('expected a failure');
}

describe('FHIR system client', () => {
  const client = createFhirClient({ baseUrl: base, timeoutMs: 200 });

  it('reads a resource', async () => {
    nock(base).get('/Patient/p1').reply(200, { resourceType: 'Patient', id: 'p1' });
    expect(await client.read('Patient', 'p1')).to.deep.equal({ resourceType: 'Patient', id: 'p1' });
  });

  it('maps 404 and 410 to fhir_not_found, keeping the diagnostics off the message', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Resource Patient/secret-id is not known' }] };
    nock(base).get('/Patient/p2').reply(404, outcome);
    const error = await failure(client.read('Patient', 'p2'));
    expect(error).to.include({ code: 'fhir_not_found', status: 404, upstreamStatus: 404 });
    expect(error.message).to.equal('fhir_not_found');
    expect(error.outcome).to.deep.equal(outcome);
  });

  it('maps 4xx to fhir_rejected, 412 to fhir_conflict and 5xx to fhir_error or fhir_unavailable', async () => {
    nock(base).post('/Patient').reply(422, { resourceType: 'OperationOutcome', issue: [] });
    expect(await failure(client.create({ resourceType: 'Patient' }))).to.include({ code: 'fhir_rejected', status: 422 });
    nock(base).put('/Patient/p3').reply(412, {});
    expect(await failure(client.update({ resourceType: 'Patient', id: 'p3' }))).to.include({ code: 'fhir_conflict' });
    nock(base).get('/Patient/p4').reply(500, 'java.lang.NullPointerException at ...');
    expect(await failure(client.read('Patient', 'p4'))).to.include({ code: 'fhir_error', status: 502 });
    nock(base).get('/Patient/p5').reply(503, '');
    expect(await failure(client.read('Patient', 'p5'))).to.include({ code: 'fhir_unavailable', status: 503 });
  });

  it('gives up after its timeout instead of hanging', async () => {
    // A loopback server that accepts the request and never answers (nock's delay does not model an abort).
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const { port } = silent.address() as AddressInfo;
      const slowClient = createFhirClient({ baseUrl: `http://127.0.0.1:${port}/fhir`, timeoutMs: 200 });
      const error = await failure(slowClient.read('Patient', 'slow'));
      expect(error).to.include({ code: 'fhir_timeout', status: 504 });
    } finally {
      nock.disableNetConnect();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('reports an unreachable server as fhir_unavailable', async () => {
    nock(base)
      .get('/metadata')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await failure(client.capabilities())).to.include({ code: 'fhir_unavailable', status: 503 });
  });

  it('sends search parameters, repeated ones included', async () => {
    nock(base)
      .get('/Observation')
      .query({ subject: 'Patient/p1', code: ['a', 'b'] })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
    const bundle = await client.search('Observation', { subject: 'Patient/p1', code: ['a', 'b'] });
    expect(bundle.type).to.equal('searchset');
  });
});
