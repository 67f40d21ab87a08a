/**
 * How the signed-in account stands towards the record a session shows: the patient themself (may invite
 * and manage), a family member acting through a RelatedPerson (may leave), or neither. Decided from the one
 * definition of reach (account_reach), never from what the browser sends. The patient's name comes from the FHIR
 * server; when it does not answer the role still stands (without the name), so ending access never waits for it.
 */
import { accountReach } from '../store/account-reach.ts';
import { findAccount } from '../store/accounts.ts';
import type { ProxiesDeps } from './deps.ts';
import { patientNameIfReachable } from './patient-name.ts';

export type FamilyRole =
  | { readonly role: 'patient'; readonly patient: string; readonly patientName: string | undefined; readonly email: string; readonly locale: 'es' | 'en' }
  | { readonly role: 'member'; readonly patient: string; readonly relatedPerson: string; readonly patientName: string | undefined };

export async function familyRole(deps: ProxiesDeps, accountId: string, patientId: string): Promise<FamilyRole | undefined> {
  const patient = `Patient/${patientId}`;
  const [account, reach] = await Promise.all([findAccount(deps.db, accountId), accountReach(deps.db, accountId)]);
  const row = reach.find((r) => r.patient === patient);
  if (!account || !row) return undefined;
  if (!(row.via === 'self' && account.kind === 'patient') && !(row.via === 'proxy' && row.relatedPerson)) return undefined;
  const patientName = await patientNameIfReachable(deps, patientId);
  if (row.via === 'self') return { role: 'patient', patient, patientName, email: account.email, locale: account.locale };
  return { role: 'member', patient, relatedPerson: row.relatedPerson!, patientName };
}
