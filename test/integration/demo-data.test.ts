import { expect } from 'chai';
import { openPglite } from '../../src/store/pglite-db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createFhirClient, type FhirClient } from '../../src/store/fhir-client.ts';
import type { Db } from '../../src/store/db.ts';
import { loadDemoData, type DemoSummary } from '../../scripts/demo/load-demo-data.ts';
import { signIn } from '../../src/accounts/sign-in.ts';
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
    const site = { publicUrl: new URL('http://localhost:3000'), practice: { name: 'Clínica Puente (demo)', phone: '+1 555 0100', timeZone: 'America/Chicago' } };
    first = await loadDemoData({ db, fhir, ...site }, () => {});
    second = await loadDemoData({ db, fhir, ...site }, () => {});
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
      expect(await count('DocumentReference', { subject: `Patient/${patient.id}`, type: 'http://loinc.org|11506-3' })).to.equal(1);
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

  it('registers the demo portal users the real way (authorization recorded, link used), once', async () => {
    expect(second.portalUsers).to.deep.equal(first.portalUsers);
    expect(first.portalUsers.map((u) => [u.email, u.role, u.actsFor])).to.deep.equal([
      ['reyna.ziemann@example.org', 'patient', 'Reyna Ziemann'],
      ['ana.toy@example.org', 'designee', 'Alexis Toy'],
    ]);
    const rows = await db.query<{ email: string; kind: string; status: string; fhir_user: string }>(
      "SELECT email, kind, status, fhir_user FROM accounts WHERE kind <> 'staff' ORDER BY email",
    );
    expect(rows.rows.map((r) => [r.email, r.kind, r.status, r.fhir_user.split('/')[0]])).to.deep.equal([
      ['ana.toy@example.org', 'proxy', 'active', 'RelatedPerson'],
      ['reyna.ziemann@example.org', 'patient', 'active', 'Patient'],
    ]);
    for (const user of first.portalUsers) {
      const result = await signIn(
        {
          db,
          fhir,
          publicUrl: new URL('http://localhost:3000'),
          practice: { name: 'x', phone: '1', timeZone: 'UTC' },
          signIn: { invitationTtlMs: 1, resetTtlMs: 1, maxFailures: 5, lockoutMs: 1 },
          now: () => new Date(),
        },
        { email: user.email, password: user.password, birthDate: user.birthDate, clientAddress: '127.0.0.1' },
      );
      expect(result.ok, user.email).to.equal(true);
    }
  });
});
