import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { migratedMemoryStore } from '../../support/memory-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { findLiveAccessToken } from '../../../src/store/live-access-token.ts';
import { mayActFor, reachOf } from '../../../src/access/reach.ts';
import { mayPick, pickablePatients, verifiedSubmission } from '../../../src/auth/patient-picker.ts';

/**
 * One definition of reach (migration 0007's account_reach view): the TypeScript face (reachOf, the
 * picker) and the per-request token check (live_access_token) answer from the same rows, and the access
 * epoch moves on every write the view can see end reach.
 */
describe('reach: which patients an account may act for, one rule for the picker, token issuance and the facade', function () {
  this.timeout(30_000);
  let db: Db;

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
  const link = (accountId: string, patient: string, relatedPerson: string | null = null, createdAt = new Date()) =>
    db.query('INSERT INTO account_patients (account_id, patient, related_person, created_at) VALUES ($1, $2, $3, $4)', [accountId, patient, relatedPerson, createdAt]);

  /** Whether a token for this account and patient passes the facade's per-request check (live_access_token's patient_live). */
  async function tokenLive(accountId: string, patient: string): Promise<boolean> {
    const grantId = randomUUID();
    const value = randomUUID();
    await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Grant', $1, $2)", [grantId, JSON.stringify({ accountId, clientId: 'app' })]);
    await db.query("INSERT INTO oidc_payloads (model, id, payload, grant_id) VALUES ('AccessToken', $1, $2, $3)", [
      value,
      JSON.stringify({ accountId, clientId: 'app', grantId, aud: 'https://portal.example/fhir', scope: 'patient/*.rs', extra: { patient } }),
      grantId,
    ]);
    return (await findLiveAccessToken(db, value, new Date())) !== undefined;
  }

  /** The subject reachOf sees for a signed-in account, and what the picker and the token check say for each candidate. */
  async function agree(accountId: string, candidates: readonly string[]) {
    const picker = await pickablePatients(db, accountId);
    for (const patient of candidates) {
      const reaches = picker.includes(patient);
      expect(await mayActFor(db, { kind: 'user', accountId }, patient), `mayActFor ${patient}`).to.equal(reaches);
      expect(await mayPick(db, accountId, patient), `mayPick ${patient}`).to.equal(reaches);
      expect(await tokenLive(accountId, patient), `token for ${patient}`).to.equal(reaches);
    }
    return picker;
  }

  before(async () => {
    db = await migratedMemoryStore();
    await db.query("INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', 'app', '{}')");
  });
  after(() => db.close());

  it('reaches a patient’s own record and its fhirUser Patient as self, and its unrevoked links as proxy, own record first', async () => {
    const mother = await account({ patient: 'Patient/m1', fhirUser: 'Patient/m1' });
    await link(mother, 'Patient/c2', 'RelatedPerson/rp-c2', new Date('2026-01-02T00:00:00Z'));
    await link(mother, 'Patient/c1', 'RelatedPerson/rp-c1', new Date('2026-01-01T00:00:00Z'));
    await link(mother, 'Patient/gone', null, new Date('2025-12-01T00:00:00Z'));
    await db.query("UPDATE account_patients SET revoked_at = now() WHERE account_id = $1 AND patient = 'Patient/gone'", [mother]);
    expect(await reachOf(db, { kind: 'user', accountId: mother })).to.deep.equal({
      practiceWide: false,
      patients: [
        { patient: 'm1', via: 'self' },
        { patient: 'c1', via: 'proxy', relatedPerson: 'RelatedPerson/rp-c1' },
        { patient: 'c2', via: 'proxy', relatedPerson: 'RelatedPerson/rp-c2' },
      ],
    });
    expect(await agree(mother, ['m1', 'c1', 'c2', 'gone', 'rp-c1', 'someone-else'])).to.deep.equal(['m1', 'c1', 'c2']);

    // fhirUser counts when it is a Patient (the same rule the token check always had), listed after the own record.
    const both = await account({ patient: 'Patient/a1', fhirUser: 'Patient/a2' });
    expect(await agree(both, ['a1', 'a2'])).to.deep.equal(['a1', 'a2']);
    const onlyFhirUser = await account({ patient: null, fhirUser: 'Patient/fu' });
    expect(await agree(onlyFhirUser, ['fu'])).to.deep.equal(['fu']);
    // A patient reached two ways is listed once, at its first place.
    const twice = await account({ patient: 'Patient/t1', fhirUser: 'Patient/t1' });
    await link(twice, 'Patient/t1', 'RelatedPerson/odd');
    expect(await reachOf(db, { kind: 'user', accountId: twice })).to.deep.equal({ practiceWide: false, patients: [{ patient: 't1', via: 'self' }] });
  });

  it('reaches the patient a designee signs for as proxy, through its RelatedPerson, never the RelatedPerson id itself', async () => {
    const designee = await account({ kind: 'proxy', patient: 'Patient/p-mother', fhirUser: 'RelatedPerson/r1' });
    expect(await reachOf(db, { kind: 'user', accountId: designee })).to.deep.equal({
      practiceWide: false,
      patients: [{ patient: 'p-mother', via: 'proxy', relatedPerson: 'RelatedPerson/r1' }],
    });
    expect(await agree(designee, ['p-mother', 'r1'])).to.deep.equal(['p-mother']);
  });

  it('reaches no one for an account that is not active, and staff reach no patient this way (practice-wide only as a staff token)', async () => {
    for (const status of ['pending', 'deactivated', 'disabled']) {
      const inactive = await account({ status, patient: 'Patient/i1', fhirUser: 'Patient/i1' });
      await link(inactive, 'Patient/i2');
      expect(await reachOf(db, { kind: 'user', accountId: inactive }), status).to.deep.equal({ practiceWide: false, patients: [] });
    }
    const staff = await account({ kind: 'staff', patient: 'Patient/s1', fhirUser: 'Practitioner/dr1' });
    await link(staff, 'Patient/s2');
    expect(await reachOf(db, { kind: 'user', accountId: staff })).to.deep.equal({ practiceWide: false, patients: [] });
    expect(await pickablePatients(db, staff)).to.deep.equal([]);
    // A staff member's checked token (EHR launch) and a backend client's token act for the practice, within their user/ or system/ scopes.
    expect(await reachOf(db, { kind: 'user', accountId: staff, staff: true })).to.deep.equal({ practiceWide: 'staff', patients: [] });
    expect(await reachOf(db, { kind: 'system', accountId: '' })).to.deep.equal({ practiceWide: 'system', patients: [] });
    expect(await mayActFor(db, { kind: 'user', accountId: staff, staff: true }, 'anyone')).to.equal(true);
    expect(await reachOf(db, { kind: 'user', accountId: 'not-a-uuid' })).to.deep.equal({ practiceWide: false, patients: [] });
    expect(await reachOf(db, { kind: 'user', accountId: randomUUID() })).to.deep.equal({ practiceWide: false, patients: [] });
  });

  it('accepts a picker submission only for a patient the account still reaches', async () => {
    const parent = await account({ patient: 'Patient/v1', fhirUser: 'Patient/v1' });
    await link(parent, 'Patient/v2');
    const submitted = (patient: unknown) => ({ select_patient: { patient } });
    expect(await verifiedSubmission(db, parent, submitted('v2'))).to.equal('v2');
    expect(await verifiedSubmission(db, parent, submitted('v3')), 'not reached').to.equal(undefined);
    expect(await verifiedSubmission(db, parent, submitted(['v2'])), 'not a string').to.equal(undefined);
    expect(await verifiedSubmission(db, parent, undefined), 'nothing picked').to.equal(undefined);
    expect(await verifiedSubmission(db, undefined, submitted('v2')), 'nobody signed in').to.equal(undefined);
    await db.query('UPDATE account_patients SET revoked_at = now() WHERE account_id = $1', [parent]);
    expect(await verifiedSubmission(db, parent, submitted('v2')), 'link revoked since').to.equal(undefined);
  });

  it('moves the access epoch on every write to what the view reads, except when a reach began', async () => {
    // The columns account_reach reads, from the catalog: adding one to the view without a trigger fails here.
    const read = await db.query<{ relname: string; attname: string }>(
      `SELECT DISTINCT c.relname, a.attname FROM pg_depend d
         JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
         JOIN pg_class c ON c.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
        WHERE v.relname = 'account_reach' AND c.relname <> 'account_reach' ORDER BY 1, 2`,
    );
    expect(read.rows.map((r) => `${r.relname}.${r.attname}`)).to.deep.equal([
      'account_patients.account_id',
      'account_patients.created_at',
      'account_patients.ends_at',
      'account_patients.parts',
      'account_patients.patient',
      'account_patients.related_person',
      'account_patients.revoked_at',
      'accounts.created_at',
      'accounts.fhir_user',
      'accounts.id',
      'accounts.kind',
      'accounts.patient',
      'accounts.status',
    ]);
    const epoch = async () => BigInt((await db.query<{ n: string }>('SELECT n::text AS n FROM access_epoch')).rows[0]!.n);
    const moves = async (write: () => Promise<unknown>) => {
      const before = await epoch();
      await write();
      return (await epoch()) > before;
    };
    const accountId = await account({ patient: 'Patient/e1', fhirUser: 'Patient/e1' });
    await link(accountId, 'Patient/e2', 'RelatedPerson/re2');
    const accountUpdates: Record<string, string> = {
      status: "status = 'pending'",
      kind: "kind = 'proxy'",
      patient: "patient = 'Patient/e9'",
      fhir_user: "fhir_user = 'Patient/e8'",
    };
    for (const [column, set] of Object.entries(accountUpdates))
      expect(await moves(() => db.query(`UPDATE accounts SET ${set} WHERE id = $1`, [accountId])), `accounts.${column}`).to.equal(true);
    for (const set of [
      "related_person = 'RelatedPerson/other'",
      "parts = '{appointments}'",
      "ends_at = now() + interval '1 day'",
      'revoked_at = now()',
      "patient = 'Patient/e3'",
    ]) {
      expect(await moves(() => db.query(`UPDATE account_patients SET ${set} WHERE account_id = $1`, [accountId])), `account_patients ${set}`).to.equal(true);
    }
    expect(await moves(() => db.query('DELETE FROM account_patients WHERE account_id = $1', [accountId])), 'link deleted').to.equal(true);
    expect(await moves(() => db.query('DELETE FROM accounts WHERE id = $1', [accountId])), 'account deleted').to.equal(true);
    // created_at only orders the picker; a new account or link only widens reach (nothing kept can be wrong).
    const other = await account();
    expect(await moves(() => link(other, 'Patient/n1')), 'link added').to.equal(false);
  });
});
