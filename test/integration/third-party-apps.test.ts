import { expect } from 'chai';
import { signInToAuthorize } from '../support/oauth.ts';
import type { Bundle } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedStaff } from '../support/seed.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';

const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const redirectUri = 'http://127.0.0.1:9/callback';

describe('third-party apps: staff registration, consent in plain words, connected apps and revocation', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let record: ClinicalRecord;
  let client: { id: string; secret: string };

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    record = await seedClinicalRecord(portal.ctx, person.patient.id, 'APPS');
    const admin = await seedStaff(portal.ctx, { admin: true });
    const staff = new HttpClient(portal.url, 'en');
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: admin.email, password: admin.password, code: admin.code() });
    await staff.get('/staff/apps');
    const registered = await staff.submit('/staff/apps', { name: 'Diabetes Diary', redirects: redirectUri, kind: 'confidential-secret' });
    client = {
      id: /Client id: ([0-9a-f-]{36})/.exec(registered.body)![1]!,
      secret: /shown only once\): ([A-Za-z0-9_-]+)/.exec(registered.body)![1]!,
    };
  });
  after(() => portal.stop());

  /** Starts an authorization request as the app, signs in as the patient, and stops at the consent screen. */
  async function toConsent(scope: string): Promise<{ browser: HttpClient; page: PageResponse; verifier: string }> {
    return signInToAuthorize(portal, person, { client_id: client.id, redirect_uri: redirectUri, scope, state: 'xyz' });
  }

  /** Posts the consent form and follows redirects until the one that goes back to the app. */
  async function decide(browser: HttpClient, page: PageResponse, fields: [string, string][]): Promise<URL> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new URLSearchParams([['_csrf', csrf], ...fields]);
    let answer = await browser.request('POST', formAction(page.body, /\/consent$/), body);
    while (answer.location && !answer.location.startsWith(redirectUri)) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
    return new URL(answer.location!);
  }

  async function exchange(code: string, verifier: string) {
    const response = await fetch(`${portal.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    return (await response.json()) as { access_token: string; scope: string; refresh_token?: string; patient?: string };
  }

  it('explains the request in plain words and lets the patient grant less than asked; the token says what was granted', async () => {
    const { browser, page, verifier } = await toConsent('openid fhirUser launch/patient patient/*.rs offline_access');
    expect(page.body).to.include('Diabetes Diary quiere usar su historia clínica');
    expect(page.body).to.include('Todo lo que hay en su historia, incluidos los tipos de información que se agreguen en el futuro');
    expect(page.body).to.include('pide mantener el acceso');
    expect(page.body).to.include('Resultados de laboratorio');
    expect(page.body).to.include('Lista de problemas');

    const back = await decide(browser, page, [
      ['decision', 'allow'],
      ['scope', `patient/Observation.rs?category=${lab}`],
      ['scope', 'patient/Patient.rs'],
    ]);
    expect(back.searchParams.get('state')).to.equal('xyz');
    const tokens = await exchange(back.searchParams.get('code')!, verifier);
    expect(tokens.scope.split(' ')).to.include.members([`patient/Observation.rs?category=${lab}`, 'patient/Patient.rs', 'launch/patient']);
    expect(tokens.scope.split(' ')).not.to.include.members(['patient/*.rs']);
    expect(tokens.scope.split(' '), 'offline access was unticked').not.to.include('offline_access');
    expect(tokens.refresh_token).to.equal(undefined);
    expect(tokens.patient).to.equal(person.patient.id);

    const headers = { authorization: `Bearer ${tokens.access_token}` };
    const observations = (await (await fetch(`${portal.url}/fhir/Observation`, { headers })).json()) as Bundle;
    expect(observations.entry?.map((e) => e.resource?.id)).to.deep.equal([record.ids['lab']]);
    expect((await fetch(`${portal.url}/fhir/Condition`, { headers })).status).to.equal(403);

    // Connected apps: the app, what it sees in words, its last use; revoking it ends access on the next request.
    const portalBrowser = new HttpClient(portal.url);
    const signIn = await portalBrowser.get('/auth/login?next=/account/apps');
    const apps = await portalBrowser.submit(formAction(signIn.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(apps.body).to.include('Diabetes Diary');
    expect(apps.body).to.include('Resultados de pruebas, signos vitales y otras mediciones — Resultados de laboratorio');
    expect(apps.body).to.include('Último uso');
    const revoked = await portalBrowser.submit(formAction(apps.body, /\/revoke$/), {});
    expect(revoked.body).to.include('Se desconectó Diabetes Diary');
    expect(revoked.body).to.include('No hay aplicaciones conectadas');
    expect((await fetch(`${portal.url}/fhir/Observation`, { headers })).status).to.equal(401);
  });

  it('sends access_denied back to the app when the patient says no, and no code', async () => {
    const { browser, page } = await toConsent('openid launch/patient patient/*.rs');
    const back = await decide(browser, page, [['decision', 'deny']]);
    expect(back.searchParams.get('error')).to.equal('access_denied');
    expect(back.searchParams.has('code')).to.equal(false);
  });

  it('refuses a granted scope that was never requested (no widening through the form)', async () => {
    const { browser, page, verifier } = await toConsent('openid launch/patient patient/Observation.rs');
    const back = await decide(browser, page, [
      ['decision', 'allow'],
      ['scope', 'patient/Observation.rs'],
      ['scope', 'patient/Condition.rs'],
      ['scope', 'patient/*.rs'],
    ]);
    const tokens = await exchange(back.searchParams.get('code')!, verifier);
    expect(tokens.scope.split(' ').filter((s) => s.startsWith('patient/'))).to.deep.equal(['patient/Observation.rs']);
  });
});
