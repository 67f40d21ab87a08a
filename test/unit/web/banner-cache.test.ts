import { expect } from 'chai';
import type { Request, Response } from 'express';
import { MockAgent } from 'undici';
import { SignInRequired } from '../../../src/core/errors.ts';
import type { SessionManager } from '../../../src/http/session.ts';
import type { WebSession } from '../../../src/store/web-sessions.ts';
import { createBannerCache } from '../../../src/web/banner-cache.ts';
import { withRecord, type RecordPageDeps } from '../../../src/web/record-page-context.ts';
import type { WebClient } from '../../../src/web/web-client.ts';

/**
 * The record pages' banner kept for a minute (src/web/banner-cache.ts): a page reads the Patient only when no
 * banner is kept, and a kept one is shown only after the page's own data came back from the facade.
 */
describe('the record pages’ kept banner', () => {
  it('keeps a banner per patient and proxy for its time, and lets the oldest go when full', () => {
    let now = 0;
    const cache = createBannerCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    cache.set('p1', undefined, { name: 'Ana', birthDate: '1990-01-01' });
    cache.set('p1', 'RelatedPerson/r1', { name: 'Ana', birthDate: '1990-01-01', proxyName: 'Luis' });
    expect(cache.get('p1', undefined)?.name).to.equal('Ana');
    expect(cache.get('p1', 'RelatedPerson/r1')?.proxyName).to.equal('Luis');
    expect(cache.get('p1', 'RelatedPerson/r2'), 'another proxy').to.equal(undefined);
    expect(cache.get('p2', undefined), 'another patient').to.equal(undefined);
    cache.set('p3', undefined, { name: 'Eva', birthDate: undefined });
    expect(cache.get('p1', undefined), 'the oldest let go').to.equal(undefined);
    now = 1000;
    expect(cache.get('p3', undefined), 'expired').to.equal(undefined);
  });

  describe('withRecord (the facade as undici’s MockAgent)', () => {
    const fhirBase = 'https://portal.test/fhir';
    const tokens = { accessToken: 'at', refreshToken: undefined, expiresAt: Date.now() + 3600_000, patient: 'p1', accountId: 'a1', fhirUser: 'Patient/p1' };
    const session: WebSession = { idHash: Buffer.from('h'), accountId: 'a1', surface: 'patient', data: { tokens } };
    let agent: MockAgent;
    let deps: RecordPageDeps;
    let ended = 0;
    beforeEach(() => {
      agent = new MockAgent();
      agent.disableNetConnect();
      const sessions: SessionManager = {
        load: async () => session,
        start: async () => undefined,
        save: async () => undefined,
        end: async () => {
          ended++;
        },
      };
      deps = {
        practice: { name: 'Clinic', phone: '+1 555 0100', timeZone: 'America/Chicago' } as RecordPageDeps['practice'],
        sessions,
        webClient: {} as WebClient,
        fhirBase,
        timeoutMs: 1000,
        http: agent,
        banners: createBannerCache(),
      };
    });
    afterEach(() => agent.close());

    const req = { locale: 'en', t: (key: string) => key } as unknown as Request;
    const res = {} as Response;
    const facade = () => agent.get('https://portal.test');
    const patientRead = () =>
      facade()
        .intercept({ path: '/fhir/Patient/p1', method: 'GET' })
        .reply(200, { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ana'], family: 'Ruiz' }], birthDate: '1990-01-01' });
    const conditions = (status = 200) =>
      facade()
        .intercept({ path: '/fhir/Condition?patient=p1', method: 'GET' })
        .reply(status, status === 200 ? { resourceType: 'Bundle', type: 'searchset', entry: [] } : { resourceType: 'OperationOutcome', issue: [] });
    const problems = (ctx: { record: { search: (path: string) => Promise<unknown> } }) => ctx.record.search('Condition?patient=p1');
    const pending = () => agent.pendingInterceptors().map((interceptor) => interceptor.path);

    it('reads the Patient for the first page, and not for the next one: the banner is kept', async () => {
      patientRead();
      conditions();
      const first = await withRecord(req, res, deps, problems);
      expect(first.patient).to.deep.equal({ name: 'Ana Ruiz', birthDate: '1990-01-01' });
      expect(pending()).to.deep.equal([]);
      conditions();
      // No Patient read is set up: asking for it would fail the page.
      const second = await withRecord(req, res, deps, problems);
      expect(second.patient).to.deep.equal(first.patient);
      expect(pending()).to.deep.equal([]);
    });

    it('reads the Patient again when the page asked the facade nothing (nothing showed the token still reaches the patient)', async () => {
      deps.banners!.set('p1', undefined, { name: 'Kept', birthDate: undefined });
      patientRead();
      const page = await withRecord(req, res, deps, async () => undefined);
      expect(page.patient.name).to.equal('Ana Ruiz');
      expect(pending()).to.deep.equal([]);
    });

    it('shows no kept banner when the facade refuses the token: the visitor is asked to sign in', async () => {
      deps.banners!.set('p1', undefined, { name: 'Kept', birthDate: undefined });
      conditions(401);
      const outcome = await withRecord(req, res, deps, problems).catch((error: unknown) => error);
      expect(outcome).to.be.instanceOf(SignInRequired);
      expect(ended).to.be.greaterThan(0);
    });
  });
});
