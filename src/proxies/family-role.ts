/**
 * How the signed-in account stands towards the record a session shows: the patient themself (may invite
 * and manage), a family member acting through a RelatedPerson (may leave), or neither. Decided from the one
 * definition of reach (account_reach), never from what the browser sends, and from the store alone: the
 * patient's name is not part of it (the few callers that show or email it ask patient-name.ts), so deciding
 * a role, and ending access, never waits for the FHIR server.
 */
import { accountReach } from '../store/account-reach.ts';
import { findAccount } from '../store/accounts.ts';
import type { ProxiesDeps } from './deps.ts';

export type FamilyRole =
  | { readonly role: 'patient'; readonly patient: string; readonly email: string; readonly locale: 'es' | 'en' }
  | { readonly role: 'member'; readonly patient: string; readonly relatedPerson: string };

export async function familyRole(deps: ProxiesDeps, accountId: string, patientId: string): Promise<FamilyRole | undefined> {
  const patient = `Patient/${patientId}`;
  const [account, reach] = await Promise.all([findAccount(deps.db, accountId), accountReach(deps.db, accountId)]);
  const row = reach.find((r) => r.patient === patient);
  if (!account || !row) return undefined;
  if (!(row.via === 'self' && account.kind === 'patient') && !(row.via === 'proxy' && row.relatedPerson)) return undefined;
  if (row.via === 'self') return { role: 'patient', patient, email: account.email, locale: account.locale };
  return { role: 'member', patient, relatedPerson: row.relatedPerson! };
}
