import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import type { Bundle, Condition, Consent, DocumentReference, Observation, RelatedPerson } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, tokenOf, type Onboarded } from '../support/onboard.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { leakMatcher } from '../support/leak-matcher.ts';
import { seedPatient, seedPhysician, seedStaff } from '../support/seed.ts';
import { signInToAuthorize } from '../support/oauth.ts';
import { recordAuthorization } from '../../src/accounts/record-authorization.ts';
import { sweepMinorsAccess } from '../../src/proxies/minors-sweep.ts';
import { staffMember } from '../support/onboard.ts';
import { inviteFamilyMember, type FamilyInvitationInput } from '../../src/proxies/invite-family-member.ts';
import { familyAcceptance } from '../../src/proxies/accept-family-invitation.ts';
import { FamilyError } from '../../src/proxies/deps.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { linkAccountToPatient } from '../../src/store/launch-context.ts';
import type { FhirClient } from '../../src/store/fhir-client.ts';
import { fromRoot } from '../../scripts/lib/paths.ts';
import { familyFhirDelivered } from '../support/family-jobs.ts';

interface Member {
  readonly email: string;
  readonly password: string;
  readonly accountId: string;
  readonly relatedPerson: string;
  readonly consent: string;
  token: string;
  readonly browser: HttpClient;
}

/**
 * Family and caregivers (issue 13), end to end against the real HAPI: the patient invites, the invited person
 * registers (acceptance writes RelatedPerson + Consent + DocumentReference in one HAPI transaction), and the
 * family member's token, in the adversarial style of facade-adversarial.test.ts, reaches the invited patient
 * only, only what the Consent permits, and nothing once access has ended.
 */
describe('Family and caregivers: invitation, FHIR record, facade enforcement, ending', function () {
  this.timeout(240_000);
  let portal: RunningPortal;
  let a: Onboarded;
  let b: Onboarded;
  let recordA: ClinicalRecord;
  let recordB: ClinicalRecord;
  let findB: (text: string) => string[];
  let counter = 0;

  const input = (overrides: Partial<FamilyInvitationInput> = {}): FamilyInvitationInput => ({
    accountId: a.accountId,
    patientId: a.patient.id,
    password: a.password,
    name: 'Lucía Núñez',
    relationship: 'DAU',
    email: `family-${Date.now()}-${++counter}@example.org`,
    access: 'everything',
    parts: [],
    endDate: '',
    signature: 'María José Núñez',
    locale: 'es',
    clientAddress: '127.0.0.1',
    ...overrides,
  });

  /** The newest captured email to `address` after `from` messages, waiting for the outbox to deliver it. */
  async function mailTo(address: string, from = 0) {
    for (let i = 0; i < 100; i++) {
      await portal.ctx.outbox.runOnce();
      const found = portal.smtp.messages.slice(from).findLast((m) => m.envelopeTo.includes(address));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no email to ${address}`);
  }

  async function tokenOfSession(email: string, password: string, birthDate: string): Promise<{ token: string; browser: HttpClient }> {
    const browser = new HttpClient(portal.url);
    const form = await browser.get('/auth/login');
    await browser.submit(formAction(form.body, /^\/interaction\//), { email, password, birthDate });
    const rows = await portal.ctx.db.query<{ token: string }>(
      "SELECT data->'tokens'->>'accessToken' AS token FROM web_sessions w JOIN accounts a ON a.id = w.account_id WHERE a.email = $1 ORDER BY w.created_at DESC LIMIT 1",
      [email],
    );
    return { token: rows.rows[0]!.token, browser };
  }

  /** Invites (service), captures the email, registers with the patient's date of birth, signs in: a family member with a token. */
  async function member(overrides: Partial<FamilyInvitationInput> = {}): Promise<Member> {
    const invitation = input(overrides);
    const before = portal.smtp.messages.length;
    const { accountId } = await inviteFamilyMember(portal.ctx.accounts, invitation);
    const mail = await mailTo(invitation.email, before);
    const password = 'un paseo largo por la orilla del mar';
    const outcome = await completeRegistration(
      portal.ctx.accounts,
      { token: tokenOf(mail, '/register'), birthDate: a.patient.birthDate, password, clientAddress: '127.0.0.2' },
      { onAccept: familyAcceptance(portal.ctx.accounts, '127.0.0.2') },
    );
    expect(outcome.status).to.equal('registered');
    const link = (await portal.ctx.db.query<{ related_person: string; consent: string }>('SELECT related_person, consent FROM account_patients WHERE account_id = $1', [accountId]))
      .rows[0]!;
    const { token, browser } = await tokenOfSession(invitation.email, password, a.patient.birthDate);
    return { email: invitation.email, password, accountId, relatedPerson: link.related_person, consent: link.consent, token, browser };
  }

  const fhir = async (path: string, token: string) => {
    const response = await fetch(`${portal.url}/fhir${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    return { status: response.status, body: await response.text() };
  };
  const entries = (body: string) => ((JSON.parse(body) as Bundle).entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
  const rowCount = async (sql: string, params: unknown[] = []) => Number((await portal.ctx.db.query<{ n: string }>(sql, params)).rows[0]!.n);

  before(async () => {
    // The sweep runs here with the clock each test wants, never in the background.
    portal = await startPortal({}, { familySweep: false });
    // The shared HAPI of a PUENTE_TEST_HAPI_URL run may predate these files; HAPI's own loader stores them by id, and so does this.
    for (const file of readdirSync(fromRoot('fhir-profiles')).filter((f) => f.startsWith('StructureDefinition-puente-family'))) {
      const definition = JSON.parse(readFileSync(fromRoot('fhir-profiles', file), 'utf8')) as { id: string };
      await portal.ctx.fhir.update({ ...(definition as { id: string; resourceType: 'StructureDefinition' }) } as never);
    }
    [a, b] = [await onboard(portal.ctx, portal.smtp), await onboard(portal.ctx, portal.smtp)];
    recordA = await seedClinicalRecord(portal.ctx, a.patient.id, 'ALPHA');
    recordB = await seedClinicalRecord(portal.ctx, b.patient.id, 'BRAVO', a.patient.id);
    findB = leakMatcher({ ids: [b.patient.id, ...Object.values(recordB.ids)], texts: [b.patient.mrn, b.patient.family, 'BRAVO'] });
  });
  after(() => portal.stop());

  it('refuses bad invitations with a clear code and writes nothing', async () => {
    const counts = async () => [
      await rowCount('SELECT count(*)::text AS n FROM accounts'),
      await rowCount('SELECT count(*)::text AS n FROM family_invitations'),
      await rowCount('SELECT count(*)::text AS n FROM invitations'),
      await rowCount('SELECT count(*)::text AS n FROM outbox'),
    ];
    const before = await counts();
    const refused = async (overrides: Partial<FamilyInvitationInput>) => {
      try {
        await inviteFamilyMember(portal.ctx.accounts, input(overrides));
      } catch (error) {
        expect(error).to.be.instanceOf(FamilyError);
        return (error as FamilyError).code;
      }
      throw new Error('not refused');
    };
    expect(await refused({ password: 'not the password at all' })).to.equal('wrong_password');
    expect(await refused({ email: a.email.toUpperCase() })).to.equal('inviting_self');
    expect(await refused({ endDate: '2020-01-01' })).to.equal('end_date_past');
    expect(await refused({ endDate: '2031-02-30' })).to.equal('end_date_invalid');
    expect(await refused({ relationship: 'ENEMY' })).to.equal('relationship_unknown');
    expect(await refused({ patientId: b.patient.id })).to.equal('not_your_record');
    expect(await refused({ accountId: b.accountId })).to.equal('not_your_record');
    expect(await refused({ access: 'limited', parts: [] })).to.equal('parts_empty');
    expect(await refused({ access: 'limited', parts: ['appointments', 'secrets'] })).to.equal('parts_empty');
    expect(await refused({ email: 'not an email' })).to.equal('email_invalid');
    expect(await refused({ name: '  ' })).to.equal('missing_name');
    expect(await refused({ signature: '' })).to.equal('missing_signature');
    expect(await counts()).to.deep.equal(before);
  });

  it('the patient invites from /account/family; the email links to registration; nothing is in FHIR before acceptance', async () => {
    const { browser } = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    expect(page.status).to.equal(200);
    expect(page.body).to.include('Familia y cuidadores');
    const email = `invited-${Date.now()}@example.org`;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new URLSearchParams([
      ['_csrf', csrf],
      ['name', 'Rafael Núñez'],
      ['relationship', 'SONC'],
      ['email', email],
      ['access', 'limited'],
      ['parts', 'appointments'],
      ['parts', 'carePlan'],
      ['endDate', ''],
      ['signature', 'María José Núñez'],
      ['password', 'wrong password here'],
    ]);
    const wrong = await browser.request('POST', '/account/family/invite', body);
    expect(wrong.status).to.equal(422);
    expect(wrong.body).to.include('La contraseña no es correcta.');
    body.set('password', a.password);
    const done = await browser.request('POST', '/account/family/invite', body);
    expect(done.status).to.equal(200);
    expect(done.body).to.include(`Enviamos una invitación a ${email}`);
    expect(done.body).to.include('Rafael Núñez');
    const mail = await mailTo(email);
    expect(mail.parsed.text).to.match(/\/register\?t=[A-Za-z0-9_-]{43}/);
    const row = (await portal.ctx.db.query<{ related_person: string; parts: string[] }>('SELECT related_person, parts FROM family_invitations WHERE email = $1', [email])).rows[0]!;
    expect(row.parts).to.deep.equal(['appointments', 'carePlan']);
    const read = await portal.ctx.fhir.read('RelatedPerson', row.related_person.split('/')[1]!).catch((e: { code?: string }) => e.code);
    expect(read).to.equal('fhir_not_found');
  });

  let everything: Member;
  it('acceptance writes RelatedPerson + Consent + DocumentReference (valid against the profiles) and the proxy link', async () => {
    everything = await member();
    const person = await portal.ctx.fhir.read<RelatedPerson>('RelatedPerson', everything.relatedPerson.split('/')[1]!);
    expect(person.patient.reference).to.equal(`Patient/${a.patient.id}`);
    expect(person.relationship?.[0]?.coding?.[0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'DAU' });
    expect(person.telecom?.[0]?.value).to.equal(everything.email);
    const consent = await portal.ctx.fhir.read<Consent>('Consent', everything.consent.split('/')[1]!);
    expect(consent.status).to.equal('active');
    expect(consent.scope.coding?.[0]?.code).to.equal('patient-privacy');
    expect(consent.provision?.actor?.[0]?.reference?.reference).to.equal(everything.relatedPerson);
    expect(consent.provision?.class).to.equal(undefined);
    const document = await portal.ctx.fhir.read<DocumentReference>('DocumentReference', consent.sourceReference!.reference!.split('/')[1]!);
    const pdf = Buffer.from(document.content[0]!.attachment.data!, 'base64');
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const consentValidation = await portal.ctx.fhir.operation<{ issue?: { severity: string }[] }>({
      name: `$validate?profile=${encodeURIComponent('https://puente.example.org/fhir/StructureDefinition/puente-family-consent')}`,
      resourceType: 'Consent',
      method: 'POST',
      input: consent,
    });
    expect((consentValidation.issue ?? []).filter((i) => i.severity === 'error')).to.deep.equal([]);
  });

  it('a family member’s token reaches the invited patient, and never another patient', async () => {
    expect((await fhir(`/Patient/${a.patient.id}`, everything.token)).status).to.equal(200);
    expect(entries((await fhir(`/Observation?patient=${a.patient.id}`, everything.token)).body).sort()).to.deep.equal(
      [`Observation/${recordA.ids['lab']}`, `Observation/${recordA.ids['vital']}`].sort(),
    );
    for (const path of [
      `/Patient/${b.patient.id}`,
      `/Observation/${recordB.ids['lab']}`,
      `/Observation?patient=${b.patient.id}`,
      `/Patient/${b.patient.id}/$everything`,
      `/Encounter?patient=${b.patient.id}&_revinclude=Provenance:target`,
      `/DocumentReference/${recordB.ids['document']}`,
      `/Binary/${recordB.ids['binary']}`,
    ]) {
      const answer = await fhir(path, everything.token);
      expect(findB(answer.body), path).to.deep.equal([]);
      expect(answer.status, path).to.be.oneOf([200, 404]);
    }
    // Audited with the RelatedPerson as the agent, for the patient.
    const audited = await rowCount('SELECT count(*)::text AS n FROM audit_events WHERE agent = $1 AND patient = $2', [everything.relatedPerson, `Patient/${a.patient.id}`]);
    expect(audited).to.be.greaterThan(0);
  });

  it('a second patient the same person acts for stays out of reach while the token’s context is the first', async () => {
    const c = await onboard(portal.ctx, portal.smtp);
    const recordC = await seedClinicalRecord(portal.ctx, c.patient.id, 'CHARLIE');
    await linkAccountToPatient(portal.ctx.db, everything.accountId, `Patient/${c.patient.id}`, 'RelatedPerson/other-link');
    const findC = leakMatcher({ ids: [c.patient.id, ...Object.values(recordC.ids)], texts: [c.patient.mrn, 'CHARLIE'] });
    for (const path of [`/Patient/${c.patient.id}`, `/Observation?patient=${c.patient.id}`, `/Patient/${c.patient.id}/$everything`, `/Observation/${recordC.ids['lab']}`]) {
      const answer = await fhir(path, everything.token);
      expect(findC(answer.body), path).to.deep.equal([]);
    }
  });

  let limited: Member;
  it('a limited Consent releases only its parts: read, search, include, revinclude, $everything', async () => {
    limited = await member({ access: 'limited', parts: ['appointments', 'carePlan'] });
    const consent = await portal.ctx.fhir.read<Consent>('Consent', limited.consent.split('/')[1]!);
    expect(consent.provision?.class?.map((c) => c.code)).to.deep.equal(['Appointment', 'CarePlan', 'Goal', 'CareTeam']);
    expect((await fhir(`/Patient/${a.patient.id}`, limited.token)).status).to.equal(200);
    expect((await fhir(`/Observation/${recordA.ids['lab']}`, limited.token)).status).to.equal(403);
    expect((await fhir(`/Observation?patient=${a.patient.id}`, limited.token)).status).to.equal(403);
    expect((await fhir(`/Condition?patient=${a.patient.id}`, limited.token)).status).to.equal(403);
    expect((await fhir(`/DocumentReference/${recordA.ids['document']}`, limited.token)).status).to.equal(403);
    expect((await fhir(`/Binary/${recordA.ids['binary']}`, limited.token)).status).to.equal(403);
    expect((await fhir(`/Encounter?patient=${a.patient.id}&_revinclude=Provenance:target`, limited.token)).status).to.equal(403);
    const carePlans = await fhir(`/CarePlan?patient=${a.patient.id}&_revinclude=Provenance:target`, limited.token);
    expect(carePlans.status).to.equal(200);
    const all = await fhir(`/Patient/${a.patient.id}/$everything`, limited.token);
    expect(all.status).to.equal(200);
    const types = new Set(entries(all.body).map((e) => e.split('/')[0]));
    for (const excluded of ['Observation', 'Condition', 'Encounter', 'DocumentReference', 'Provenance']) expect(types.has(excluded), excluded).to.equal(false);
    expect(types.has('Patient')).to.equal(true);
    expect((await fhir(`/Patient/${a.patient.id}/$everything?_type=Observation`, limited.token)).status).to.equal(403);
    // Pages and downloads read through the facade with the member's token: what is not permitted is simply not there.
    const home = await limited.browser.get('/');
    expect(home.status).to.equal(200);
    expect(home.body).not.to.include('ALPHA');
    const download = await limited.browser.request('GET', '/share/download/record.json');
    expect(download.status).to.equal(200);
    const downloaded = JSON.parse(download.body) as Bundle;
    const downloadedTypes = new Set<string | undefined>((downloaded.entry ?? []).map((e) => e.resource?.resourceType));
    expect(downloadedTypes.has('Patient')).to.equal(true);
    for (const excluded of ['Observation', 'Condition', 'Encounter', 'DocumentReference']) expect(downloadedTypes.has(excluded), excluded).to.equal(false);
    expect(download.body).not.to.include('ALPHA-lab-value');
  });

  it('the patient changes the access: it acts on the next request', async () => {
    const { browser } = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const id = limited.relatedPerson.split('/')[1]!;
    const changed = await browser.request(
      'POST',
      '/account/family/access',
      new URLSearchParams([
        ['_csrf', csrf],
        ['member', id],
        ['access', 'limited'],
        ['parts', 'results'],
      ]),
    );
    expect(changed.status).to.equal(200);
    expect(entries((await fhir(`/Observation?patient=${a.patient.id}`, limited.token)).body).sort()).to.deep.equal(
      [`Observation/${recordA.ids['lab']}`, `Observation/${recordA.ids['vital']}`].sort(),
    );
    expect((await fhir(`/CarePlan?patient=${a.patient.id}`, limited.token)).status).to.equal(403);
    await familyFhirDelivered(portal.ctx);
    const consent = await portal.ctx.fhir.read<Consent>('Consent', limited.consent.split('/')[1]!);
    expect(consent.provision?.class?.map((c) => c.code)).to.deep.equal(['Observation', 'DiagnosticReport']);
  });

  it('the patient ends access: the next request is refused and nothing is released; the Consent becomes inactive', async () => {
    expect((await fhir(`/Patient/${a.patient.id}`, everything.token)).status).to.equal(200);
    const { browser } = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    expect(page.body).to.include('Lucía Núñez');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const ended = await browser.request('POST', '/account/family/end', new URLSearchParams({ _csrf: csrf, member: everything.relatedPerson.split('/')[1]! }));
    expect(ended.status).to.equal(200);
    const after = await fhir(`/Observation?patient=${a.patient.id}`, everything.token);
    expect(after.status).to.equal(401);
    expect(after.body).not.to.include('ALPHA');
    await familyFhirDelivered(portal.ctx);
    const consent = await portal.ctx.fhir.read<Consent>('Consent', everything.consent.split('/')[1]!);
    expect(consent.status).to.equal('inactive');
    expect(consent.provision?.period?.end).to.be.a('string');
    const person = await portal.ctx.fhir.read<RelatedPerson>('RelatedPerson', everything.relatedPerson.split('/')[1]!);
    expect(person.active).to.equal(false);
  });

  it('the family member leaves: their token is refused at once', async () => {
    const { browser } = await tokenOfSession(limited.email, limited.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    expect(page.body).to.include('Dejar de ver esta historia clínica');
    await browser.submit('/account/family/leave', {});
    expect((await fhir(`/Patient/${a.patient.id}`, limited.token)).status).to.equal(401);
  });

  it('a family member’s third-party SMART app token is refused on the next request after the patient ends the access, and after the member leaves', async () => {
    // A third-party app the practice registered (not the portal's own web client), authorized by the family member.
    const admin = await seedStaff(portal.ctx, { admin: true });
    const staff = new HttpClient(portal.url, 'en');
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: admin.email, password: admin.password, code: admin.code() });
    await staff.get('/staff/apps');
    const redirectUri = 'http://127.0.0.1:9/callback';
    const registered = await staff.submit('/staff/apps', { name: 'Family Diary', redirects: redirectUri, kind: 'confidential-secret' });
    const app = { id: /Client id: ([0-9a-f-]{36})/.exec(registered.body)![1]!, secret: /shown only once\): ([A-Za-z0-9_-]+)/.exec(registered.body)![1]! };
    const appToken = async (person: Member): Promise<string> => {
      const { browser, page, verifier } = await signInToAuthorize(
        portal,
        { email: person.email, password: person.password, patient: { birthDate: a.patient.birthDate } },
        {
          client_id: app.id,
          redirect_uri: redirectUri,
          scope: 'openid fhirUser launch/patient patient/*.rs',
          state: 'fam',
        },
      );
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      let answer = await browser.request(
        'POST',
        formAction(page.body, /\/consent$/),
        new URLSearchParams([
          ['_csrf', csrf],
          ['decision', 'allow'],
          ['scope', 'patient/*.rs'],
        ]),
      );
      while (answer.location && !answer.location.startsWith(redirectUri)) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
      const code = new URL(answer.location!).searchParams.get('code')!;
      const response = await fetch(`${portal.url}/oidc/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
      });
      const tokens = (await response.json()) as { access_token: string; patient?: string };
      expect(tokens.patient).to.equal(a.patient.id);
      return tokens.access_token;
    };

    // 1. The patient ends the access: the app's token is refused on its next request, and nothing is released.
    const ended = await member({ name: 'Pablo App' });
    const endedApp = await appToken(ended);
    expect((await fhir(`/Observation?patient=${a.patient.id}`, endedApp)).status).to.equal(200);
    const patient = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await patient.browser.get('/account/family');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    expect((await patient.browser.request('POST', '/account/family/end', new URLSearchParams({ _csrf: csrf, member: ended.relatedPerson.split('/')[1]! }))).status).to.equal(200);
    const afterEnd = await fhir(`/Observation?patient=${a.patient.id}`, endedApp);
    expect(afterEnd.status).to.equal(401);
    expect(afterEnd.body).not.to.include('ALPHA');

    // 2. The member leaves: the same.
    const leaving = await member({ name: 'Rita App' });
    const leavingApp = await appToken(leaving);
    expect((await fhir(`/Patient/${a.patient.id}`, leavingApp)).status).to.equal(200);
    const own = await tokenOfSession(leaving.email, leaving.password, a.patient.birthDate);
    await own.browser.get('/account/family');
    await own.browser.submit('/account/family/leave', {});
    const afterLeave = await fhir(`/Patient/${a.patient.id}`, leavingApp);
    expect(afterLeave.status).to.equal(401);
    expect(afterLeave.body).not.to.include(a.patient.family);
  });

  it('an end date passing ends access on the next request, even for a token this replica has kept', async () => {
    const soon = await member();
    expect((await fhir(`/Patient/${a.patient.id}`, soon.token)).status).to.equal(200);
    // The date arrives: ends_at one second from now (as an end date's midnight would), no further write.
    await portal.ctx.db.query('UPDATE account_patients SET ends_at = $2 WHERE related_person = $1', [soon.relatedPerson, new Date(Date.now() + 1500)]);
    expect((await fhir(`/Patient/${a.patient.id}`, soon.token)).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await fhir(`/Observation?patient=${a.patient.id}`, soon.token);
    expect(after.status).to.equal(401);
  });

  it('staff see family access on the patient’s page in the console and end it: the next request is refused', async () => {
    const seen = await member({ name: 'Tomás Consola' });
    const seeded = await seedStaff(portal.ctx);
    const staff = new HttpClient(portal.url);
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: seeded.email, password: seeded.password, code: seeded.code() });
    // An invitation not yet accepted is listed too (read only), with whether its link still works.
    const waiting = input({ name: 'Inés Pendiente', email: `console-pending-${Date.now()}@example.org` });
    await inviteFamilyMember(portal.ctx.accounts, waiting);
    const page = await staff.get(`/staff/patients/${a.patient.id}`);
    expect(page.status).to.equal(200);
    expect(page.body).to.include('Tomás Consola');
    const pending = page.body.slice(page.body.indexOf('Invitaciones aún no aceptadas'));
    expect(pending).to.include('Inés Pendiente');
    expect(pending).to.include(waiting.email);
    expect(pending).to.include('El enlace funciona hasta el');
    const done = await staff.submit(`/staff/patients/${a.patient.id}/family/end`, { member: seen.relatedPerson.split('/')[1]! });
    expect(done.status).to.equal(200);
    expect(done.body).to.include('Acceso terminado.');
    expect(done.body).not.to.include('Tomás Consola');
    expect((await fhir(`/Patient/${a.patient.id}`, seen.token)).status).to.equal(401);
    await familyFhirDelivered(portal.ctx);
    expect((await portal.ctx.fhir.read<Consent>('Consent', seen.consent.split('/')[1]!)).status).to.equal('inactive');
  });

  it('the paper form’s designee is the same pair: listed for the patient, ended like any family member', async () => {
    const email = `designee-${Date.now()}@example.org`;
    const before = portal.smtp.messages.length;
    const { accountId, consentId } = await recordAuthorization(
      portal.ctx.accounts,
      await staffMember(portal.ctx),
      {
        patientId: a.patient.id,
        signer: { kind: 'designee', name: 'Rosa Papel', relationship: 'Tía', email },
        patientEmail: a.email,
        physicianId: await seedPhysician(portal.ctx),
        identityConfirmed: true,
        locale: 'es',
      },
      '127.0.0.1',
    );
    const mail = await mailTo(email, before);
    const password = 'una tarde tranquila en el jardín';
    expect(
      (await completeRegistration(portal.ctx.accounts, { token: tokenOf(mail, '/register'), birthDate: a.patient.birthDate, password, clientAddress: '127.0.0.1' })).status,
    ).to.equal('registered');
    const link = (await portal.ctx.db.query<{ related_person: string; consent: string }>('SELECT related_person, consent FROM account_patients WHERE account_id = $1', [accountId]))
      .rows[0]!;
    expect(link.consent).to.equal(`Consent/${consentId}`);
    const { token } = await tokenOfSession(email, password, a.patient.birthDate);
    expect((await fhir(`/Patient/${a.patient.id}`, token)).status).to.equal(200);
    const { browser } = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    expect(page.body).to.include('Rosa Papel');
    expect(page.body).to.include('Tía');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const ended = await browser.request('POST', '/account/family/end', new URLSearchParams({ _csrf: csrf, member: link.related_person.split('/')[1]! }));
    expect(ended.status).to.equal(200);
    expect((await fhir(`/Patient/${a.patient.id}`, token)).status).to.equal(401);
    expect((await portal.ctx.db.query<{ status: string }>('SELECT status FROM accounts WHERE id = $1', [accountId])).rows[0]!.status).to.equal('deactivated');
    await familyFhirDelivered(portal.ctx);
    expect((await portal.ctx.fhir.read<Consent>('Consent', consentId)).status).to.equal('inactive');
  });

  it('minors: a parent of an adolescent never receives confidential or sensitive resources; a young child’s parent does', async () => {
    const yearsAgo = (years: number, days: number) => {
      const date = new Date();
      date.setUTCFullYear(date.getUTCFullYear() - years);
      date.setUTCDate(date.getUTCDate() - days);
      return date.toISOString().slice(0, 10);
    };
    const physicianId = await seedPhysician(portal.ctx);
    const staff = await staffMember(portal.ctx);
    const parentOf = async (birthDate: string) => {
      const child = await seedPatient(portal.ctx, { given: 'Mateo', birthDate });
      const subject = { reference: `Patient/${child.id}` };
      const ids = {
        confidential: (
          await portal.ctx.fhir.create<Observation>({
            resourceType: 'Observation',
            status: 'final',
            meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
            category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
            code: { text: 'SECRET-CONF test' },
            subject,
          })
        ).id!,
        sensitive: (
          await portal.ctx.fhir.create<Condition>({
            resourceType: 'Condition',
            code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }], text: 'SECRET-PSY' },
            subject,
          })
        ).id!,
        plain: (
          await portal.ctx.fhir.create<Observation>({
            resourceType: 'Observation',
            status: 'final',
            category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
            code: { text: 'PLAIN-OK test' },
            subject,
          })
        ).id!,
      };
      const email = `parent-${child.mrn.toLowerCase()}@example.org`;
      const before = portal.smtp.messages.length;
      await recordAuthorization(
        portal.ctx.accounts,
        staff,
        {
          patientId: child.id,
          signer: { kind: 'designee', name: 'Elena Madre', relationship: 'Madre', email },
          patientEmail: email.replace('parent-', 'child-'),
          physicianId,
          identityConfirmed: true,
          locale: 'es',
        },
        '127.0.0.1',
      );
      const mail = await mailTo(email, before);
      const password = 'una tarde tranquila en el jardín';
      await completeRegistration(portal.ctx.accounts, { token: tokenOf(mail, '/register'), birthDate, password, clientAddress: '127.0.0.1' });
      const session = await tokenOfSession(email, password, birthDate);
      return { child, ids, ...session };
    };

    const teen = await parentOf(yearsAgo(14, 10));
    const p = teen.child.id;
    expect((await fhir(`/Observation/${teen.ids.confidential}`, teen.token)).status).to.equal(404);
    expect((await fhir(`/Condition/${teen.ids.sensitive}`, teen.token)).status).to.equal(404);
    expect(entries((await fhir(`/Observation?patient=${p}`, teen.token)).body)).to.deep.equal([`Observation/${teen.ids.plain}`]);
    for (const path of [`/Condition?patient=${p}`, `/Patient/${p}/$everything`, `/Observation?patient=${p}&_revinclude=Provenance:target`]) {
      const answer = await fhir(path, teen.token);
      expect(answer.status, path).to.equal(200);
      expect(answer.body, path).not.to.include('SECRET');
    }
    const download = await teen.browser.request('GET', '/share/download/record.json');
    expect(download.status).to.equal(200);
    expect(download.body).to.include('PLAIN-OK');
    expect(download.body).not.to.include('SECRET');

    const young = await parentOf(yearsAgo(8, 10));
    expect((await fhir(`/Observation/${young.ids.confidential}`, young.token)).status).to.equal(200);
    expect((await fhir(`/Patient/${young.child.id}/$everything`, young.token)).body).to.include('SECRET-PSY');
  });

  it('minors: a parent’s access ends at 18 — the facade refuses from the birthday; the sweep emails 30 days before and ends it on the day', async () => {
    const physicianId = await seedPhysician(portal.ctx);
    const staff = await staffMember(portal.ctx);
    const day = (offsetDays: number, years = 0) => {
      const date = new Date();
      date.setUTCFullYear(date.getUTCFullYear() - years);
      date.setUTCDate(date.getUTCDate() + offsetDays);
      return date.toISOString().slice(0, 10);
    };
    const parentOf = async (birthDate: string) => {
      const child = await seedPatient(portal.ctx, { given: 'Sofía', birthDate });
      const email = `parent18-${child.mrn.toLowerCase()}@example.org`;
      const before = portal.smtp.messages.length;
      const { accountId } = await recordAuthorization(
        portal.ctx.accounts,
        staff,
        {
          patientId: child.id,
          signer: { kind: 'designee', name: 'Jorge Padre', relationship: 'Padre', email },
          patientEmail: `child18-${child.mrn.toLowerCase()}@example.org`,
          physicianId,
          identityConfirmed: true,
          locale: 'es',
        },
        '127.0.0.1',
      );
      const mail = await mailTo(email, before);
      const password = 'una tarde tranquila en el jardín';
      await completeRegistration(portal.ctx.accounts, { token: tokenOf(mail, '/register'), birthDate, password, clientAddress: '127.0.0.1' });
      // The access was given years ago, while the patient was a child (created_at never moves the access epoch).
      await portal.ctx.db.query("UPDATE account_patients SET created_at = now() - interval '10 years' WHERE account_id = $1", [accountId]);
      await portal.ctx.db.query("UPDATE accounts SET created_at = now() - interval '10 years' WHERE id = $1", [accountId]);
      return { child, email, accountId, password, birthDate };
    };
    // Turned 18 yesterday: the facade refuses from the first request, before any sweep has run — signing in
    // succeeds, but the first page's read of the record is refused and the session ends (asked to sign in again).
    const grown = await parentOf(day(-1, 18));
    const browser = new HttpClient(portal.url);
    const form = await browser.get('/auth/login');
    const landed = await browser.submit(formAction(form.body, /^\/interaction\//), { email: grown.email, password: grown.password, birthDate: grown.birthDate });
    expect(landed.body).not.to.include('Sofía');
    expect(await rowCount('SELECT count(*)::text AS n FROM web_sessions WHERE account_id = $1', [grown.accountId])).to.equal(0);
    const refused = await rowCount("SELECT count(*)::text AS n FROM audit_events WHERE patient = $1 AND outcome = '4'", [`Patient/${grown.child.id}`]);
    expect(refused).to.be.greaterThan(0);
    // Turns 18 in 20 days: still reaches; the sweep sends the 30-day notice once, then ends access on the day.
    const soonParent = await parentOf(day(20, 18));
    const soon = { ...soonParent, ...(await tokenOfSession(soonParent.email, soonParent.password, soonParent.birthDate)) };
    expect((await fhir(`/Patient/${soon.child.id}`, soon.token)).status).to.equal(200);
    const before = portal.smtp.messages.length;
    const sweep = (now: Date) => sweepMinorsAccess({ ...portal.ctx.accounts, now: () => now }, portal.ctx.config.minors);
    expect((await sweep(new Date())).noticed).to.be.greaterThan(0);
    const notice = await mailTo(soon.email, before);
    expect(notice.parsed.subject).to.equal('El acceso de los padres a una historia clínica del portal termina pronto');
    const again = portal.smtp.messages.length;
    await sweep(new Date());
    await portal.ctx.outbox.runOnce();
    expect(portal.smtp.messages.slice(again).filter((m) => m.envelopeTo.includes(soon.email))).to.deep.equal([]);
    const birthday = new Date(`${day(20, 0)}T00:00:01Z`);
    expect((await sweep(birthday)).ended).to.be.greaterThan(0);
    const ended = await mailTo(soon.email, again);
    expect(ended.parsed.subject).to.equal('El acceso de los padres a una historia clínica del portal terminó');
    expect((await fhir(`/Patient/${soon.child.id}`, soon.token)).status).to.equal(401);
    const link = (await portal.ctx.db.query<{ ended_by: string; consent: string }>('SELECT ended_by, consent FROM account_patients WHERE account_id = $1', [soon.accountId]))
      .rows[0]!;
    expect(link.ended_by).to.equal('age');
    await familyFhirDelivered(portal.ctx);
    expect((await portal.ctx.fhir.read<Consent>('Consent', link.consent.split('/')[1]!)).status).to.equal('inactive');
  });

  it('a HAPI failure during acceptance leaves nothing half-written; a retry completes', async () => {
    const invitation = input();
    const before = portal.smtp.messages.length;
    const { accountId } = await inviteFamilyMember(portal.ctx.accounts, invitation);
    const mail = await mailTo(invitation.email, before);
    const token = tokenOf(mail, '/register');
    const row = (
      await portal.ctx.db.query<{ related_person: string; consent: string }>('SELECT related_person, consent FROM family_invitations WHERE account_id = $1', [accountId])
    ).rows[0]!;
    // The real HAPI refuses the whole transaction: a last entry referring to a Patient that does not exist
    // (HAPI enforces referential integrity on write), after the RelatedPerson and Consent entries.
    const real = portal.ctx.fhir;
    const failing: FhirClient = Object.assign(Object.create(Object.getPrototypeOf(real) as object) as FhirClient, real, {
      transaction: (bundle: Bundle) =>
        real.transaction({
          ...bundle,
          entry: [
            ...(bundle.entry ?? []),
            {
              resource: { resourceType: 'Basic', code: { text: 'x' }, subject: { reference: 'Patient/no-such-patient-for-family-test' } },
              request: { method: 'POST', url: 'Basic' },
            },
          ],
        }),
    });
    let failed = false;
    try {
      await completeRegistration(
        portal.ctx.accounts,
        { token, birthDate: a.patient.birthDate, password: 'un paseo largo por la orilla del mar', clientAddress: '127.0.0.3' },
        { onAccept: familyAcceptance({ ...portal.ctx.accounts, fhir: failing }, '127.0.0.3') },
      );
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    for (const [type, ref] of [
      ['RelatedPerson', row.related_person],
      ['Consent', row.consent],
    ] as const) {
      expect(await portal.ctx.fhir.read(type, ref.split('/')[1]!).catch((e: { code?: string }) => e.code), type).to.equal('fhir_not_found');
    }
    expect(await rowCount('SELECT count(*)::text AS n FROM account_patients WHERE account_id = $1', [accountId])).to.equal(0);
    expect((await portal.ctx.db.query<{ status: string }>('SELECT status FROM accounts WHERE id = $1', [accountId])).rows[0]!.status).to.equal('pending');
    expect(await rowCount('SELECT count(*)::text AS n FROM invitations WHERE account_id = $1 AND consumed_at IS NULL', [accountId])).to.equal(1);
    // The same link still works, and writes the pair.
    const retried = await completeRegistration(
      portal.ctx.accounts,
      { token, birthDate: a.patient.birthDate, password: 'un paseo largo por la orilla del mar', clientAddress: '127.0.0.3' },
      { onAccept: familyAcceptance(portal.ctx.accounts, '127.0.0.3') },
    );
    expect(retried.status).to.equal('registered');
    expect((await portal.ctx.fhir.read<Consent>('Consent', row.consent.split('/')[1]!)).status).to.equal('active');
    expect(await rowCount('SELECT count(*)::text AS n FROM account_patients WHERE account_id = $1 AND revoked_at IS NULL', [accountId])).to.equal(1);
  });

  it('"end everything" ends every family member, app, other session and share link, and emails a receipt', async () => {
    const one = await member({ name: 'Ana Recibo' });
    const other = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const { browser } = await tokenOfSession(a.email, a.password, a.patient.birthDate);
    const page = await browser.get('/account/family');
    const before = portal.smtp.messages.length;
    const done = await browser.submit('/account/end-everything', {});
    expect(done.status).to.equal(200);
    expect((await fhir(`/Patient/${a.patient.id}`, one.token)).status).to.equal(401);
    // The other session is gone; this one stays.
    expect((await other.browser.request('GET', '/account/family')).status).to.equal(303);
    expect((await browser.request('GET', '/account/family')).status).to.equal(200);
    const receipt = await mailTo(a.email, before);
    expect(receipt.parsed.subject).to.include('Comprobante');
    expect(receipt.parsed.text).to.include('Ana Recibo');
    expect(page.status).to.equal(200);
  });
});
