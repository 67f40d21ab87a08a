import { expect } from 'chai';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard } from '../support/onboard.ts';
import { totpCodes } from '../support/seed.ts';

describe('patients can turn on an authenticator-app second factor', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal.stop());

  async function signIn(fields: Record<string, string>, browser = new HttpClient(portal.url)) {
    const form = await browser.get('/auth/login');
    return browser.submit(formAction(form.body, /^\/interaction\//), fields);
  }

  it('asks for a code once it is on, refuses a missing, wrong or reused code the same way, and can be turned off', async () => {
    const person = await onboard(portal.ctx, portal.smtp);
    const factors = { email: person.email, password: person.password, birthDate: person.patient.birthDate };
    const browser = new HttpClient(portal.url);
    await signIn(factors, browser);

    const page = await browser.get('/account/security');
    expect(page.body).to.include('La verificación en dos pasos está desactivada');
    const proposal = await browser.submit('/account/security/start', {});
    const secret = /<code>([A-Z2-7]{32})<\/code>/.exec(proposal.body)![1]!;
    expect(proposal.body).to.include('<svg');
    const wrong = await browser.submit('/account/security/confirm', { code: '000000' });
    expect(wrong.status).to.equal(422);
    expect(wrong.body).to.include(secret);
    const codes = totpCodes(secret);
    const enabled = await browser.submit('/account/security/confirm', { code: codes() });
    expect(enabled.body).to.include('La verificación en dos pasos ya está activada');

    const failure = 'No pudimos iniciar su sesión con esos datos';
    expect((await signIn(factors)).body, 'no code').to.include(failure);
    expect((await signIn({ ...factors, code: '123456' })).body, 'wrong code').to.include(failure);
    const code = codes();
    expect((await signIn({ ...factors, code })).body).to.include('Hola,');
    expect((await signIn({ ...factors, code })).body, 'a code works once').to.include(failure);

    await browser.get('/account/security');
    expect((await browser.submit('/account/security/disable', {})).body).to.include('ya está desactivada');
    expect((await signIn(factors)).body).to.include('Hola,');
  });
});
