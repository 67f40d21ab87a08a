import { expect } from 'chai';
import { MockAgent } from 'undici';
import { createUpstream } from '../../../src/fhir/upstream.ts';
import { createHttpPool } from '../../../src/store/http-pool.ts';
import { FacadeError } from '../../../src/fhir/facade-error.ts';

const hapi = 'http://hapi.test';

describe('the facade’s upstream client (src/fhir/upstream.ts)', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(() => agent.close());

  const answer = (status: number, body: string | object, delayMs?: number) => {
    const scope = agent.get(hapi).intercept({ path: '/fhir/Patient/p1', method: 'GET' }).reply(status, body);
    if (delayMs) scope.delay(delayMs);
  };
  const refusal = async (promise: Promise<unknown>): Promise<FacadeError> => {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(FacadeError);
      return error as FacadeError;
    }
    throw new Error('expected a refusal');
  };
  const get = (timeoutMs = 2000) => createUpstream({ timeoutMs, dispatcher: agent }).get(`${hapi}/fhir/Patient/p1`);

  it('returns the JSON resource, asking with the allow-listed headers only', async () => {
    agent
      .get(hapi)
      .intercept({
        path: '/fhir/Patient/p1',
        method: 'GET',
        headers: { accept: 'application/fhir+json', prefer: 'handling=strict', 'cache-control': 'no-cache', 'accept-encoding': 'identity' },
      })
      .reply(200, { resourceType: 'Patient', id: 'p1' });
    expect(await get()).to.deep.equal({ resourceType: 'Patient', id: 'p1' });
  });

  it('answers a missing or deleted resource with the uniform 404', async () => {
    answer(404, { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'HAPI-2001: Resource Patient/p1 is not known' }] });
    const missing = await refusal(get());
    expect(missing).to.include({ status: 404, key: 'facade.not_found' });
    expect(missing.textIn('en')).to.equal('Resource not found.');
    answer(410, { resourceType: 'OperationOutcome' });
    expect(await refusal(get())).to.include({ status: 404, key: 'facade.not_found' });
  });

  it('answers a search HAPI refused with our own 400 text, never HAPI’s diagnostics', async () => {
    answer(400, { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'HAPI-0000: Unknown search parameter' }] });
    const error = await refusal(get());
    expect(error).to.include({ status: 400, key: 'facade.upstream_search_refused' });
    expect(error.textIn('en')).to.equal('The health record server could not run this search.');
    expect(error.textIn('es')).to.equal('El servidor de la historia clínica no pudo realizar esta búsqueda.');
  });

  it('fails closed with 503 on a server error, a body that is not JSON, a timeout and a refused connection', async () => {
    answer(500, 'boom');
    expect(await refusal(get())).to.include({ status: 503 });
    answer(200, '<html>not json</html>');
    expect(await refusal(get())).to.include({ status: 503 });
    answer(200, { resourceType: 'Patient', id: 'p1' }, 500);
    expect(await refusal(get(50))).to.include({ status: 503 });
    const pool = createHttpPool({ timeoutMs: 500 });
    try {
      expect(await refusal(createUpstream({ timeoutMs: 500, dispatcher: pool }).get('http://127.0.0.1:9/fhir/Patient/p1'))).to.include({ status: 503 });
    } finally {
      await pool.close();
    }
  });
});
