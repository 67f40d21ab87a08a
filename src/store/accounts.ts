/**
 * Portal accounts: patients, designees (proxies) and staff. Every write to the `accounts` table and
 * every lookup of its rows lives in this module; services in src/accounts/ call it (the reach view of
 * migration 0007 and the session check join it read-only). Emails are stored lower-cased.
 */
import type { Queryable } from './db.ts';

export type AccountKind = 'patient' | 'proxy' | 'staff';
export type AccountStatus = 'pending' | 'active' | 'deactivated' | 'disabled';

export interface AccountRow {
  readonly id: string;
  readonly kind: AccountKind;
  readonly email: string;
  readonly password_hash: string | null;
  readonly status: AccountStatus;
  readonly fhir_user: string | null;
  readonly patient: string | null;
  readonly birth_date: string | null;
  readonly consent: string | null;
  readonly roles: string[];
  readonly locale: 'es' | 'en';
  readonly totp_secret: string | null;
  readonly totp_last_step: string | null;
}

const columns = `id, kind, email, password_hash, status, fhir_user, patient, to_char(birth_date, 'YYYY-MM-DD') AS birth_date,
  consent, roles, locale, totp_secret, totp_last_step::text`;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export async function findAccount(db: Queryable, id: string): Promise<AccountRow | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE id = $1`, [id])).rows[0];
}

/** A patient-side account (the patient's own, or a designee's) by sign-in email. */
export async function findPortalAccountByEmail(db: Queryable, email: string): Promise<AccountRow | undefined> {
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE kind IN ('patient', 'proxy') AND email = $1 ORDER BY kind LIMIT 1`, [normalizeEmail(email)])).rows[0];
}

export async function findStaffByEmail(db: Queryable, email: string): Promise<AccountRow | undefined> {
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE kind = 'staff' AND email = $1`, [normalizeEmail(email)])).rows[0];
}

/** Every patient-side account that acts for a patient (Patient/<id>), newest first. */
export async function findAccountsForPatient(db: Queryable, patient: string): Promise<AccountRow[]> {
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE patient = $1 AND kind IN ('patient', 'proxy') ORDER BY created_at DESC`, [patient])).rows;
}

/** Staff accounts for the admin page, without secrets. */
export async function listStaffAccounts(db: Queryable): Promise<AccountRow[]> {
  return (
    await db.query<AccountRow>(
      `SELECT id, kind, email, NULL AS password_hash, status, fhir_user, patient, NULL AS birth_date, consent, roles, locale, NULL AS totp_secret, NULL AS totp_last_step
         FROM accounts WHERE kind = 'staff' ORDER BY email`,
    )
  ).rows;
}

export interface NewStaffRow {
  readonly email: string;
  readonly passwordHash: string;
  /** Practitioner/<id> */
  readonly practitioner: string;
  readonly roles: readonly string[];
  readonly locale: 'es' | 'en';
  readonly totpSecret: string;
}

/** A new, active staff account; its id. */
export async function insertStaffAccount(db: Queryable, row: NewStaffRow): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO accounts (kind, email, password_hash, status, fhir_user, roles, locale, totp_secret)
     VALUES ('staff', $1, $2, 'active', $3, $4, $5, $6) RETURNING id`,
    [normalizeEmail(row.email), row.passwordHash, row.practitioner, [...row.roles], row.locale, row.totpSecret],
  );
  return result.rows[0]!.id;
}

export interface PortalAccountAuthorization {
  /** Consent/<id> of the signed portal and email authorization. */
  readonly consent: string;
  readonly locale: 'es' | 'en';
  readonly birthDate: string | null;
  readonly now: Date;
}

/** A new patient-side account waiting for registration (promise 10: only after a signed authorization); its id. */
export async function insertPendingPortalAccount(
  db: Queryable,
  row: PortalAccountAuthorization & { kind: 'patient' | 'proxy'; email: string; fhirUser: string; patient: string },
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO accounts (kind, email, status, fhir_user, patient, birth_date, consent, locale)
     VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7) RETURNING id`,
    [row.kind, normalizeEmail(row.email), row.fhirUser, row.patient, row.birthDate, row.consent, row.locale],
  );
  return result.rows[0]!.id;
}

/** An existing account under a new signed authorization: pending again, its old password gone (it registers afresh). */
export async function reopenPortalAccount(db: Queryable, accountId: string, row: PortalAccountAuthorization): Promise<void> {
  await db.query(
    `UPDATE accounts SET status = 'pending', password_hash = NULL, consent = $2, locale = $3, birth_date = $4, deactivated_at = NULL, updated_at = $5
      WHERE id = $1`,
    [accountId, row.consent, row.locale, row.birthDate, row.now],
  );
}

/** Registration completed: the password is set and the account becomes active. */
export async function activateAccount(db: Queryable, accountId: string, passwordHash: string, now: Date): Promise<void> {
  await db.query("UPDATE accounts SET password_hash = $2, status = 'active', updated_at = $3 WHERE id = $1", [accountId, passwordHash, now]);
}

export async function setPasswordHash(db: Queryable, accountId: string, passwordHash: string, now: Date): Promise<void> {
  await db.query('UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1', [accountId, passwordHash, now]);
}

/** The TOTP time step just accepted: a code is good once (RFC 6238 §5.2). */
export async function rememberTotpStep(db: Queryable, accountId: string, step: number): Promise<void> {
  await db.query('UPDATE accounts SET totp_last_step = $2 WHERE id = $1', [accountId, step]);
}

/** Turns a patient-side account's authenticator-app second factor on (with the step just used) or off (null). */
export async function setPatientTotp(db: Queryable, accountId: string, totp: { secret: string; step: number } | null, now: Date): Promise<void> {
  await db.query("UPDATE accounts SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1 AND kind <> 'staff'", [
    accountId,
    totp?.secret ?? null,
    totp?.step ?? null,
    now,
  ]);
}

export async function setAccountEmail(db: Queryable, accountId: string, email: string, now: Date): Promise<void> {
  await db.query('UPDATE accounts SET email = $2, updated_at = $3 WHERE id = $1', [accountId, normalizeEmail(email), now]);
}

/** Promise 11: the account stops; it can be reopened only by a new signed authorization. */
export async function markAccountDeactivated(db: Queryable, accountId: string, now: Date): Promise<void> {
  await db.query("UPDATE accounts SET status = 'deactivated', deactivated_at = $2, updated_at = $2 WHERE id = $1", [accountId, now]);
}

/** A staff member enabled or disabled by an admin. */
export async function setStaffStatus(db: Queryable, accountId: string, enabled: boolean, now: Date): Promise<void> {
  await db.query("UPDATE accounts SET status = $2, updated_at = $3 WHERE id = $1 AND kind = 'staff'", [accountId, enabled ? 'active' : 'disabled', now]);
}

/**
 * A family member's account waiting for registration, made by the patient's invitation (issue 13). It reaches
 * no patient by itself (no `patient`): only through the proxy link its acceptance writes, live while the
 * Consent is. `birthDate` is the date of birth asked at sign-in: that of the patient who invited them
 * (docs/accounts.md, "Family and caregivers"), as for a designee of the paper form.
 */
export async function insertPendingFamilyAccount(
  db: Queryable,
  row: { email: string; fhirUser: string; birthDate: string | null; consent: string; locale: 'es' | 'en' },
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO accounts (kind, email, status, fhir_user, patient, birth_date, consent, locale)
     VALUES ('proxy', $1, 'pending', $2, NULL, $3, $4, $5) RETURNING id`,
    [normalizeEmail(row.email), row.fhirUser, row.birthDate, row.consent, row.locale],
  );
  return result.rows[0]!.id;
}

/** The paper-form designee's account behind this RelatedPerson for this patient, deactivated when its access ends (store/family.ts). */
export async function deactivateDesignee(db: Queryable, patient: string, relatedPerson: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE accounts a SET status = 'deactivated', deactivated_at = $3, updated_at = $3
      WHERE a.kind = 'proxy' AND a.patient = $1 AND a.fhir_user = $2 AND a.status IN ('active', 'pending')
        AND EXISTS (SELECT 1 FROM account_patients l WHERE l.account_id = a.id AND l.patient = $1 AND l.related_person = $2 AND l.revoked_at IS NULL)`,
    [patient, relatedPerson, now],
  );
}
