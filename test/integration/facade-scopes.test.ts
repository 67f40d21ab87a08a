import { expect } from 'chai';
import type { Bundle } from '@medplum/fhirtypes';
import { authorizationCode, webClientToken } from '../support/oauth.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { seedClinicalRecord, type ClinicalRecord } from '../support/clinical-seed.ts';

const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

describe('FHIR facade: SMART scopes decide what a token reaches (v2 granular and v1)', function () {
  this.timeout(120_000);
  let portal: RunningPortal;
  let person: Onboarded;
  let record: ClinicalRecord;

  before(async () => {
    portal = await startPortal();
    person = await onboard(portal.ctx, portal.smtp);
    record = await seedClinicalRecord(portal.ctx, person.patient.id, 'SCOPES');
  });
  after(() => portal.stop());

  /** A token granted exactly `scope`, through the real authorization code flow. */
  async function tokenWith(scope: string): Promise<{ access_token: string; scope: string }> {
    const { code, verifier } = await authorizationCode(portal, person, scope);
    const response = await webClientToken(portal, { grant_type: 'authorization_code', code, redirect_uri: `${portal.url}/auth/callback`, code_verifier: verifier });
    return response.json as { access_token: string; scope: string };
  }
  const get = async (token: string, path: string) => {
    const response = await fetch(`${portal.url}/fhir/${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    return { status: response.status, json: (await response.json()) as Bundle };
  };

  it('limits a v2 category grant to laboratory Observations, and refuses types that were not granted', async () => {
    const token = await tokenWith(`openid launch/patient patient/Observation.rs?category=${lab} patient/Patient.r`);
    expect(token.scope.split(' ')).to.include(`patient/Observation.rs?category=${lab}`);
    const observations = await get(token.access_token, 'Observation');
    expect(observations.status).to.equal(200);
    expect(observations.json.entry?.map((e) => e.resource?.id)).to.deep.equal([record.ids['lab']]);
    expect((await get(token.access_token, `Observation/${record.ids['vital']}`)).status, 'a vital sign by id').to.equal(404);
    expect((await get(token.access_token, `Observation/${record.ids['lab']}`)).status).to.equal(200);
    expect((await get(token.access_token, `Condition`)).status, 'Condition was not granted').to.equal(403);
    expect((await get(token.access_token, `Patient/${person.patient.id}`)).status, 'r allows read').to.equal(200);
    expect((await get(token.access_token, `Patient`)).status, 'but not search without s').to.equal(403);
  });

  it('gives Patient/{id}/$everything only what the token may read: laboratory Observations, no vital signs, no other type', async () => {
    const token = await tokenWith(`openid launch/patient patient/Observation.rs?category=${lab} patient/Patient.r`);
    const everything = await get(token.access_token, `Patient/${person.patient.id}/$everything`);
    expect(everything.status).to.equal(200);
    // Patient.r reads by id only; $everything entries are checked like a search's (s), as the other types are.
    expect(everything.json.entry?.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)).to.deep.equal([`Observation/${record.ids['lab']}`]);
    expect((await get(token.access_token, `Patient/${person.patient.id}/$everything?_type=Condition`)).status, 'Condition was not granted').to.equal(403);
    expect((await get(token.access_token, `Patient/${person.patient.id}/$everything?_type=Observation`)).json.entry?.map((e) => e.resource?.id)).to.deep.equal([record.ids['lab']]);
  });

  it('cuts Patient/{id}/$everything by start and end (clinical dates; HAPI ignores them, the facade applies them)', async () => {
    const token = await tokenWith('openid launch/patient patient/Observation.rs patient/Patient.rs');
    const ids = async (query: string) =>
      ((await get(token.access_token, `Patient/${person.patient.id}/$everything?_type=Patient,Observation&${query}`)).json.entry ?? []).map((e) => e.resource?.id).sort();
    // The seeded vital sign was taken on 2024-05-01; the laboratory Observation carries no date, so it always stays, as the Patient does.
    const always = [person.patient.id, record.ids['lab']];
    expect(await ids('start=2024-05-01&end=2024-05-01')).to.deep.equal([...always, record.ids['vital']].sort());
    expect(await ids('start=2024-05')).to.deep.equal([...always, record.ids['vital']].sort());
    expect(await ids('start=2024-05-02'), 'after it').to.deep.equal([...always].sort());
    expect(await ids('end=2024-04-30'), 'before it').to.deep.equal([...always].sort());
  });

  it('accepts v1 scopes (patient/Observation.read)', async () => {
    const token = await tokenWith('openid launch/patient patient/Observation.read');
    const observations = await get(token.access_token, 'Observation?category=vital-signs');
    expect(observations.status).to.equal(200);
    expect(observations.json.entry?.map((e) => e.resource?.id)).to.deep.equal([record.ids['vital']]);
    expect((await get(token.access_token, 'Encounter')).status).to.equal(403);
  });

  it('decides a Binary by the DocumentReference scopes: the document’s scope reaches it, other scopes do not', async () => {
    const documents = await tokenWith('openid launch/patient patient/DocumentReference.r');
    const binary = await get(documents.access_token, `Binary/${record.ids['binary']}`);
    expect([binary.status, binary.json.resourceType, binary.json.id]).to.deep.equal([200, 'Binary', record.ids['binary']]);
    const observations = await tokenWith('openid launch/patient patient/Observation.rs');
    expect((await get(observations.access_token, `Binary/${record.ids['binary']}`)).status, 'no DocumentReference scope').to.equal(403);
  });
});
