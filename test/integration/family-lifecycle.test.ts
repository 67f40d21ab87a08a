import { expect } from 'chai';
import type { Consent, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { HttpClient, formAction } from '../support/http-client.ts';
import { startPortal, type RunningPortal } from '../support/portal.ts';
import { onboard, type Onboarded } from '../support/onboard.ts';
import { addFamilyMember } from '../support/family-member.ts';
import { testEnvironment } from '../support/environment.ts';
import { startSwitchableForwarder } from '../support/tcp-forwarder.ts';
import { familyFhirDelivered } from '../support/family-jobs.ts';
import { seedStaff } from '../support/seed.ts';
import { changeFamilyAccess, endFamilyAccess } from '../../src/proxies/manage-family.ts';
import { sweepFamilyAccess } from '../../src/proxies/family-sweep.ts';
import { sweepMinorsAccess } from '../../src/proxies/minors-sweep.ts';

interface Member {
  readonly email: string;
  readonly accountId: string;
  readonly relatedPerson: string;
  readonly consent: string;
  readonly token: string;
}

/**
 * Family access's lifecycle reaching FHIR (issue 13): ending and changing access are store writes (the facade
 * refuses at once) whose FHIR side is an outbox job written in the same transaction, delivered once HAPI
 * answers; the daily sweep ends expired links in FHIR once, and sends the minors' notices once even when two
 * sweeps run together. Real HAPI, cut with a TCP forwarder as a real outage is; the store on PGlite.
 */
describe('Family access lifecycle: ending and changing reach FHIR through the outbox; the sweep runs once', function () {
  this.timeout(300_000);
  let forwarder: Awaited<ReturnType<typeof startSwitchableForwarder>>;
  let portal: RunningPortal;
  let a: Onboarded;

  before(async () => {
    forwarder = await startSwitchableForwarder(new URL(testEnvironment().hapi.baseUrl));
    // Quick retries so a job that failed while HAPI was down is due again soon; the sweep only when a test runs it.
    portal = await startPortal({ FHIR_UPSTREAM_URL: forwarder.url, OUTBOX_RETRY_BASE_MS: '100', OUTBOX_RETRY_MAX_MS: '200' }, { familySweep: false });
    a = await onboard(portal.ctx, portal.smtp);
  });
  after(async () => {
    await portal?.stop();
    await forwarder?.close();
  });

  const fhirStatus = async (path: string, token: string) =>
    (await fetch(`${portal.url}/fhir${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } })).status;
  const rows = async <T>(sql: string, params: unknown[] = []) => (await portal.ctx.db.query<T>(sql, params)).rows;
  const familyJobs = (relatedPerson: string) =>
    rows<{ status: string; attempts: number; payload: { action: string; at: string }; created_at: Date }>(
      "SELECT status, attempts, payload, created_at FROM outbox WHERE kind = 'family-fhir' AND payload->>'relatedPerson' = $1 ORDER BY id",
      [relatedPerson],
    );
  const read = async <T extends Consent | RelatedPerson>(reference: string) => portal.ctx.fhir.read<T>(reference.split('/')[0] as T['resourceType'], reference.split('/')[1]!);

  /** Runs the outbox until this link's job of this action is delivered (others may still wait). */
  async function untilSent(relatedPerson: string, action: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await portal.ctx.outbox.runOnce();
      if ((await familyJobs(relatedPerson)).some((j) => j.payload.action === action && j.status === 'sent')) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the ${action} job was not delivered`);
  }

  /** A family member of patient A, invited and registered through the services, signed in: a token for the facade. */
  const member = (access: 'everything' | 'limited' = 'everything', parts: string[] = []): Promise<Member> => addFamilyMember(portal, a, { access, parts });

  const endByPatient = (m: Member) =>
    endFamilyAccess(portal.ctx.accounts, {
      patient: `Patient/${a.patient.id}`,
      relatedPerson: m.relatedPerson,
      by: 'patient',
      actor: `Patient/${a.patient.id}`,
      accountId: a.accountId,
      clientAddress: '127.0.0.1',
      notify: true,
      patientName: 'María José Núñez',
    });

  it('HAPI down when the patient ends access: refused at once, the job waits in the outbox, and FHIR is ended once HAPI is back', async () => {
    const m = await member();
    expect(await fhirStatus(`/Patient/${a.patient.id}`, m.token)).to.equal(200);
    forwarder.down();
    try {
      expect(await endByPatient(m)).to.equal(true);
      // The store decides: the very next request is refused, with HAPI still away.
      expect(await fhirStatus(`/Patient/${a.patient.id}`, m.token)).to.equal(401);
      // The FHIR side waits in the outbox, and a delivery attempt while HAPI is down leaves it there.
      await portal.ctx.outbox.runOnce();
      const waiting = await familyJobs(m.relatedPerson);
      expect(waiting.map((j) => j.payload.action)).to.deep.equal(['end']);
      expect(waiting[0]!.status).to.be.oneOf(['pending', 'sending']);
      expect(waiting[0]!.attempts).to.be.greaterThan(0);
      expect((await read<Consent>(m.consent).catch(() => undefined))?.status, 'HAPI unreachable').to.equal(undefined);
    } finally {
      forwarder.up();
    }
    await familyFhirDelivered(portal.ctx);
    const [job] = await familyJobs(m.relatedPerson);
    expect(job!.status).to.equal('sent');
    const consent = await read<Consent>(m.consent);
    expect(consent.status).to.equal('inactive');
    expect(consent.provision?.period?.end).to.equal(job!.payload.at);
    const person = await read<RelatedPerson>(m.relatedPerson);
    expect(person.active).to.equal(false);
    expect(person.period?.end).to.equal(job!.payload.at);
    // Delivered again (the crash-after-HAPI-accepted case): nothing changes in FHIR.
    await portal.ctx.db.query("UPDATE outbox SET status = 'pending', next_attempt_at = now() WHERE kind = 'family-fhir' AND payload->>'relatedPerson' = $1", [m.relatedPerson]);
    await familyFhirDelivered(portal.ctx);
    expect((await read<Consent>(m.consent)).meta?.versionId).to.equal(consent.meta?.versionId);
    expect((await read<RelatedPerson>(m.relatedPerson)).meta?.versionId).to.equal(person.meta?.versionId);
  });

  it('HAPI down: “end everything” on the patient’s page and the staff console’s end still end access at once, with the emails queued; FHIR follows once HAPI is back', async () => {
    const [first, second, byStaff] = [await member(), await member(), await member()];
    const patient = new HttpClient(portal.url);
    const login = await patient.get('/auth/login');
    await patient.submit(formAction(login.body, /^\/interaction\//), { email: a.email, password: a.password, birthDate: a.patient.birthDate });
    const familyPage = await patient.get('/account/family');
    const seeded = await seedStaff(portal.ctx);
    const staff = new HttpClient(portal.url);
    await staff.get('/staff/login');
    await staff.submit('/staff/login', { email: seeded.email, password: seeded.password, code: seeded.code() });
    const consolePage = await staff.get(`/staff/patients/${a.patient.id}`);
    const csrf = (page: { body: string }) => /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const lastOutbox = (await rows<{ n: number }>('SELECT COALESCE(max(id), 0)::int AS n FROM outbox'))[0]!.n;
    const emailsSince = async () =>
      (await rows<{ payload: { to: string; text: string } }>("SELECT payload FROM outbox WHERE kind = 'email' AND id > $1 ORDER BY id", [lastOutbox])).map((r) => r.payload);

    forwarder.down();
    try {
      // Before, both read the Patient from HAPI first, so with HAPI down nothing ended.
      const ended = await staff.request(
        'POST',
        `/staff/patients/${a.patient.id}/family/end`,
        new URLSearchParams({ _csrf: csrf(consolePage), member: byStaff.relatedPerson.split('/')[1]! }),
      );
      expect(ended.status).to.equal(303);
      expect(ended.location).to.equal(`/staff/patients/${a.patient.id}?done=familyEnded`);
      expect(await fhirStatus(`/Patient/${a.patient.id}`, byStaff.token)).to.equal(401);

      const done = await patient.request('POST', '/account/end-everything', new URLSearchParams({ _csrf: csrf(familyPage) }));
      expect(done.status).to.equal(200);
      expect(done.body).to.include('Listo. Le enviamos por correo un comprobante de lo que terminó.');
      for (const m of [first, second]) expect(await fhirStatus(`/Patient/${a.patient.id}`, m.token)).to.equal(401);

      // The receipt to the patient and each family member's notice are queued, the notices without the patient's name.
      const emails = await emailsSince();
      const receipt = emails.find((e) => e.to === a.email)!;
      expect(receipt.text).to.include('Usted terminó todo acceso a su historia clínica');
      expect(receipt.text).to.include('El acceso de Lucía Núñez');
      for (const m of [first, second, byStaff]) {
        const notice = emails.find((e) => e.to === m.email)!;
        expect(notice.text, m.email).to.include('Terminó el acceso que le dieron a una historia clínica en el portal del paciente');
      }
      // The FHIR side waits in the outbox.
      for (const m of [first, second, byStaff]) expect((await familyJobs(m.relatedPerson)).map((j) => j.payload.action)).to.deep.equal(['end']);
    } finally {
      forwarder.up();
    }
    await familyFhirDelivered(portal.ctx);
    for (const m of [first, second, byStaff]) {
      expect((await familyJobs(m.relatedPerson)).map((j) => j.status)).to.deep.equal(['sent']);
      expect((await read<Consent>(m.consent)).status).to.equal('inactive');
      expect((await read<RelatedPerson>(m.relatedPerson)).active).to.equal(false);
    }
  });

  it('a change of parts queued before an end never reactivates the Consent, whichever job HAPI sees first', async () => {
    const m = await member('limited', ['appointments']);
    const before = await read<Consent>(m.consent);
    forwarder.down();
    try {
      await changeFamilyAccess(portal.ctx.accounts, {
        patient: `Patient/${a.patient.id}`,
        relatedPerson: m.relatedPerson,
        access: 'limited',
        parts: ['results'],
        actor: `Patient/${a.patient.id}`,
        accountId: a.accountId,
        clientAddress: '127.0.0.1',
      });
      expect(await endByPatient(m)).to.equal(true);
      expect((await familyJobs(m.relatedPerson)).map((j) => j.payload.action)).to.deep.equal(['parts', 'end']);
      // The end is delivered first: the change waits behind it.
      await portal.ctx.db.query(
        "UPDATE outbox SET next_attempt_at = now() + interval '1 hour' WHERE kind = 'family-fhir' AND payload->>'relatedPerson' = $1 AND payload->>'action' = 'parts'",
        [m.relatedPerson],
      );
    } finally {
      forwarder.up();
    }
    await untilSent(m.relatedPerson, 'end');
    expect((await read<Consent>(m.consent)).status).to.equal('inactive');
    await portal.ctx.db.query("UPDATE outbox SET next_attempt_at = now() WHERE kind = 'family-fhir' AND payload->>'relatedPerson' = $1", [m.relatedPerson]);
    await familyFhirDelivered(portal.ctx);
    expect((await familyJobs(m.relatedPerson)).map((j) => j.status)).to.deep.equal(['sent', 'sent']);
    const after = await read<Consent>(m.consent);
    expect(after.status).to.equal('inactive');
    // The change was never written: the Consent still permits what it did, and only the end was recorded.
    expect(after.provision?.class).to.deep.equal(before.provision?.class);
    expect(Number(after.meta?.versionId)).to.equal(Number(before.meta?.versionId) + 1);
  });

  it('the sweep ends a link past its end date in the store and in FHIR at that date, once', async () => {
    const m = await member();
    const endsAt = new Date(Date.now() - 60_000);
    await portal.ctx.db.query('UPDATE account_patients SET ends_at = $2 WHERE related_person = $1', [m.relatedPerson, endsAt]);
    expect(await fhirStatus(`/Patient/${a.patient.id}`, m.token)).to.equal(401);
    expect((await read<Consent>(m.consent)).status, 'FHIR still says active until the sweep').to.equal('active');
    const first = await sweepFamilyAccess(portal.ctx.accounts, portal.ctx.config.minors);
    expect(first?.expired).to.be.greaterThan(0);
    const second = await sweepFamilyAccess(portal.ctx.accounts, portal.ctx.config.minors);
    expect(second?.expired).to.equal(0);
    expect((await familyJobs(m.relatedPerson)).map((j) => [j.payload.action, j.payload.at])).to.deep.equal([['end', endsAt.toISOString()]]);
    const link = (await rows<{ ended_by: string; revoked_at: Date }>('SELECT ended_by, revoked_at FROM account_patients WHERE related_person = $1', [m.relatedPerson]))[0]!;
    expect(link).to.deep.equal({ ended_by: 'expired', revoked_at: endsAt });
    await familyFhirDelivered(portal.ctx);
    const consent = await read<Consent>(m.consent);
    expect(consent.status).to.equal('inactive');
    expect(consent.provision?.period?.end).to.equal(endsAt.toISOString());
    expect((await read<RelatedPerson>(m.relatedPerson)).active).to.equal(false);
  });

  describe('minors: a parent’s access to a patient turning 18', () => {
    const day = (offsetDays: number, years = 0) => {
      const date = new Date();
      date.setUTCFullYear(date.getUTCFullYear() - years);
      date.setUTCDate(date.getUTCDate() + offsetDays);
      return date.toISOString().slice(0, 10);
    };
    let parent: Member;
    before(async () => {
      parent = await member();
      // Patient A turns 18 in 20 days (the record's birth date, which the sweep reads); the access was given years ago.
      const patient = await portal.ctx.fhir.read<Patient>('Patient', a.patient.id);
      await portal.ctx.fhir.update({ ...patient, id: a.patient.id, birthDate: day(20, 18) });
      await portal.ctx.db.query("UPDATE account_patients SET created_at = now() - interval '10 years' WHERE account_id = $1", [parent.accountId]);
    });
    after(async () => {
      const patient = await portal.ctx.fhir.read<Patient>('Patient', a.patient.id);
      await portal.ctx.fhir.update({ ...patient, id: a.patient.id, birthDate: a.patient.birthDate });
    });
    const noticesTo = async (email: string) =>
      Number(
        (
          await rows<{ n: string }>("SELECT count(*)::text AS n FROM outbox WHERE kind = 'email' AND payload->>'to' = $1 AND payload->>'subject' LIKE '%termina pronto%'", [email])
        )[0]!.n,
      );

    it('two sweeps at the same moment send each 30-day notice once (to the parent and to the patient)', async () => {
      const [one, two] = await Promise.all([sweepFamilyAccess(portal.ctx.accounts, portal.ctx.config.minors), sweepFamilyAccess(portal.ctx.accounts, portal.ctx.config.minors)]);
      // One replica sweeps; the other finds the lease held and does nothing.
      expect([one, two].filter((result) => result === undefined)).to.have.length(1);
      expect((one ?? two)!.noticed).to.equal(1);
      // Even without the lease (two sweeps of the minors policy itself at once), the decision on the locked link sends nothing twice.
      await Promise.all([sweepMinorsAccess(portal.ctx.accounts, portal.ctx.config.minors), sweepMinorsAccess(portal.ctx.accounts, portal.ctx.config.minors)]);
      expect(await noticesTo(parent.email)).to.equal(1);
      expect(await noticesTo(a.email)).to.equal(1);
    });

    it('on the birthday the end, its FHIR job and the emails to both are one store transaction', async () => {
      const birthday = new Date(`${day(20, 0)}T00:00:01Z`);
      const result = await sweepFamilyAccess({ ...portal.ctx.accounts, now: () => birthday }, portal.ctx.config.minors);
      expect(result?.ended).to.equal(1);
      const written = await rows<{ kind: string; to: string | null; action: string | null; created_at: Date }>(
        `SELECT kind, payload->>'to' AS to, payload->>'action' AS action, created_at FROM outbox
          WHERE (kind = 'family-fhir' AND payload->>'relatedPerson' = $1) OR (kind = 'email' AND payload->>'to' IN ($2, $3) AND payload->>'subject' LIKE '%acceso de los padres%terminó%')
          ORDER BY id`,
        [parent.relatedPerson, parent.email, a.email],
      );
      expect(written.map((w) => [w.kind, w.to ?? w.action])).to.deep.equal([
        ['family-fhir', 'end'],
        ['email', parent.email],
        ['email', a.email],
      ]);
      // PostgreSQL's now() is the transaction's start: one value for all three rows means one transaction.
      expect(new Set(written.map((w) => w.created_at.toISOString())).size).to.equal(1);
      const link = (await rows<{ ended_by: string; revoked_at: Date }>('SELECT ended_by, revoked_at FROM account_patients WHERE related_person = $1', [parent.relatedPerson]))[0]!;
      expect(link).to.deep.equal({ ended_by: 'age', revoked_at: birthday });
      await familyFhirDelivered(portal.ctx);
      expect((await read<Consent>(parent.consent)).status).to.equal('inactive');
      expect((await read<RelatedPerson>(parent.relatedPerson)).period?.end).to.equal(birthday.toISOString());
    });
  });
});
