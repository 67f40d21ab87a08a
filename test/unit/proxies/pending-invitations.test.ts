import { expect } from 'chai';
import nock from 'nock';
import type { Db } from '../../../src/store/db.ts';
import { createFhirClient } from '../../../src/store/fhir-client.ts';
import { hashPassword } from '../../../src/core/password-hash.ts';
import { FamilyError, type ProxiesDeps } from '../../../src/proxies/deps.ts';
import { inviteFamilyMember, type FamilyInvitationInput } from '../../../src/proxies/invite-family-member.ts';
import { cancelPendingInvitation, resendPendingInvitation } from '../../../src/proxies/pending-invitations.ts';
import { listFamily } from '../../../src/proxies/manage-family.ts';
import { inspectSignedInInvitation } from '../../../src/proxies/accept-signed-in.ts';
import { findLink, linkState } from '../../../src/store/invitations.ts';
import { migratedMemoryStore } from '../../support/memory-store.ts';

const hapi = 'http://hapi.test/fhir';
const day = 24 * 3600_000;

/**
 * The patient's invitations not yet accepted (issue 13): cancel one (its link dies), send it again (a new 4-day
 * link and email, the old link dead), each audited; an invitation whose link expired no longer refuses that
 * email as "already invited": inviting it again closes the old one and sends a working link.
 */
describe('family invitations not yet accepted: cancel, send again, invite again after the link expired', function () {
  this.timeout(60_000);
  let db: Db;
  let deps: ProxiesDeps;
  let ana: string;
  let now = new Date('2026-05-04T15:00:00Z');
  const password = 'una contraseña larga y buena';
  const patient = 'Patient/p-ana';
  const request = (invitationId: string) => ({ patient, invitationId, accountId: ana, clientAddress: '127.0.0.1' });

  const input = (overrides: Partial<FamilyInvitationInput> = {}): FamilyInvitationInput => ({
    accountId: ana,
    patientId: 'p-ana',
    password,
    name: 'Beto Ruiz',
    relationship: 'SPS',
    email: 'beto@example.org',
    access: 'everything',
    parts: [],
    endDate: '',
    signature: 'Ana Ruiz',
    locale: 'es',
    clientAddress: '127.0.0.1',
    ...overrides,
  });
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
  const lastEmail = async () =>
    (await db.query<{ payload: { to: string; text: string } }>("SELECT payload FROM outbox WHERE kind = 'email' ORDER BY id DESC LIMIT 1")).rows[0]!.payload;
  const tokenIn = (text: string, path: string) => new RegExp(`${path}\\?t=([A-Za-z0-9_-]{43})`).exec(text)?.[1];
  const audited = (event: string) => count("SELECT count(*)::text AS n FROM audit_events WHERE resource->'subtype' @> $1::jsonb", [JSON.stringify([{ code: event }])]);
  const refusal = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (error) {
      expect(error).to.be.instanceOf(FamilyError);
      return (error as FamilyError).code;
    }
    throw new Error('not refused');
  };

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
    const insert = async (email: string, patientRef: string) =>
      (
        await db.query<{ id: string }>(
          "INSERT INTO accounts (kind, email, status, patient, fhir_user, password_hash, birth_date, locale) VALUES ('patient', $1, 'active', $2, $2, $3, '1980-01-02', 'en') RETURNING id",
          [email, patientRef, hash],
        )
      ).rows[0]!.id;
    ana = await insert('ana@example.org', patient);
    await insert('carla@example.org', 'Patient/p-carla');
  });
  beforeEach(() => {
    for (const id of ['p-ana', 'p-carla'])
      nock(hapi)
        .persist()
        .get(`/Patient/${id}`)
        .reply(200, { resourceType: 'Patient', id, name: [{ given: [id.slice(2)], family: 'Ruiz' }], birthDate: '1980-01-02' });
  });
  afterEach(() => nock.cleanAll());
  after(() => db.close());

  it('sends a registration invitation again: a new link and email, the old link dead; then cancels it and its link dies too', async () => {
    const { invitationId } = await inviteFamilyMember(deps, input());
    const first = tokenIn((await lastEmail()).text, '/register')!;
    now = new Date(now.getTime() + day);
    expect(await resendPendingInvitation(deps, request(invitationId))).to.equal('beto@example.org');
    const mail = await lastEmail();
    expect(mail.to).to.equal('beto@example.org');
    const second = tokenIn(mail.text, '/register')!;
    expect(second).to.be.a('string').and.not.equal(first);
    expect(linkState(await findLink(db, first, 'registration'), now)).to.equal('voided');
    const fresh = await findLink(db, second, 'registration');
    expect(linkState(fresh, now)).to.equal('valid');
    expect(fresh!.expires_at.getTime() - now.getTime()).to.equal(96 * 3600_000);
    expect(await audited('family-invitation-resent')).to.equal(1);
    const [pending] = (await listFamily(deps, patient)).pending;
    expect(pending).to.deep.include({ id: invitationId, linkWorks: true, linkSentAt: now, linkExpiresAt: fresh!.expires_at });

    expect(await cancelPendingInvitation(deps, request(invitationId))).to.equal('beto@example.org');
    expect(linkState(await findLink(db, second, 'registration'), now)).to.equal('voided');
    expect((await listFamily(deps, patient)).pending).to.deep.equal([]);
    expect(await audited('family-invitation-cancelled')).to.equal(1);
    // Cancelled: neither can be done again, and nothing more is written.
    const emails = await count("SELECT count(*)::text AS n FROM outbox WHERE kind = 'email'");
    expect(await refusal(cancelPendingInvitation(deps, request(invitationId)))).to.equal('invitation_not_found');
    expect(await refusal(resendPendingInvitation(deps, request(invitationId)))).to.equal('invitation_not_found');
    expect(await count("SELECT count(*)::text AS n FROM outbox WHERE kind = 'email'")).to.equal(emails);
  });

  it('refuses another patient’s invitation, or an id that is not one, and writes nothing', async () => {
    const { invitationId } = await inviteFamilyMember(deps, input({ email: 'dora@example.org' }));
    const before = await count('SELECT count(*)::text AS n FROM outbox');
    const carla = { ...request(invitationId), patient: 'Patient/p-carla' };
    expect(await refusal(cancelPendingInvitation(deps, carla))).to.equal('invitation_not_found');
    expect(await refusal(resendPendingInvitation(deps, carla))).to.equal('invitation_not_found');
    expect(await refusal(cancelPendingInvitation(deps, request('not-an-id')))).to.equal('invitation_not_found');
    expect(await count('SELECT count(*)::text AS n FROM outbox')).to.equal(before);
    expect((await listFamily(deps, patient)).pending.map((p) => p.id)).to.include(invitationId);
  });

  it('sends an invitation to an existing account again with a new link to accept signed in; the old one reads as voided', async () => {
    const eva = (
      await db.query<{ id: string }>(
        "INSERT INTO accounts (kind, email, status, patient, fhir_user, birth_date, locale) VALUES ('patient', 'eva@example.org', 'active', 'Patient/p-eva', 'Patient/p-eva', '1990-01-01', 'en') RETURNING id",
      )
    ).rows[0]!.id;
    const { invitationId } = await inviteFamilyMember(deps, input({ email: 'eva@example.org' }));
    const first = tokenIn((await lastEmail()).text, '/account/family/accept')!;
    await resendPendingInvitation(deps, request(invitationId));
    const second = tokenIn((await lastEmail()).text, '/account/family/accept')!;
    expect(second).to.be.a('string').and.not.equal(first);
    expect(await inspectSignedInInvitation(deps, first, eva)).to.deep.equal({ status: 'link', state: 'voided' });
    expect((await inspectSignedInInvitation(deps, second, eva)).status).to.equal('offer');
    await cancelPendingInvitation(deps, request(invitationId));
    expect(await inspectSignedInInvitation(deps, second, eva)).to.deep.equal({ status: 'link', state: 'voided' });
  });

  it('an invitation whose link expired no longer refuses the email: inviting again closes it and sends a working registration link', async () => {
    const { invitationId, accountId } = await inviteFamilyMember(deps, input({ email: 'hugo@example.org' }));
    const first = tokenIn((await lastEmail()).text, '/register')!;
    // While the link works, the email is already invited.
    expect(await refusal(inviteFamilyMember(deps, input({ email: 'hugo@example.org' })))).to.equal('already_invited');
    now = new Date(now.getTime() + 5 * day);
    const listed = (await listFamily(deps, patient)).pending.find((p) => p.id === invitationId)!;
    expect(listed.linkWorks).to.equal(false);

    const again = await inviteFamilyMember(deps, input({ email: 'hugo@example.org', name: 'Hugo Ruiz' }));
    // The same pending account (it never registered), a registration link it can use, the old invitation closed.
    expect(again.accountId).to.equal(accountId);
    const second = tokenIn((await lastEmail()).text, '/register')!;
    expect(linkState(await findLink(db, second, 'registration'), now)).to.equal('valid');
    expect(linkState(await findLink(db, first, 'registration'), now)).to.not.equal('valid');
    const pending = (await listFamily(deps, patient)).pending.filter((p) => p.email === 'hugo@example.org');
    expect(pending.map((p) => [p.id, p.name, p.linkWorks])).to.deep.equal([[again.invitationId, 'Hugo Ruiz', true]]);
  });
});
