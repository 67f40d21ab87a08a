/**
 * SMART launch context in the store: EHR launch values (opaque, CSPRNG, single use, short-lived,
 * stored hashed), the context each grant was authorized with, and the proxy links of an account.
 * Which patients an account may act for is the `account_reach` view (migration 0007), read through
 * account-reach.ts and src/access/reach.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './db.ts';

const hash = (value: string) => createHash('sha256').update(`ehr-launch:${value}`).digest();

export interface EhrLaunch {
  readonly accountId: string;
  readonly clientId: string;
  /** The patient id. */
  readonly patient: string;
}

/** A new launch value for this staff account, app and patient; only its hash is stored. */
export async function createEhrLaunch(db: Queryable, launch: EhrLaunch, options: { ttlMs: number; now: Date }): Promise<string> {
  const value = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO ehr_launches (id_hash, account_id, client_id, patient, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    hash(value),
    launch.accountId,
    launch.clientId,
    launch.patient,
    options.now,
    new Date(options.now.getTime() + options.ttlMs),
  ]);
  return value;
}

/** The launch a value names if it is known, unexpired, unused and issued for this client; else undefined. Does not use it up. */
export async function findUsableEhrLaunch(db: Queryable, value: string, clientId: string, now: Date): Promise<EhrLaunch | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(value)) return undefined;
  const rows = await db.query<{ account_id: string; client_id: string; patient: string }>(
    'SELECT account_id, client_id, patient FROM ehr_launches WHERE id_hash = $1 AND client_id = $2 AND consumed_at IS NULL AND expires_at > $3',
    [hash(value), clientId, now],
  );
  const row = rows.rows[0];
  return row ? { accountId: row.account_id, clientId: row.client_id, patient: row.patient } : undefined;
}

/** Uses a launch up, atomically: at most one caller ever gets it, and only for its own client and account. */
export async function consumeEhrLaunch(db: Queryable, value: string, clientId: string, accountId: string, now: Date): Promise<EhrLaunch | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(value)) return undefined;
  const rows = await db.query<{ patient: string }>(
    `UPDATE ehr_launches SET consumed_at = $4
      WHERE id_hash = $1 AND client_id = $2 AND account_id = $3 AND consumed_at IS NULL AND expires_at > $4
      RETURNING patient`,
    [hash(value), clientId, accountId, now],
  );
  const row = rows.rows[0];
  return row ? { accountId, clientId, patient: row.patient } : undefined;
}

export interface GrantContext {
  /** The patient id. */
  readonly patient: string;
  readonly needPatientBanner: boolean;
  readonly smartStyle: boolean;
}

export async function saveGrantContext(db: Queryable, grantId: string, context: GrantContext): Promise<void> {
  await db.query(
    `INSERT INTO grant_contexts (grant_id, patient, need_patient_banner, smart_style) VALUES ($1, $2, $3, $4)
     ON CONFLICT (grant_id) DO UPDATE SET patient = $2, need_patient_banner = $3, smart_style = $4`,
    [grantId, context.patient, context.needPatientBanner, context.smartStyle],
  );
}

export async function findGrantContext(db: Queryable, grantId: string): Promise<GrantContext | undefined> {
  const rows = await db.query<{ patient: string; need_patient_banner: boolean; smart_style: boolean }>(
    'SELECT patient, need_patient_banner, smart_style FROM grant_contexts WHERE grant_id = $1',
    [grantId],
  );
  const row = rows.rows[0];
  return row ? { patient: row.patient, needPatientBanner: row.need_patient_banner, smartStyle: row.smart_style } : undefined;
}

/** Links an account to a patient it may act for (proxy invitations will call this; tests seed with it). */
export async function linkAccountToPatient(db: Queryable, accountId: string, patient: string, relatedPerson?: string): Promise<void> {
  await db.query(
    `INSERT INTO account_patients (account_id, patient, related_person) VALUES ($1, $2, $3)
     ON CONFLICT (account_id, patient) DO UPDATE SET revoked_at = NULL, related_person = $3`,
    [accountId, patient, relatedPerson ?? null],
  );
}

/** The staff account a launch value was made by, for this client, used or not (who must sign in for it). */
export async function ehrLaunchOwner(db: Queryable, value: string, clientId: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(value)) return undefined;
  const rows = await db.query<{ account_id: string }>('SELECT account_id FROM ehr_launches WHERE id_hash = $1 AND client_id = $2', [hash(value), clientId]);
  return rows.rows[0]?.account_id;
}
