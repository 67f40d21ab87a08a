import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedPatient, seedStaff } from '../support/seed.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { authorizationCode, webClientToken } from '../support/oauth.ts';
import { findStaffByEmail } from '../../src/store/accounts.ts';

const redirectUri = 'http://127.0.0.1:9/callback';
const launchUrl = 'http://127.0.0.1:9/launch';

interface TokenResponse {
  access_token?: string;
  id_token?: string;
  scope?: string;
  patient?: string;
  need_patient_banner?: boolean;
  smart_style_url?: string;
  error?: string;
}

/**
 * SMART App Launch 2.2 "EHR launch" from the staff console, with user/ scopes (issue #4): staff open a
 * registered app for a patient; the app authorizes with `launch`; the token carries that patient, a
 * banner and the portal's style; user/ scopes reach any patient of the practice, audited with the
 * staff Practitioner as agent.
 */
describe('EHR launch from the staff console, and user/ scopes for staff', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  let staff: Awaited<ReturnType<typeof seedStaff>>;
  let practitioner: string;
  let desk: HttpClient;
  let app: { id: string; secret: string };
  let otherApp: { id: string; secret: string };
  let patientA: string;
  let recordB: ClinicalRecord;
  let patientB: string;
  let person: Onboarded;

  async function register(name: string, withLaunch: boolean, userScopes = withLaunch ? 'user/Observation.rs' : ''): Promise<{ id: string; secret: string }> {
    await desk.get('/staff/apps');
    const page = await desk.submit('/staff/apps', {
      name,
      redirects: redirectUri,
      kind: 'confidential-secret',
      ...(withLaunch ? { launchUrl } : {}),
      ...(userScopes ? { userScopes } : {}),
    });
    return { id: /Client id: ([0-9a-f-]{36})/.exec(page.body)![1]!, secret: /shown only once\): ([A-Za-z0-9_-]+)/.exec(page.body)![1]! };
  }

  before(async () => {
    portal = await startPortal();
    staff = await seedStaff(portal.ctx, { admin: true });
    practitioner = (await findStaffByEmail(portal.ctx.db, staff.email))!.fhir_user!;
    desk = new HttpClient(portal.url, 'en');
    await desk.get('/staff/login');
    await desk.submit('/staff/login', { email: staff.email, password: staff.password, code: staff.code() });
    app = await register('Clinic Growth Charts', true);
    otherApp = await register('Other Launchable App', true);
    await register('No Launch App', false);
    patientA = (await seedPatient(portal.ctx)).id;
    await seedClinicalRecord(portal.ctx, patientA, 'EHRA');
    patientB = (await seedPatient(portal.ctx)).id;
    recordB = await seedClinicalRecord(portal.ctx, patientB, 'EHRB');
    person = await onboard(portal.ctx, portal.smtp);
  });
  after(() => portal.stop());

  /** Staff press "Open the app" on a patient's page; returns the launch URL the browser is sent to. */
  async function launchFromConsole(patient: string, clientId: string): Promise<URL> {
    const page = await desk.get(`/staff/patients/${patient}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const answer = await desk.request('POST', formAction(page.body, /\/launch$/), new URLSearchParams({ _csrf: csrf, app: clientId }));
    expect(answer.status).to.equal(303);
    expect(answer.headers.get('content-security-policy')).to.include("form-action 'self' http://127.0.0.1:9");
    return new URL(answer.location!);
  }

  /** The app's authorization request, followed in `browser` until the redirect back to the app (or a page). */
  async function authorize(browser: HttpClient, clientId: string, fields: Record<string, string>): Promise<{ back?: URL; page: PageResponse; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'launch openid fhirUser user/Observation.rs patient/Patient.rs',
      state: 'ehr-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      aud: `${portal.url}/fhir`,
      ...fields,
    });
    let page = await browser.request('GET', `/oidc/auth?${query}`);
    while (page.location && !page.location.startsWith(redirectUri)) page = await browser.request('GET', new URL(page.location, page.url).toString());
    return { ...(page.location ? { back: new URL(page.location) } : {}), page, verifier };
  }

  async function exchange(client: { id: string; secret: string }, code: string, verifier: string): Promise<TokenResponse> {
    const response = await fetch(`${portal.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    return (await response.json()) as TokenResponse;
  }

  it('opens the app with iss and launch, and the token carries the patient, a banner, the portal style and the Practitioner', async () => {
    const patientPage = await desk.get(`/staff/patients/${patientA}`);
    expect(patientPage.body).to.include('Open an app for this patient');
    expect(patientPage.body).to.include('Clinic Growth Charts');
    expect(patientPage.body, 'apps without a launch URL are not offered').not.to.include('No Launch App');

    const launched = await launchFromConsole(patientA, app.id);
    expect(launched.origin + launched.pathname).to.equal(launchUrl);
    expect(launched.searchParams.get('iss')).to.equal(`${portal.url}/fhir`);
    const launch = launched.searchParams.get('launch')!;
    expect(launch).to.match(/^[A-Za-z0-9_-]{43}$/);
    const stored = await portal.ctx.db.query<{ id_hash: Buffer }>('SELECT id_hash FROM ehr_launches');
    expect(
      stored.rows.some((r) => Buffer.from(r.id_hash).equals(createHash('sha256').update(`ehr-launch:${launch}`).digest())),
      'stored hashed',
    ).to.equal(true);
    expect(JSON.stringify(stored.rows)).not.to.include(launch);

    // The staff console session signs the staff member in to the authorization server: no second sign-in.
    const { back, verifier } = await authorize(desk, app.id, { launch });
    expect(back?.searchParams.get('state')).to.equal('ehr-state');
    const tokens = await exchange(app, back!.searchParams.get('code')!, verifier);
    expect(tokens.patient).to.equal(patientA);
    expect(tokens.need_patient_banner).to.equal(true);
    expect(tokens.smart_style_url).to.equal(`${portal.url}/assets/smart-style.json`);
    expect(tokens.scope!.split(' ')).to.include.members(['launch', 'openid', 'fhirUser', 'user/Observation.rs', 'patient/Patient.rs']);
    const idToken = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idToken['fhirUser']).to.equal(`${portal.url}/fhir/${practitioner}`);

    const style = await fetch(tokens.smart_style_url!, { headers: { origin: 'http://127.0.0.1:9' } });
    expect(style.status).to.equal(200);
    expect(style.headers.get('access-control-allow-origin')).to.equal('*');
    expect(await style.json()).to.include({ color_background: '#f6f7f9', color_error: '#a4161a', color_highlight: '#0b57a4', color_text: '#1b1f23', dim_border_radius: '6px' });

    // user/ scopes: any patient of the practice, within the scope; patient/ scopes: the launch patient only.
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    const observations = (await (await fetch(`${portal.url}/fhir/Observation?patient=${patientB}`, { headers })).json()) as Bundle;
    expect(observations.entry?.map((e) => e.resource?.id).sort()).to.deep.equal([recordB.ids['lab'], recordB.ids['vital']].sort());
    expect((await fetch(`${portal.url}/fhir/Observation/${recordB.ids['lab']}`, { headers })).status).to.equal(200);
    expect((await fetch(`${portal.url}/fhir/Condition?patient=${patientB}`, { headers })).status, 'Condition is not in the scopes').to.equal(403);
    expect((await fetch(`${portal.url}/fhir/Patient/${patientA}`, { headers })).status).to.equal(200);
    expect((await fetch(`${portal.url}/fhir/Patient/${patientB}`, { headers })).status, 'patient/Patient.rs is the launch patient’s only').to.equal(404);

    // Every access is audited with the staff member as the agent and the patient whose data it was.
    const audit = await portal.ctx.db.query<{ resource: AuditEvent }>("SELECT resource FROM audit_events WHERE resource->'type'->>'code' = 'rest' ORDER BY recorded_at");
    const search = audit.rows
      .map((r) => r.resource)
      .find((e) =>
        Buffer.from(e.entity?.find((x) => x.query)?.query ?? '', 'base64')
          .toString()
          .includes(`Observation?patient=${patientB}`),
      )!;
    expect(search.agent.find((a) => a.requestor)?.who?.reference).to.equal(practitioner);
    expect(search.entity?.find((e) => e.what)?.what?.reference).to.equal(`Patient/${patientB}`);
    expect(search.outcome).to.equal('0');
  });

  it('refuses a launch that is unknown, already used, expired or made for another app, with an OAuth error and no code', async () => {
    const refusal = async (clientId: string, fields: Record<string, string>) => {
      const { back } = await authorize(desk, clientId, fields);
      expect(back, 'redirected back to the app').to.not.equal(undefined);
      expect(back!.searchParams.has('code')).to.equal(false);
      expect(back!.searchParams.get('state')).to.equal('ehr-state');
      return back!.searchParams.get('error');
    };
    expect(await refusal(app.id, { launch: randomBytes(32).toString('base64url') }), 'unknown').to.equal('invalid_request');

    const once = (await launchFromConsole(patientA, app.id)).searchParams.get('launch')!;
    expect((await authorize(desk, app.id, { launch: once })).back?.searchParams.has('code')).to.equal(true);
    expect(await refusal(app.id, { launch: once }), 'already used').to.equal('invalid_request');

    const stale = (await launchFromConsole(patientA, app.id)).searchParams.get('launch')!;
    await portal.ctx.db.query("UPDATE ehr_launches SET expires_at = now() - interval '1 second' WHERE id_hash = $1", [createHash('sha256').update(`ehr-launch:${stale}`).digest()]);
    expect(await refusal(app.id, { launch: stale }), 'expired').to.equal('invalid_request');

    const theirs = (await launchFromConsole(patientA, app.id)).searchParams.get('launch')!;
    expect(await refusal(otherApp.id, { launch: theirs }), 'made for another app').to.equal('invalid_request');
    expect(await refusal(app.id, { scope: 'launch openid user/Observation.rs' }), 'the launch scope without a launch').to.equal('invalid_request');
  });

  it('asks for the launching staff member’s email, password and code without a console session, and refuses anyone else', async () => {
    const launch = (await launchFromConsole(patientA, app.id)).searchParams.get('launch')!;
    const browser = new HttpClient(portal.url, 'en');
    const { page, back, verifier } = await authorize(browser, app.id, { launch });
    expect(back).to.equal(undefined);
    expect(page.body).to.include('name="code"');
    const action = formAction(page.body, /\/staff-login$/);

    const colleague = await seedStaff(portal.ctx);
    const wrong = await browser.submit(action, { email: colleague.email, password: colleague.password, code: colleague.code() });
    expect(wrong.status).to.equal(200);
    expect(wrong.body, 'the same generic failure as a wrong password').to.include('role="alert"');
    expect(wrong.body).to.include('/staff-login');
    // Refused inside the sign-in itself: counted and audited as a failure, the colleague's code not used up.
    const colleagueRow = (await findStaffByEmail(portal.ctx.db, colleague.email))!;
    expect(colleagueRow.totp_last_step, 'the TOTP step is not spent').to.equal(null);
    const throttle = await portal.ctx.db.query<{ failures: number }>('SELECT failures FROM rate_limits WHERE key = $1', [`staff:${colleague.email.toLowerCase()}`]);
    expect(
      throttle.rows.map((r) => Number(r.failures)),
      'counted as a failure',
    ).to.deep.equal([1]);
    const logins = await portal.ctx.db.query<{ outcome: string }>('SELECT outcome FROM audit_events WHERE agent = $1 AND resource->\'subtype\' @> \'[{"code":"110122"}]\'::jsonb', [
      colleagueRow.fhir_user,
    ]);
    expect(
      logins.rows.map((r) => r.outcome),
      'audited as a failed sign-in, never a success',
    ).to.deep.equal(['4']);

    // A patient's sign-in form cannot be used for an EHR launch.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(wrong.body)![1]!;
    const patientTry = await browser.request(
      'POST',
      action.replace(/staff-login$/, 'login'),
      new URLSearchParams({ _csrf: csrf, email: person.email, password: person.password, birthDate: person.patient.birthDate }),
    );
    expect(patientTry.status).to.equal(404);

    let answer = await browser.request('POST', action, new URLSearchParams({ _csrf: csrf, email: staff.email, password: staff.password, code: staff.code() }));
    while (answer.location && !answer.location.startsWith(redirectUri)) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
    const tokens = await exchange(app, new URL(answer.location!).searchParams.get('code')!, verifier);
    expect(tokens.patient).to.equal(patientA);
    const idToken = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idToken['fhirUser']).to.equal(`${portal.url}/fhir/${practitioner}`);
  });

  it('grants a launched app only the user/ scopes staff registered for it, and none to an app registered without any', async () => {
    const scope = 'launch openid fhirUser user/Observation.rs user/*.rs user/Patient.rs patient/Patient.rs';
    const launch = (await launchFromConsole(patientA, app.id)).searchParams.get('launch')!;
    const granted = await authorize(desk, app.id, { launch, scope });
    const tokens = await exchange(app, granted.back!.searchParams.get('code')!, granted.verifier);
    expect(
      tokens.scope!.split(' ').filter((s) => s.startsWith('user/')),
      JSON.stringify(tokens),
    ).to.deep.equal(['user/Observation.rs']);
    expect(tokens.scope!.split(' ')).to.include('patient/Patient.rs');
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    expect((await fetch(`${portal.url}/fhir/Patient/${patientB}`, { headers })).status, 'user/Patient.rs was not registered').to.equal(404);

    const bare = await register('Launchable Without User Scopes', true, '');
    const bareLaunch = (await launchFromConsole(patientA, bare.id)).searchParams.get('launch')!;
    const none = await authorize(desk, bare.id, { launch: bareLaunch, scope });
    const bareTokens = await exchange(bare, none.back!.searchParams.get('code')!, none.verifier);
    expect(
      bareTokens.scope!.split(' ').filter((s) => s.startsWith('user/')),
      JSON.stringify(bareTokens),
    ).to.deep.equal([]);
  });

  it('reads another patient’s DocumentReference and its Binary within user/DocumentReference.rs, as the facade decided reach once; a patient token reads neither', async () => {
    const documentsApp = await register('Clinic Document Viewer', true, 'user/DocumentReference.rs');
    const launch = (await launchFromConsole(patientA, documentsApp.id)).searchParams.get('launch')!;
    const granted = await authorize(desk, documentsApp.id, { launch, scope: 'launch openid fhirUser user/DocumentReference.rs patient/Patient.rs' });
    const tokens = await exchange(documentsApp, granted.back!.searchParams.get('code')!, granted.verifier);
    expect(tokens.patient).to.equal(patientA);
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    expect((await fetch(`${portal.url}/fhir/DocumentReference/${recordB.ids['linkedDocument']}`, { headers })).status, 'the document').to.equal(200);
    const binary = await fetch(`${portal.url}/fhir/Binary/${recordB.ids['binary']}`, { headers });
    expect(binary.status, 'and the Binary it names').to.equal(200);
    expect(await binary.text()).to.equal('EHRB binary content');
    // Audited as patient B's data, with the staff member as the agent.
    const audit = await portal.ctx.db.query<{ resource: AuditEvent }>("SELECT resource FROM audit_events WHERE resource->'type'->>'code' = 'rest' ORDER BY recorded_at");
    const read = audit.rows
      .map((r) => r.resource)
      .filter((e) =>
        Buffer.from(e.entity?.find((x) => x.query)?.query ?? '', 'base64')
          .toString()
          .includes(`/Binary/${recordB.ids['binary']}`),
      )
      .at(-1)!;
    expect(read.outcome).to.equal('0');
    expect(read.agent.find((a) => a.requestor)?.who?.reference).to.equal(practitioner);
    expect(read.entity?.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference).to.equal(`Patient/${patientB}`);

    // The patient's own token (patient/*.rs) reaches neither.
    const { code, verifier } = await authorizationCode(portal, person, 'openid fhirUser launch/patient patient/*.rs', { resource: `${portal.url}/fhir` });
    const own = (await webClientToken(portal, { grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier }))
      .json as TokenResponse;
    const ownHeaders = { authorization: `Bearer ${own.access_token}` };
    expect((await fetch(`${portal.url}/fhir/DocumentReference/${recordB.ids['linkedDocument']}`, { headers: ownHeaders })).status).to.equal(404);
    expect((await fetch(`${portal.url}/fhir/Binary/${recordB.ids['binary']}`, { headers: ownHeaders })).status).to.equal(404);
  });

  it('never grants user/ scopes to a patient’s own account', async () => {
    const { code, verifier } = await authorizationCode(portal, person, 'openid fhirUser launch/patient patient/Patient.rs user/Observation.rs user/*.read', {
      resource: `${portal.url}/fhir`,
    });
    const tokens = (await webClientToken(portal, { grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier }))
      .json as TokenResponse;
    expect(tokens.scope, JSON.stringify(tokens)).to.be.a('string');
    expect(tokens.scope!.split(' ').filter((s) => s.startsWith('user/'))).to.deep.equal([]);
    expect(tokens.need_patient_banner).to.equal(undefined);
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    expect((await fetch(`${portal.url}/fhir/Observation?patient=${patientB}`, { headers })).status).to.equal(403);
  });

  it('advertises EHR launch, its context and user/ scopes in discovery', async () => {
    const config = (await (await fetch(`${portal.url}/fhir/.well-known/smart-configuration`)).json()) as { capabilities: string[]; scopes_supported: string[] };
    expect(config.capabilities).to.include.members(['launch-ehr', 'context-ehr-patient', 'context-banner', 'context-style', 'permission-user']);
    expect(config.scopes_supported).to.include.members(['launch', 'user/*.rs', 'user/*.read']);
  });
});
