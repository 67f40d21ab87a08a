import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { registerClient } from '../../src/store/oauth-clients.ts';

const redirectUri = 'http://127.0.0.1:9/disconnect-callback';
const tokenEventSystem = 'https://puente.example.org/fhir/CodeSystem/token-event';

/**
 * Disconnecting an app on the connected-apps page (issue #4) is audited like a token revocation (BALP /
 * IHE IUA shape): the person and the app as agents, the patient as entity, in the same transaction as
 * the revocation, so neither happens without the other.
 */
describe('disconnecting an app on /account/apps is audited with the revocation', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let clientId: string;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    clientId = (await registerClient(portal.ctx.db, { name: 'Presión Diaria', redirectUris: [redirectUri], kind: 'public' })).clientId;
  });
  after(() => portal.stop());

  /** The app's authorization: sign-in, consent (allow everything asked), code, token. Returns the access token. */
  async function connect(): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const browser = new HttpClient(portal.url);
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid fhirUser launch/patient patient/*.rs',
      state: 'd1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      aud: `${portal.url}/fhir`,
    });
    const signIn = await browser.get(`/oidc/auth?${query}`);
    const consent = await browser.submit(formAction(signIn.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(consent.body)![1]!;
    let answer = await browser.request('POST', formAction(consent.body, /\/consent$/), new URLSearchParams({ _csrf: csrf, decision: 'allow', scope: 'patient/*.rs' }));
    while (answer.location && !answer.location.startsWith(redirectUri)) answer = await browser.request('GET', new URL(answer.location, answer.url).toString());
    const code = new URL(answer.location!).searchParams.get('code')!;
    const response = await fetch(`${portal.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }),
    });
    const tokens = (await response.json()) as { access_token: string; patient?: string };
    expect(tokens.patient).to.equal(person.patient.id);
    return tokens.access_token;
  }

  async function connectedAppsPage(): Promise<HttpClient> {
    const browser = new HttpClient(portal.url, 'en');
    const signIn = await browser.get('/auth/login?next=/account/apps');
    const apps = await browser.submit(formAction(signIn.body, /^\/interaction\//), { email: person.email, password: person.password, birthDate: person.patient.birthDate });
    expect(apps.body).to.include('Presión Diaria');
    return browser;
  }

  const disconnections = async () =>
    (
      await portal.ctx.db.query<{ resource: AuditEvent }>(`SELECT resource FROM audit_events WHERE resource->'subtype' @> $1::jsonb ORDER BY recorded_at`, [
        JSON.stringify([{ system: tokenEventSystem, code: 'app-disconnected' }]),
      ])
    ).rows.map((r) => r.resource);
  const grantsOfApp = async () => (await portal.ctx.db.query("SELECT 1 FROM oidc_payloads WHERE model = 'Grant' AND payload->>'clientId' = $1", [clientId])).rows.length;
  const observations = (token: string) => fetch(`${portal.url}/fhir/Observation`, { headers: { authorization: `Bearer ${token}` } });

  it('records an AuditEvent naming the person, the app and the patient, in the outbox, and the app loses access', async () => {
    const token = await connect();
    expect((await observations(token)).status).to.equal(200);
    const browser = await connectedAppsPage();
    const action = formAction(browser.lastPage!.body, /\/revoke$/);
    const done = await browser.submit(action, {});
    expect(done.body).to.include('Presión Diaria was disconnected and can no longer see your record.');
    expect((await observations(token)).status).to.equal(401);

    const [event, ...more] = await disconnections();
    expect(more).to.have.length(0);
    expect(event!.type).to.deep.include({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113', display: 'Security Alert' });
    expect(event!.action).to.equal('D');
    expect(event!.outcome).to.equal('0');
    const human = event!.agent.find((a) => a.requestor)!;
    expect(human.who?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(human.altId).to.equal(person.accountId);
    expect(human.network?.address).to.be.a('string');
    const app = event!.agent.find((a) => !a.requestor)!;
    expect(app.type?.coding?.[0]?.code).to.equal('110150');
    expect(app.who?.identifier).to.deep.equal({ system: 'urn:puente:client-id', value: clientId });
    expect(event!.entity?.find((e) => e.what)?.what?.reference).to.equal(`Patient/${person.patient.id}`);
    expect(event!.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === 'scope')?.valueString).to.include('patient/*.rs');
    expect(JSON.stringify(event)).not.to.include(token);
    const outboxed = await portal.ctx.db.query("SELECT 1 FROM outbox WHERE kind = 'audit' AND payload->>'id' = $1", [event!.id]);
    expect(outboxed.rows, 'queued for the FHIR server with the local copy').to.have.length(1);

    // Posting the same disconnect again ends nothing and records nothing.
    const again = await browser.submit(action, {});
    expect(again.status).to.equal(200);
    expect(again.body).not.to.include('was disconnected');
    expect(await disconnections()).to.have.length(1);
  });

  it('keeps the app connected when the audit record cannot be written (one transaction)', async () => {
    const token = await connect();
    const before = (await disconnections()).length;
    // The store refuses this kind of audit row: a real failure of the write the revocation depends on.
    await portal.ctx.db.query(
      `ALTER TABLE audit_events ADD CONSTRAINT test_refuse_disconnect CHECK (NOT (resource::jsonb->'subtype' @> '[{"code":"app-disconnected"}]'::jsonb)) NOT VALID`,
    );
    try {
      const browser = await connectedAppsPage();
      const failed = await browser.submit(formAction(browser.lastPage!.body, /\/revoke$/), {});
      expect(failed.status).to.be.at.least(500);
      expect(await grantsOfApp(), 'the grant was not ended').to.equal(1);
      expect((await observations(token)).status, 'the app still has the access the trail says it has').to.equal(200);
      expect(await disconnections()).to.have.length(before);
    } finally {
      await portal.ctx.db.query('ALTER TABLE audit_events DROP CONSTRAINT test_refuse_disconnect');
    }
    const browser = await connectedAppsPage();
    await browser.submit(formAction(browser.lastPage!.body, /\/revoke$/), {});
    expect(await grantsOfApp()).to.equal(0);
    expect(await disconnections()).to.have.length(before + 1);
  });
});
