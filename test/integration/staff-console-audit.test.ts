import { expect } from 'chai';
import type { AuditEvent } from '@medplum/fhirtypes';
import { findAccount, findStaffByEmail } from '../../src/store/accounts.ts';
import { HttpClient } from '../support/http-client.ts';
import { onboard } from '../support/onboard.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { seedPatient, seedStaff } from '../support/seed.ts';

/** DESIGN.md security model 10: staff console reads of patient data are audited like every other access. */
describe('staff console reads are audited (patient search, patient page, signed form)', function () {
  this.timeout(180_000);
  let portal: RunningPortal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal.stop());

  const trail = async (practitioner: string) =>
    (
      await portal.ctx.db.query<{ resource: AuditEvent; patient: string | null }>(
        "SELECT resource, patient FROM audit_events WHERE agent = $1 AND resource->'type'->>'code' = 'rest' ORDER BY recorded_at",
        [practitioner],
      )
    ).rows;

  it('records who read which patient, how and what was asked, before the page is shown', async () => {
    const staff = await seedStaff(portal.ctx);
    const practitioner = (await findStaffByEmail(portal.ctx.db, staff.email))!.fhir_user!;
    const { patient, accountId } = await onboard(portal.ctx, portal.smtp);
    const consentId = (await findAccount(portal.ctx.db, accountId))!.consent!.split('/')[1]!;
    const other = await seedPatient(portal.ctx);
    const browser = new HttpClient(portal.url, 'en');
    await browser.get('/staff/login');
    await browser.submit('/staff/login', { email: staff.email, password: staff.password, code: staff.code() });
    expect(await trail(practitioner), 'signing in reads no patient').to.have.length(0);

    expect((await browser.get(`/staff?mrn=${patient.mrn}`)).body).to.include(`/staff/patients/${patient.id}`);
    expect((await browser.get(`/staff/patients/${patient.id}`)).status).to.equal(200);
    expect((await browser.get(`/staff/consents/${consentId}/form.pdf`)).status).to.equal(200);
    expect((await browser.get(`/staff?mrn=no-such-${other.mrn}`)).status).to.equal(200);

    const events = await trail(practitioner);
    expect(events.map((e) => [e.resource.subtype?.[0]?.code, e.patient])).to.deep.equal([
      ['search-type', `Patient/${patient.id}`],
      ['read', `Patient/${patient.id}`],
      ['read', `Patient/${patient.id}`],
      ['search-type', null],
    ]);
    const query = (event: AuditEvent) => Buffer.from(event.entity!.find((e) => e.query)!.query!, 'base64').toString();
    expect(events.map((e) => query(e.resource))).to.deep.equal([
      `GET /staff?mrn=${patient.mrn}`,
      `GET /staff/patients/${patient.id}`,
      `GET /staff/consents/${consentId}/form.pdf`,
      `GET /staff?mrn=no-such-${other.mrn}`,
    ]);
    for (const { resource } of events) {
      expect(resource.agent?.[0]).to.deep.include({ requestor: true, who: { reference: practitioner } });
      expect(resource.outcome).to.equal('0');
    }
  });
});
