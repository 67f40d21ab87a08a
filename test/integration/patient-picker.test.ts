import { expect } from 'chai';
import type { Bundle, RelatedPerson } from '@medplum/fhirtypes';
import { type HttpClient, formAction, type PageResponse } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedPatient, type SeededPatient } from '../support/seed.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';
import { signInToAuthorize, webClientToken } from '../support/oauth.ts';
import { linkAccountToPatient } from '../../src/store/launch-context.ts';
import { registerClient } from '../../src/store/oauth-clients.ts';

/**
 * The patient picker (issue #4): an account that may act for several patients (seeded here as a store
 * link; proxy invitations will create such links) chooses whose record a launch/patient app gets; the
 * choice becomes the token's patient, and a patient the account may not act for is refused.
 */
describe('patient picker for accounts that act for several patients', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let child: SeededPatient;
  let stranger: SeededPatient;
  let childRecord: ClinicalRecord;
  let ownRecord: ClinicalRecord;
  /** The RelatedPerson the account acts through for the child (a RelatedPerson belongs to one patient). */
  let relatedPerson: string;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    child = await seedPatient(portal.ctx, { given: 'Lucía', birthDate: '2015-03-02' });
    stranger = await seedPatient(portal.ctx, { given: 'Ajena' });
    ownRecord = await seedClinicalRecord(portal.ctx, person.patient.id, 'PICKOWN');
    childRecord = await seedClinicalRecord(portal.ctx, child.id, 'PICKCHILD');
    relatedPerson = `RelatedPerson/${(await portal.ctx.fhir.create<RelatedPerson>({ resourceType: 'RelatedPerson', patient: { reference: `Patient/${child.id}` }, active: true })).id}`;
    await linkAccountToPatient(portal.ctx.db, person.accountId, `Patient/${child.id}`, relatedPerson);
  });
  after(() => portal.stop());

  /** Starts the web client's authorization, signs in, and returns the page it stops on (the picker). */
  async function toPicker(language: 'es' | 'en'): Promise<{ browser: HttpClient; page: PageResponse; verifier: string }> {
    return signInToAuthorize(portal, person, { scope: 'openid fhirUser launch/patient patient/*.rs', state: 'pick' }, language);
  }

  async function choose(browser: HttpClient, page: PageResponse, patient: string): Promise<PageResponse> {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    let answer = await browser.request('POST', formAction(page.body, /\/patient$/), new URLSearchParams({ _csrf: csrf, patient }));
    while (answer.location && !answer.location.includes('/auth/callback')) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
    return answer;
  }

  it('shows an accessible picker in Spanish and English listing exactly the patients the account acts for', async () => {
    const es = (await toPicker('es')).page;
    expect(es.status).to.equal(200);
    expect(es.body).to.include('<html lang="es">');
    expect(es.body).to.include('¿Qué historia clínica quiere usar?');
    expect(es.body).to.match(/<fieldset><legend>Elija una persona<\/legend>/);
    expect(es.body).to.include(`value="${person.patient.id}"`);
    expect(es.body).to.include(`value="${child.id}"`);
    expect(es.body).to.include('Lucía');
    expect(es.body).to.include('nació el 2 de marzo de 2015');
    expect(es.body).not.to.include(stranger.id);
    for (const [, id] of es.body.matchAll(/<input type="radio" id="([^"]+)"/g)) expect(es.body, 'every choice is labelled').to.include(`<label for="${id}">`);
    const en = (await toPicker('en')).page;
    expect(en.body).to.include('<html lang="en">');
    expect(en.body).to.include('Whose record do you want to use?');
    expect(en.body).to.include('born March 2, 2015');
  });

  it('makes the chosen patient the token’s patient context, and the facade reaches that record only', async () => {
    const { browser, page, verifier } = await toPicker('es');
    const back = new URL((await choose(browser, page, child.id)).location!);
    expect(back.searchParams.get('state')).to.equal('pick');
    const tokens = (
      await webClientToken(portal, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier })
    ).json;
    expect(tokens['patient']).to.equal(child.id);
    // fhirUser is who acts for THIS patient: the account's RelatedPerson for the child, in the id_token (and the access token, for introspection).
    const idTokenClaims = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idTokenClaims(tokens['id_token'])['fhirUser']).to.equal(`${portal.url}/fhir/${relatedPerson}`);
    const headers = { authorization: `Bearer ${String(tokens['access_token'])}` };
    const observations = (await (await fetch(`${portal.url}/fhir/Observation`, { headers })).json()) as Bundle;
    expect(observations.entry?.map((e) => e.resource?.id).sort()).to.deep.equal([childRecord.ids['lab'], childRecord.ids['vital']].sort());
    expect((await fetch(`${portal.url}/fhir/Observation/${ownRecord.ids['lab']}`, { headers })).status, 'not the account’s own record in this launch').to.equal(404);

    // The next authorization asks again, and may choose the account's own record.
    const second = await toPicker('es');
    const own = new URL((await choose(second.browser, second.page, person.patient.id)).location!);
    const ownTokens = (
      await webClientToken(portal, {
        grant_type: 'authorization_code',
        code: own.searchParams.get('code')!,
        redirect_uri: `${portal.url}/auth/callback`,
        code_verifier: second.verifier,
      })
    ).json;
    expect(ownTokens['patient']).to.equal(person.patient.id);
    expect(idTokenClaims(ownTokens['id_token'])['fhirUser']).to.equal(`${portal.url}/fhir/Patient/${person.patient.id}`);

    // Ending the link ends the token for that patient on its next request (security model 8).
    await portal.ctx.db.query('UPDATE account_patients SET revoked_at = now() WHERE account_id = $1 AND patient = $2', [person.accountId, `Patient/${child.id}`]);
    expect((await fetch(`${portal.url}/fhir/Observation`, { headers })).status).to.equal(401);
    expect((await fetch(`${portal.url}/fhir/Observation`, { headers: { authorization: `Bearer ${String(ownTokens['access_token'])}` } })).status).to.equal(200);
    await linkAccountToPatient(portal.ctx.db, person.accountId, `Patient/${child.id}`, relatedPerson);
  });

  it('refuses a choice of a patient the account may not act for, on the server, and issues no code', async () => {
    const { browser, page } = await toPicker('en');
    const refused = await choose(browser, page, stranger.id);
    expect(refused.status).to.equal(422);
    expect(refused.location).to.equal(undefined);
    expect(refused.body).to.include('Choose one of the people on the list.');
    expect(refused.body).not.to.include(stranger.id);
    const forged = await choose(browser, refused, '../Patient/x');
    expect(forged.status).to.equal(422);
  });
  it('for a third-party app, asks whose record first, then shows the consent screen naming that person, and the token is theirs', async () => {
    const redirectUri = 'http://127.0.0.1:9/picker-app';
    const { clientId } = await registerClient(portal.ctx.db, { name: 'Vacunas Familia', redirectUris: [redirectUri], kind: 'public' });
    async function authorize(language: 'es' | 'en', patient: string): Promise<{ consent: PageResponse; finish: () => Promise<Record<string, unknown>> }> {
      const { browser, page: picker, verifier } = await signInToAuthorize(portal, person, { client_id: clientId, redirect_uri: redirectUri, state: 'third' }, language);
      expect(picker.body, 'the picker comes first').to.include(`value="${child.id}"`);
      expect(picker.body).to.include('Vacunas Familia');
      const consent = await browser.submit(formAction(picker.body, /\/patient$/), { patient });
      expect(consent.status).to.equal(200);
      expect(consent.body, 'then the consent screen').to.match(/\/consent"/);
      const finish = async () => {
        let answer = await browser.request(
          'POST',
          formAction(consent.body, /\/consent$/),
          new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(consent.body)![1]!, decision: 'allow', scope: 'patient/*.rs' }),
        );
        while (answer.location && !answer.location.startsWith(redirectUri)) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
        const back = new URL(answer.location!);
        expect(back.searchParams.get('state')).to.equal('third');
        const response = await fetch(`${portal.url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: back.searchParams.get('code')!,
            redirect_uri: redirectUri,
            code_verifier: verifier,
            client_id: clientId,
          }),
        });
        return (await response.json()) as Record<string, unknown>;
      };
      return { consent, finish };
    }

    const es = await authorize('es', child.id);
    expect(es.consent.body).to.include('Vacunas Familia quiere usar su historia clínica');
    expect(es.consent.body).to.include(`Historia clínica de: Lucía ${child.family}`);
    expect(es.consent.body).to.include('nació el 2 de marzo de 2015');
    expect(es.consent.body).not.to.include(person.patient.family);
    const tokens = await es.finish();
    expect(tokens['patient']).to.equal(child.id);
    const headers = { authorization: `Bearer ${String(tokens['access_token'])}` };
    const observations = (await (await fetch(`${portal.url}/fhir/Observation`, { headers })).json()) as Bundle;
    expect(observations.entry?.map((e) => e.resource?.id).sort()).to.deep.equal([childRecord.ids['lab'], childRecord.ids['vital']].sort());

    // The same app again, for the account's own record: asked again, the consent names them, and that token is theirs.
    const en = await authorize('en', person.patient.id);
    expect(en.consent.body).to.include('Vacunas Familia wants to use your health record');
    expect(en.consent.body).to.include(`Whose record: ${person.patient.given} ${person.patient.family}`);
    expect(en.consent.body).not.to.include(child.family);
    expect((await en.finish())['patient']).to.equal(person.patient.id);
  });
});
