/**
 * Reach: which patients a principal may act for, and how (DESIGN.md security model rule 8 and "Proxies
 * are RelatedPerson resources"). The rule for people is written once, in SQL — the `account_reach` view
 * of migration 0007, read both here (through src/store/account-reach.ts) and by the per-request token
 * check (live_access_token) — so the picker, token issuance and the facade agree:
 *
 * - an active patient-side account reaches its own record (or, for a designee, the patient it signs
 *   for), its fhirUser when that is a Patient, and its unrevoked proxy links;
 * - a staff member's token reaches the practice: the patient its EHR launch named, and every patient
 *   only within the user/ scopes registered for the app (src/fhir/pipeline.ts decides that per request);
 * - a backend client's token reaches the practice within its system/ scopes.
 *
 * Which data of a reached patient a token may read is the scopes' business (scopes.ts), not this file's.
 */
import type { Queryable } from '../store/db.ts';
import { accountReach } from '../store/account-reach.ts';
import { parseLiteralReference } from '../core/fhir/references.ts';
import type { Principal } from './principal.ts';

export interface ReachedPatient {
  /** The patient id. */
  readonly patient: string;
  /** 'self': the account's own record; 'proxy': someone the account acts for (a RelatedPerson). */
  readonly via: 'self' | 'proxy';
  /** RelatedPerson/<id> the account acts through, when known. */
  readonly relatedPerson?: string;
  /** A family member's limited Consent: the parts of the record it permits (family-access.ts); absent: everything. */
  readonly parts?: readonly string[];
}

export type Reach =
  /** Specific patients (possibly none). */
  | { readonly practiceWide: false; readonly patients: readonly ReachedPatient[] }
  /** Every patient of the practice, within the token's system/ (backend client) or user/ (staff) scopes. */
  | { readonly practiceWide: 'system' | 'staff'; readonly patients: readonly [] };

/** Who asks: a checked token (Principal), or a signed-in account (`staff` unknown: patient-side rules apply, and staff reach no one by them). */
export type ReachSubject = Pick<Principal, 'kind' | 'accountId' | 'staff'>;

export async function reachOf(db: Queryable, subject: ReachSubject): Promise<Reach> {
  if (subject.kind === 'system') return { practiceWide: 'system', patients: [] };
  if (subject.staff) return { practiceWide: 'staff', patients: [] };
  const patients: ReachedPatient[] = [];
  for (const row of await accountReach(db, subject.accountId)) {
    // Exactly `Patient/<id>`, as the token check compares it (no versions, no bases).
    const literal = parseLiteralReference(row.patient);
    if (literal?.type !== 'Patient' || row.patient !== `Patient/${literal.id}`) continue;
    patients.push({
      patient: literal.id,
      via: row.via,
      ...(row.relatedPerson ? { relatedPerson: row.relatedPerson } : {}),
      ...(row.parts ? { parts: row.parts } : {}),
    });
  }
  return { practiceWide: false, patients };
}

/** True when the subject may act for this patient id (practice-wide reach: any patient; else one of its reached patients). */
export async function mayActFor(db: Queryable, subject: ReachSubject, patient: string): Promise<boolean> {
  const reach = await reachOf(db, subject);
  return reach.practiceWide !== false || reach.patients.some((reached) => reached.patient === patient);
}

/** The patient ids of a reach, in its order (the picker's list). */
export const reachedPatientIds = (reach: Reach): string[] => reach.patients.map((reached) => reached.patient);
