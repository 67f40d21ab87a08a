import { expect } from 'chai';
import nock from 'nock';
import type { Db } from '../../../src/store/db.ts';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import { hashPassword } from '../../../src/core/password-hash.ts';
import type { ProxiesDeps } from '../../../src/proxies/deps.ts';
import { FamilyError } from '../../../src/proxies/deps.ts';
import { inviteFamilyMember, type FamilyInvitationInput } from '../../../src/proxies/invite-family-member.ts';
import { acceptSignedIn, inspectSignedInInvitation } from '../../../src/proxies/accept-signed-in.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

const hapi = 'http://hapi.test/fhir';

/**
 * Family invitations without user enumeration (issue 13): whatever account already holds the invited email,
 * the inviter gets the same answer and the store does the same work, except that no second account is made for
 * an existing patient-side holder, who gets a link to accept signed in. Only that account may accept it.
 */
describe('family invitation to an email that already has an account', function () {
  this.timeout(60_000);
  let db: Db;
  let deps: ProxiesDeps;
  let inviter: string;
  let second: string;
  const password = 'una contraseña larga y buena';
  const now = new Date('2026-05-04T15:00:00Z');

  async function account(kind: 'patient' | 'proxy' | 'staff', email: string, options: { status?: string; patient?: string | null; passwordHash?: string | null } = {}) {
    const patient = options.patient === undefined ? (kind === 'patient' ? `Patient/p-${email.split('@')[0]}` : null) : options.patient;
    const rows = await db.query<{ id: string }>(
      "INSERT INTO accounts (kind, email, status, patient, fhir_user, password_hash, birth_date, locale) VALUES ($1, $2, $3, $4, $5, $6, '1980-01-02', 'en') RETURNING id",
      [kind, email, options.status ?? 'active', patient, kind === 'staff' ? 'Practitioner/s1' : patient, options.passwordHash ?? null],
    );
    return rows.rows[0]!.id;
  }

  const input = (overrides: Partial<FamilyInvitationInput>): FamilyInvitationInput => ({
    accountId: inviter,
    patientId: 'p-ana',
    password,
    name: 'Beto Ruiz',
    relationship: 'SPS',
    email: 'fresh@example.org',
    access: 'everything',
    parts: [],
    endDate: '',
    signature: 'Ana Ruiz',
    locale: 'es',
    clientAddress: '127.0.0.1',
    ...overrides,
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
  const counts = async () => ({
    accounts: await count('SELECT count(*)::text AS n FROM accounts'),
    invitations: await count('SELECT count(*)::text AS n FROM invitations'),
    family: await count('SELECT count(*)::text AS n FROM family_invitations'),
    outbox: await count('SELECT count(*)::text AS n FROM outbox'),
    emails: await count("SELECT count(*)::text AS n FROM outbox WHERE kind = 'email'"),
    audit: await count('SELECT count(*)::text AS n FROM audit_events'),
  });
  const delta = (before: Record<string, number>, after: Record<string, number>) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]!]));
  const lastEmail = async () =>
    (await db.query<{ payload: { to: string; subject: string; text: string } }>("SELECT payload FROM outbox WHERE kind = 'email' ORDER BY id DESC LIMIT 1")).rows[0]!.payload;
  const tokenIn = (text: string, path: string) => new RegExp(`${path}\\?t=([A-Za-z0-9_-]{43})`).exec(text)?.[1];

  before(async () => {
    db = await migratedMemoryStore();
    deps = {
      db,
      fhir: createFhirClient({ baseUrl: hapi, timeoutMs: 2000 }),
      publicUrl: new URL('https://portal.test'),
      practice: { name: 'Clínica Puente', phone: '555-0100', timeZone: 'America/New_York' },
      signIn: { invitationTtlMs: 96 * 3600_000, resetTtlMs: 3600_000, maxFailures: 5, lockoutMs: 900_000 },
      now: () => now,
    };
    const hash = await hashPassword(password);
    inviter = await account('patient', 'ana@example.org', { passwordHash: hash });
    second = await account('patient', 'carla@example.org', { passwordHash: hash });
  });
  beforeEach(() => {
    for (const id of ['p-ana', 'p-carla'])
      nock(hapi)
        .persist()
        .get(`/Patient/${id}`)
        .reply(200, { resourceType: 'Patient', id, name: [{ given: [id.slice(2)], family: 'Ruiz' }], birthDate: '1980-01-02' });
  });
  after(() => db.close());

  it('answers an existing patient, another patient’s family member, a deactivated account and a staff email exactly as a new email', async () => {
    const existing = {
      patient: await account('patient', 'beto@example.org'),
      member: await account('proxy', 'dora@example.org', { patient: null }),
      deactivated: await account('patient', 'eva@example.org', { status: 'deactivated' }),
    };
    await account('staff', 'nurse@example.org');
    const fresh = await counts();
    const newAnswer = await inviteFamilyMember(deps, input({ email: 'fresh@example.org' }));
    const work = delta(fresh, await counts());
    expect(work).to.deep.include({ accounts: 1, invitations: 1, family: 1, emails: 1, audit: 1 });
    const newMail = await lastEmail();
    expect(tokenIn(newMail.text, '/register')).to.be.a('string');
    expect(newAnswer).to.have.keys(['invitationId', 'accountId']);

    for (const [email, holder] of [
      ['beto@example.org', existing.patient],
      ['dora@example.org', existing.member],
      ['eva@example.org', existing.deactivated],
    ] as const) {
      const before = await counts();
      const answer = await inviteFamilyMember(deps, input({ email: email.toUpperCase() }));
      expect(Object.keys(answer), email).to.deep.equal(Object.keys(newAnswer));
      // The same work, less the pending account: the existing one is the invitation's.
      expect(delta(before, await counts()), email).to.deep.equal({ ...work, accounts: 0 });
      expect(answer.accountId).to.equal(holder);
      const row = (
        await db.query<{ account_id: string; link: string; purpose: string; expires_at: Date }>(
          'SELECT f.account_id, f.link, i.purpose, i.expires_at FROM family_invitations f JOIN invitations i ON i.id = f.link WHERE f.id = $1',
          [answer.invitationId],
        )
      ).rows[0]!;
      expect(row).to.deep.include({ account_id: holder, purpose: 'proxy' });
      expect(row.expires_at.getTime() - now.getTime()).to.equal(96 * 3600_000);
      const mail = await lastEmail();
      expect(mail.to).to.equal(email);
      expect(tokenIn(mail.text, '/account/family/accept'), email).to.be.a('string');
      expect(mail.text).not.to.include('/register');
      // In the holder's language (en here), whatever the inviter's page language.
      expect(mail.subject).to.equal('You are invited to see a record in the Clínica Puente patient portal');
    }

    // Staff sign in on the console only: their email is a new email on the patient side.
    const before = await counts();
    await inviteFamilyMember(deps, input({ email: 'nurse@example.org' }));
    expect(delta(before, await counts())).to.deep.equal(work);
    expect(tokenIn((await lastEmail()).text, '/register')).to.be.a('string');
  });

  it('keeps the refusals about the patient’s own data, and writes nothing for them', async () => {
    const before = await counts();
    const refused = async (overrides: Partial<FamilyInvitationInput>) => {
      try {
        await inviteFamilyMember(deps, input(overrides));
      } catch (error) {
        expect(error).to.be.instanceOf(FamilyError);
        return (error as FamilyError).code;
      }
      throw new Error('not refused');
    };
    expect(await refused({ email: 'ANA@example.org' })).to.equal('inviting_self');
    expect(await refused({ email: 'beto@example.org' })).to.equal('already_invited');
    expect(await refused({ email: 'fresh@example.org' })).to.equal('already_invited');
    expect(await counts()).to.deep.equal(before);
  });

  it('a second patient inviting the same account gets a link of its own; the first stays open', async () => {
    await inviteFamilyMember(deps, input({ accountId: second, patientId: 'p-carla', email: 'beto@example.org', signature: 'Carla Ruiz' }));
    const links = (await db.query<{ voided_at: Date | null }>("SELECT i.voided_at FROM invitations i JOIN accounts a ON a.id = i.account_id WHERE a.email = 'beto@example.org'"))
      .rows;
    expect(links).to.have.length(2);
    expect(links.every((l) => l.voided_at === null)).to.equal(true);
  });

  it('only the account the invitation was sent to may accept it; then the link is used and the family link is that account’s', async () => {
    const hugo = await account('patient', 'hugo@example.org');
    await inviteFamilyMember(deps, input({ email: 'hugo@example.org', relationship: 'BRO', endDate: '2027-01-31' }));
    const token = tokenIn((await lastEmail()).text, '/account/family/accept')!;
    const stranger = await account('patient', 'ivan@example.org');
    const staff = (await db.query<{ id: string }>("SELECT id FROM accounts WHERE email = 'nurse@example.org' AND kind = 'staff'")).rows[0]!.id;

    expect(await inspectSignedInInvitation(deps, token, undefined)).to.deep.equal({ status: 'sign_in' });
    expect(await inspectSignedInInvitation(deps, token, stranger)).to.deep.equal({ status: 'not_for_you' });
    expect(await inspectSignedInInvitation(deps, token, inviter)).to.deep.equal({ status: 'not_for_you' });
    expect(await inspectSignedInInvitation(deps, token, staff)).to.deep.equal({ status: 'not_for_you' });
    expect(await inspectSignedInInvitation(deps, 'x'.repeat(43), hugo)).to.deep.equal({ status: 'link', state: 'invalid' });
    const offer = await inspectSignedInInvitation(deps, token, hugo);
    expect(offer).to.deep.equal({
      status: 'offer',
      offer: { patientName: 'ana Ruiz', relationship: 'BRO', parts: undefined, endsAt: new Date('2027-02-01T05:00:00Z') },
    });
    expect(await acceptSignedIn(deps, { token, accountId: stranger, clientAddress: '127.0.0.9' })).to.deep.equal({ status: 'not_for_you' });
    expect(await count('SELECT count(*)::text AS n FROM account_patients WHERE account_id = $1', [stranger])).to.equal(0);

    // The same acceptance as registration's: both profiles validated, one HAPI transaction.
    let bundle: { type?: string; entry?: { request: { method: string; url: string } }[] } = {};
    nock(hapi)
      .post(/\/RelatedPerson\/\$validate/)
      .reply(200, { resourceType: 'OperationOutcome', issue: [] });
    nock(hapi)
      .post(/\/Consent\/\$validate/)
      .reply(200, { resourceType: 'OperationOutcome', issue: [] });
    nock(hapi)
      .post('/', (body: typeof bundle) => {
        bundle = body;
        return true;
      })
      .reply(200, { resourceType: 'Bundle', type: 'transaction-response' });
    expect(await acceptSignedIn(deps, { token, accountId: hugo, clientAddress: '127.0.0.9' })).to.deep.equal({ status: 'accepted', patientName: 'ana Ruiz' });
    expect(bundle.type).to.equal('transaction');
    expect(bundle.entry?.map((e) => e.request.url.split('/')[0])).to.deep.equal(['RelatedPerson', 'Consent', 'DocumentReference']);
    const link = (
      await db.query<{ patient: string; related_person: string; ends_at: Date }>('SELECT patient, related_person, ends_at FROM account_patients WHERE account_id = $1', [hugo])
    ).rows;
    expect(link).to.have.length(1);
    expect(link[0]!.patient).to.equal('Patient/p-ana');
    expect(await count("SELECT count(*)::text AS n FROM invitations WHERE account_id = $1 AND purpose = 'proxy' AND consumed_at IS NOT NULL", [hugo])).to.equal(1);
    expect(await inspectSignedInInvitation(deps, token, hugo)).to.deep.equal({ status: 'link', state: 'used' });
    expect(await acceptSignedIn(deps, { token, accountId: hugo, clientAddress: '127.0.0.9' })).to.deep.equal({ status: 'link', state: 'used' });
    // Now a family member of this patient: inviting them again is the patient's own data to refuse.
    try {
      await inviteFamilyMember(deps, input({ email: 'hugo@example.org' }));
      expect.fail('not refused');
    } catch (error) {
      expect((error as FamilyError).code).to.equal('already_family');
    }
  });

  it('a deactivated account’s link is not accepted, and a link voided by deactivation reads as voided', async () => {
    const token = async () => tokenIn((await lastEmail()).text, '/account/family/accept')!;
    const frank = await account('patient', 'frank@example.org');
    await inviteFamilyMember(deps, input({ email: 'frank@example.org' }));
    const link = await token();
    await db.query("UPDATE accounts SET status = 'deactivated' WHERE id = $1", [frank]);
    expect(await inspectSignedInInvitation(deps, link, frank)).to.deep.equal({ status: 'not_for_you' });
    await db.query('UPDATE invitations SET voided_at = $2 WHERE account_id = $1', [frank, now]);
    expect(await acceptSignedIn(deps, { token: link, accountId: frank, clientAddress: '127.0.0.9' })).to.deep.equal({ status: 'link', state: 'voided' });
  });
});
