import { expect } from 'chai';
import { MockAgent } from 'undici';
import { AppError, SignInRequired } from '../../../src/core/errors.ts';
import { createRecordClient, type InProcessFacade } from '../../../src/record/record-client.ts';

const fhirBase = 'https://portal.example/fhir';

/** A facade in this process that answers from a table of "path?query" → [status, resource], and notes what it was asked. */
function facadeAnswering(answers: Record<string, [number, unknown?]>): { facade: InProcessFacade; asked: { path: string; rawQuery: string; authorization: string }[] } {
  const asked: { path: string; rawQuery: string; authorization: string }[] = [];
  const facade: InProcessFacade = async (request) => {
    asked.push({ ...request });
    const [status, resource] = answers[`${request.path}?${request.rawQuery}`] ?? [404];
    return resource === undefined ? { status } : { status, resource };
  };
  return { facade, asked };
}

describe('record client', () => {
  // Any HTTP request fails the test: with a facade in this process, none may be made.
  const noHttp = new MockAgent();
  noHttp.disableNetConnect();
  const client = (inProcess: InProcessFacade, onUnauthorized?: () => Promise<void>) =>
    createRecordClient({ fhirBase, accessToken: 'tok-1', patient: 'p1', timeoutMs: 1000, dispatcher: noHttp, inProcess, ...(onUnauthorized ? { onUnauthorized } : {}) });

  it('hands reads and searches, cursor pages included, to the facade of this process with the token, never over HTTP', async () => {
    const cursor = `${fhirBase}?_cursor=abc.def`;
    const { facade, asked } = facadeAnswering({
      '/Patient/p1?': [200, { resourceType: 'Patient', id: 'p1' }],
      '/Immunization?patient=p1&_count=100': [
        200,
        { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Immunization', id: 'i1' } }], link: [{ relation: 'next', url: cursor }] },
      ],
      '/?_cursor=abc.def': [200, { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Immunization', id: 'i2' } }] }],
    });
    const record = client(facade);
    expect((await record.read('Patient/p1')).id).to.equal('p1');
    const found = await record.search('Immunization?patient=p1&_count=100');
    expect(found.matches.map((m) => m.id)).to.deep.equal(['i1', 'i2']);
    expect(found.complete).to.equal(true);
    expect(asked.map((a) => `${a.path}?${a.rawQuery}`)).to.deep.equal(['/Patient/p1?', '/Immunization?patient=p1&_count=100', '/?_cursor=abc.def']);
    expect(new Set(asked.map((a) => a.authorization))).to.deep.equal(new Set(['Bearer tok-1']));
  });

  it('answers the facade’s refusals as the HTTP path does: 401 ends the session, 403 is an empty search, 404 not found, the rest unavailable', async () => {
    let ended = 0;
    const { facade } = facadeAnswering({ '/Patient/gone?': [401], '/Observation?patient=p1': [403], '/Condition?patient=p1': [503] });
    const record = client(facade, async () => {
      ended++;
    });
    let error: unknown = await record.read('Patient/gone').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SignInRequired);
    expect(ended).to.equal(1);
    expect(await record.search('Observation?patient=p1')).to.deep.equal({ matches: [], included: [], complete: true });
    error = await record.read('Patient/missing').catch((e: unknown) => e);
    expect((error as AppError).code).to.equal('fhir_not_found');
    error = await record.search('Condition?patient=p1').catch((e: unknown) => e);
    expect((error as AppError).code).to.equal('fhir_unavailable');
  });

  it('turns a facade that throws into “record unavailable”, never an error page with its details', async () => {
    const record = client(async () => {
      throw new Error('store connection lost: secret detail');
    });
    const error = await record.read('Patient/p1').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).code).to.equal('fhir_unavailable');
    expect((error as AppError).status).to.equal(503);
  });

  it('gives up on a facade that does not answer within the timeout, as it would over HTTP', async () => {
    const record = createRecordClient({
      fhirBase,
      accessToken: 'tok-1',
      patient: 'p1',
      timeoutMs: 50,
      dispatcher: noHttp,
      inProcess: () => new Promise(() => undefined),
    });
    const error = await record.read('Patient/p1').catch((e: unknown) => e);
    expect((error as AppError).code).to.equal('fhir_unavailable');
  });

  it('goes over HTTP when no facade runs in this process', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://portal.example')
      .intercept({ path: '/fhir/Patient/p1', method: 'GET', headers: { authorization: 'Bearer tok-1' } })
      .reply(200, { resourceType: 'Patient', id: 'p1' });
    const record = createRecordClient({ fhirBase, accessToken: 'tok-1', patient: 'p1', timeoutMs: 1000, dispatcher: agent });
    expect((await record.read('Patient/p1')).id).to.equal('p1');
    agent.assertNoPendingInterceptors();
  });
});
