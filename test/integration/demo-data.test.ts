import { expect } from 'chai';
import { openPglite } from '../../src/store/pglite-db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createFhirClient, type FhirClient } from '../../src/store/fhir-client.ts';
import type { Db } from '../../src/store/db.ts';
import { loadDemoData, type DemoSummary } from '../../scripts/demo/load-demo-data.ts';
import { testEnvironment } from '../support/environment.ts';

describe('demo data (npm run demo)', function () {
  this.timeout(300_000);
  let db: Db;
  let fhir: FhirClient;
  let first: DemoSummary;
  let second: DemoSummary;

  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    fhir = createFhirClient({ baseUrl: testEnvironment().hapi.baseUrl, timeoutMs: 120_000 });
    first = await loadDemoData({ db, fhir }, () => {});
    second = await loadDemoData({ db, fhir }, () => {});
  });
  after(() => db.close());

  const count = async (type: 'Patient' | 'CareTeam' | 'Appointment' | 'DocumentReference', params: Record<string, string>) =>
    (await fhir.search(type, { ...params, _summary: 'count' })).total;

  it('loads each demo patient once, however often it runs', async () => {
    expect(second.patients).to.deep.equal(first.patients);
    expect(first.patients.map((p) => p.name)).to.deep.equal(['Reyna Ziemann', 'Carla Echevarría', 'Alexis Toy', 'Josue Sipes']);
    for (const patient of first.patients) {
      expect(await count('Patient', { _id: patient.id }), patient.name).to.equal(1);
    }
  });

  it('adds what Synthea lacks: a care team, two upcoming appointments and a visit note per patient', async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const patient of first.patients) {
      expect(await count('CareTeam', { subject: `Patient/${patient.id}` })).to.equal(1);
      expect(await count('Appointment', { patient: `Patient/${patient.id}`, date: `ge${today}` })).to.equal(2);
      expect(await count('DocumentReference', { subject: `Patient/${patient.id}` })).to.equal(1);
    }
  });

  it('creates the first staff account once, linked to its Practitioner, with a TOTP secret', async () => {
    expect(second.staff).to.deep.equal(first.staff);
    expect(first.staff.totpSecret).to.match(/^[A-Z2-7]{32}$/);
    const accounts = await db.query<{ roles: string[]; fhir_user: string }>("SELECT roles, fhir_user FROM accounts WHERE kind = 'staff'");
    expect(accounts.rows).to.deep.equal([{ roles: ['admin', 'staff'], fhir_user: first.staff.practitioner }]);
    const practitioner = await fhir.read('Practitioner', first.staff.practitioner.split('/')[1]!);
    expect(practitioner.resourceType).to.equal('Practitioner');
  });
});
