import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { findLiveAccessToken } from '../../../src/store/live-access-token.ts';

/**
 * The per-request token check (DESIGN.md security model 8): every condition that ends a token acts on
 * the next lookup, and the lookup reaches the account and its links by index, never by scanning them.
 */
describe('live access token: every request re-checks token, grant, account and patient link', function () {
  this.timeout(30_000);
  let db: Db;
  const now = new Date('2026-12-02T12:00:00Z');
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  interface Seeded {
    readonly token: string;
    readonly grantId: string;
    readonly accountId: string;
  }

  async function account(fields: { kind?: string; status?: string; patient?: string | null; fhirUser?: string | null } = {}): Promise<string> {
    const rows = await db.query<{ id: string }>('INSERT INTO accounts (kind, email, status, patient, fhir_user) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
      fields.kind ?? 'patient',
      `${randomUUID()}@example.org`,
      fields.status ?? 'active',
      fields.patient === undefined ? 'Patient/p-own' : fields.patient,
      fields.fhirUser === undefined ? 'Patient/p-own' : fields.fhirUser,
    ]);
    return rows.rows[0]!.id;
  }

  /** A grant and an access token under it, as oidc-provider's adapter stores them. */
  async function token(accountId: string, options: { patient?: string; accountIdInToken?: string; tokenExpiresAt?: Date; exp?: number } = {}): Promise<Seeded> {
    const grantId = randomUUID();
    const value = randomUUID();
    await db.query("INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ('Grant', $1, $2, $3)", [
      grantId,
      JSON.stringify({ accountId, clientId: 'app' }),
      later(3600),
    ]);
    const payload = {
      accountId: options.accountIdInToken ?? accountId,
      clientId: 'app',
      grantId,
      aud: 'https://portal.example/fhir',
      scope: 'patient/*.rs',
      extra: { patient: options.patient ?? 'p-own' },
      ...(options.exp !== undefined ? { exp: options.exp } : {}),
    };
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id, expires_at) VALUES ('AccessToken', $1, $2, $3, $4)", [
      value,
      JSON.stringify(payload),
      grantId,
      options.tokenExpiresAt ?? later(900),
    ]);
    return { token: value, grantId, accountId };
  }

  const live = async (value: string, at = now) => (await findLiveAccessToken(db, value, at)) !== undefined;
  const currentEpoch = async () => String((await db.query<{ n: string }>('SELECT n::text AS n FROM access_epoch')).rows[0]!.n);

  before(async () => {
    db = await migratedMemoryStore();
    await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', 'app', '{}'), ('Client', 'backend', '{}')");
    // A practice's worth of accounts and links, so the planner has a real choice between scanning and the index.
    await db.query(
      "INSERT INTO accounts (kind, email, status, patient, fhir_user) SELECT 'patient', 'seed' || g || '@example.org', 'active', 'Patient/s' || g, 'Patient/s' || g FROM generate_series(1, 3000) g",
    );
    await db.query("INSERT INTO account_patients (account_id, patient) SELECT id, 'Patient/child-' || email FROM accounts WHERE email LIKE 'seed%'");
    await db.query(
      "INSERT INTO oidc_payloads (model, id, payload, grant_id, expires_at) SELECT m, m || g, '{}', 'grant' || g, $1 FROM generate_series(1, 3000) g, unnest(ARRAY['Session', 'Grant', 'AccessToken']) m",
      [later(3600)],
    );
    await db.exec('ANALYZE');
  });
  after(() => db.close());

  it('answers a live token with its account, client, grant, scope, patient and fhirUser', async () => {
    const accountId = await account();
    const seeded = await token(accountId);
    const epoch = await currentEpoch();
    expect(await findLiveAccessToken(db, seeded.token, now)).to.deep.equal({
      kind: 'user',
      accountId,
      clientId: 'app',
      grantId: seeded.grantId,
      audience: 'https://portal.example/fhir',
      scope: 'patient/*.rs',
      extra: { patient: 'p-own' },
      fhirUser: 'Patient/p-own',
      staff: false,
      // The token row expires before its grant; the answer holds until then at most.
      liveUntil: later(900).getTime(),
      epoch,
    });
  });

  it('refuses an unknown, expired (row or exp claim), revoked or rotated token', async () => {
    const accountId = await account();
    expect(await live('no-such-token')).to.equal(false);
    expect(await live((await token(accountId, { tokenExpiresAt: later(-1) })).token)).to.equal(false);
    expect(await live((await token(accountId, { exp: Math.floor(now.getTime() / 1000) - 1 })).token)).to.equal(false);
    const seeded = await token(accountId);
    expect(await live(seeded.token, later(901))).to.equal(false);
    // Revocation (RFC 7009) and refresh-token reuse detection delete the token row.
    await db.query("DELETE FROM oidc_payloads WHERE model = 'AccessToken' AND id = $1", [seeded.token]);
    expect(await live(seeded.token)).to.equal(false);
  });

  it('refuses a token whose grant was removed or has expired', async () => {
    const accountId = await account();
    const removed = await token(accountId);
    expect(await live(removed.token)).to.equal(true);
    await db.query("DELETE FROM oidc_payloads WHERE model = 'Grant' AND id = $1", [removed.grantId]);
    expect(await live(removed.token)).to.equal(false);
    const expired = await token(accountId);
    await db.query("UPDATE oidc_payloads SET expires_at = $2 WHERE model = 'Grant' AND id = $1", [expired.grantId, later(-1)]);
    expect(await live(expired.token)).to.equal(false);
  });

  it('refuses a token whose account is deactivated, pending or unknown, or names no valid account id', async () => {
    for (const status of ['deactivated', 'disabled', 'pending']) {
      const accountId = await account();
      const seeded = await token(accountId);
      expect(await live(seeded.token), 'before').to.equal(true);
      await db.query('UPDATE accounts SET status = $2 WHERE id = $1', [accountId, status]);
      expect(await live(seeded.token), status).to.equal(false);
    }
    const accountId = await account();
    expect(await live((await token(accountId, { accountIdInToken: randomUUID() })).token), 'unknown account').to.equal(false);
    expect(await live((await token(accountId, { accountIdInToken: 'not-a-uuid' })).token), 'malformed account id').to.equal(false);
    expect(await live((await token(accountId, { accountIdInToken: accountId.toUpperCase() })).token), 'another spelling of the id').to.equal(false);
  });

  it('lets the token act only for a patient the account may still act for: its own record, its fhirUser, or a live link', async () => {
    const own = await account({ patient: 'Patient/p-own', fhirUser: 'Patient/p-own' });
    expect(await live((await token(own, { patient: 'p-own' })).token), 'own record').to.equal(true);
    expect(await live((await token(own, { patient: 'p-other' })).token), 'someone else').to.equal(false);
    // A designee signs for the patient in accounts.patient; their fhirUser is their RelatedPerson.
    const designee = await account({ kind: 'proxy', patient: 'Patient/p-mother', fhirUser: 'RelatedPerson/r1' });
    expect(await live((await token(designee, { patient: 'p-mother' })).token), 'designee for').to.equal(true);
    expect(await live((await token(designee, { patient: 'r1' })).token), 'not their RelatedPerson id').to.equal(false);
    const byFhirUser = await account({ patient: null, fhirUser: 'Patient/p-fu' });
    expect(await live((await token(byFhirUser, { patient: 'p-fu' })).token), 'fhirUser').to.equal(true);
    // A link in account_patients works while it is live; revoking or deleting it ends the token at once.
    const parent = await account({ patient: 'Patient/p-parent', fhirUser: 'Patient/p-parent' });
    await db.query("INSERT INTO account_patients (account_id, patient) VALUES ($1, 'Patient/p-child'), ($1, 'Patient/p-child2')", [parent]);
    const child = await token(parent, { patient: 'p-child' });
    const child2 = await token(parent, { patient: 'p-child2' });
    expect([await live(child.token), await live(child2.token)]).to.deep.equal([true, true]);
    await db.query("UPDATE account_patients SET revoked_at = $2 WHERE account_id = $1 AND patient = 'Patient/p-child'", [parent, now]);
    await db.query("DELETE FROM account_patients WHERE account_id = $1 AND patient = 'Patient/p-child2'", [parent]);
    expect([await live(child.token), await live(child2.token)]).to.deep.equal([false, false]);
    // Another account's link does not count.
    expect(await live((await token(own, { patient: 'child-seed1@example.org' })).token), 'another account’s link').to.equal(false);
  });

  it('lets a staff token (EHR launch) act for any patient of the practice, while the staff account is active', async () => {
    const staff = await account({ kind: 'staff', patient: null, fhirUser: 'Practitioner/dr1' });
    const seeded = await token(staff, { patient: 'p-anyone' });
    expect(await findLiveAccessToken(db, seeded.token, now)).to.include({ kind: 'user', staff: true, fhirUser: 'Practitioner/dr1' });
    await db.query("UPDATE accounts SET status = 'deactivated' WHERE id = $1", [staff]);
    expect(await live(seeded.token)).to.equal(false);
  });

  it('answers a backend client’s token while it and its client live', async () => {
    const value = randomUUID();
    await db.query("INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ('ClientCredentials', $1, $2, $3)", [
      value,
      JSON.stringify({ clientId: 'backend', aud: 'https://portal.example/fhir', scope: 'system/Patient.rs' }),
      later(300),
    ]);
    const epoch = await currentEpoch();
    expect(await findLiveAccessToken(db, value, now)).to.deep.equal({
      kind: 'system',
      accountId: '',
      clientId: 'backend',
      grantId: '',
      audience: 'https://portal.example/fhir',
      scope: 'system/Patient.rs',
      extra: {},
      fhirUser: null,
      staff: false,
      liveUntil: later(300).getTime(),
      epoch,
    });
    expect(await live(value, later(301)), 'expired').to.equal(false);
    await db.query("DELETE FROM oidc_payloads WHERE model = 'Client' AND id = 'backend'");
    expect(await live(value), 'client removed').to.equal(false);
  });

  it('reaches tokens, grants, accounts and links by index: no table is scanned on a lookup', async () => {
    const parent = await account({ patient: 'Patient/p-scan', fhirUser: 'Patient/p-scan' });
    await db.query("INSERT INTO account_patients (account_id, patient) VALUES ($1, 'Patient/p-scan-child')", [parent]);
    const tokens = [await token(parent, { patient: 'p-scan' }), await token(parent, { patient: 'p-scan-child' })];
    await db.exec('ANALYZE');
    const scans = async () => {
      // Statistics are flushed when the session goes idle; force it and read a fresh snapshot.
      await db.query('SELECT pg_stat_force_next_flush()');
      await db.query('SELECT pg_stat_clear_snapshot()');
      const rows = await db.query<{ relname: string; seq_scan: string }>(
        "SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relname IN ('accounts', 'account_patients', 'oidc_payloads') ORDER BY relname",
      );
      return Object.fromEntries(rows.rows.map((r) => [r.relname, Number(r.seq_scan)]));
    };
    const before = await scans();
    for (let i = 0; i < 20; i++) expect(await live(tokens[i % 2]!.token)).to.equal(true);
    expect(await scans()).to.deep.equal(before);
  });

  it('moves the access epoch with every write that can end access, and with no other', async () => {
    const moves = async (write: () => Promise<unknown>) => {
      const before = BigInt(await currentEpoch());
      await write();
      return BigInt(await currentEpoch()) > before;
    };
    const accountId = await account();
    const seeded = await token(accountId);
    // Writes that end access: each one moves it.
    expect(await moves(() => db.query("DELETE FROM oidc_payloads WHERE model = 'AccessToken' AND id = $1", [seeded.token])), 'token revoked').to.equal(true);
    const second = await token(accountId);
    expect(await moves(() => db.query("UPDATE oidc_payloads SET expires_at = $2 WHERE model = 'Grant' AND id = $1", [second.grantId, later(60)])), 'grant changed').to.equal(true);
    expect(await moves(() => db.query("DELETE FROM oidc_payloads WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)", [second.grantId])), 'grant revoked').to.equal(true);
    expect(await moves(() => db.query("UPDATE accounts SET status = 'deactivated' WHERE id = $1", [accountId])), 'account deactivated').to.equal(true);
    const parent = await account();
    await db.query("INSERT INTO account_patients (account_id, patient) VALUES ($1, 'Patient/p-epoch-child')", [parent]);
    expect(await moves(() => db.query('UPDATE account_patients SET revoked_at = now() WHERE account_id = $1', [parent])), 'link revoked').to.equal(true);
    expect(await moves(() => db.query("UPDATE accounts SET patient = 'Patient/p-other' WHERE id = $1", [parent])), 'patient changed').to.equal(true);
    await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', 'epoch-app', '{}')");
    expect(await moves(() => db.query("DELETE FROM oidc_payloads WHERE model = 'Client' AND id = 'epoch-app'")), 'client removed').to.equal(true);
    // Everyday writes that cannot end access leave it alone, so kept answers stay usable.
    const other = await account();
    expect(await moves(() => token(other)), 'token issued').to.equal(false);
    expect(await moves(() => db.query('UPDATE accounts SET totp_last_step = 5, locale = $2 WHERE id = $1', [other, 'en'])), 'sign-in bookkeeping').to.equal(false);
    expect(await moves(() => db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Session', $1, '{}')", [randomUUID()])), 'session saved').to.equal(false);
    expect(await moves(() => db.query("INSERT INTO account_patients (account_id, patient) VALUES ($1, 'Patient/p-new-child')", [other])), 'link added').to.equal(false);
  });
  it('answers a family link’s RelatedPerson and Consent parts, and lives no longer than its end (migration 0009)', async () => {
    const member = await account({ kind: 'proxy', patient: null, fhirUser: 'RelatedPerson/rp-first' });
    const endsAt = new Date(Date.now() + 3_600_000);
    await db.query(
      "INSERT INTO account_patients (account_id, patient, related_person, consent, parts, ends_at) VALUES ($1, 'Patient/p-fam', 'RelatedPerson/rp-fam', 'Consent/c-fam', '{appointments,carePlan}', $2)",
      [member, endsAt],
    );
    const seeded = await token(member, { patient: 'p-fam', tokenExpiresAt: new Date(Date.now() + 7_200_000) });
    // The view compares the end with the store's clock (now()), so this test lives on the real clock.
    await db.query("UPDATE oidc_payloads SET expires_at = $2 WHERE model = 'Grant' AND id = $1", [seeded.grantId, new Date(Date.now() + 7_200_000)]);
    const answer = await findLiveAccessToken(db, seeded.token, new Date());
    expect(answer?.relatedPerson).to.equal('RelatedPerson/rp-fam');
    expect(answer?.parts).to.deep.equal(['appointments', 'carePlan']);
    expect(answer?.liveUntil).to.equal(endsAt.getTime());
    // Everything (parts NULL): no parts in the answer.
    await db.query('UPDATE account_patients SET parts = NULL WHERE account_id = $1', [member]);
    expect((await findLiveAccessToken(db, seeded.token, new Date()))?.parts).to.equal(undefined);
    // Past its end, or revoked: not live.
    await db.query("UPDATE account_patients SET ends_at = now() - interval '1 second' WHERE account_id = $1", [member]);
    expect(await findLiveAccessToken(db, seeded.token, new Date())).to.equal(undefined);
    await db.query('UPDATE account_patients SET ends_at = NULL, revoked_at = now() WHERE account_id = $1', [member]);
    expect(await findLiveAccessToken(db, seeded.token, new Date())).to.equal(undefined);
  });
});
