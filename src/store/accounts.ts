/** Portal accounts: patients, designees (proxies) and staff. Emails are stored lower-cased. */
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
  return (
    await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE kind IN ('patient', 'proxy') AND email = $1 ORDER BY kind LIMIT 1`, [
      normalizeEmail(email),
    ])
  ).rows[0];
}

export async function findStaffByEmail(db: Queryable, email: string): Promise<AccountRow | undefined> {
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE kind = 'staff' AND email = $1`, [normalizeEmail(email)])).rows[0];
}

/** Every patient-side account that acts for a patient (Patient/<id>), newest first. */
export async function findAccountsForPatient(db: Queryable, patient: string): Promise<AccountRow[]> {
  return (await db.query<AccountRow>(`SELECT ${columns} FROM accounts WHERE patient = $1 AND kind IN ('patient', 'proxy') ORDER BY created_at DESC`, [patient]))
    .rows;
}
