/**
 * Issue 13 point 5, decided once for reads (pipeline.ts) and writes (create-pipeline.ts) alike: what the
 * practice's minors policy means for this token on this request. Only a family member's token (a RelatedPerson
 * acting for the patient) is concerned; the patient, staff and backend clients are not.
 *
 * - `withhold-confidential`: the patient is an adolescent (between the full-access age and 18); resources labelled
 *   confidential or sensitive (access/minors.ts isConfidential) are outside reach — not read, not searched, not
 *   a Binary's authorizing resource, and no message is posted into such a conversation.
 * - `ended`: the access was given while the patient was a minor and the patient has turned 18; the token is refused
 *   (401) on its first request after the birthday, before anything else is looked at.
 * - `full`: nothing withheld.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Principal } from '../access/principal.ts';
import { isConfidential, minorStage, parentalAccessEnded, type MinorsPolicy } from '../access/minors.ts';
import { facadeUnauthenticated } from './facade-error.ts';

export interface MinorsDeps {
  readonly policy: MinorsPolicy;
  /** The patient's birth date as HAPI records it (cached by the router). */
  readonly birthDateOf: (patient: string) => Promise<string | undefined>;
  /** When the account's proxy access to the patient began (the link, or the designee's account). */
  readonly grantedAt: (accountId: string, patient: string) => Promise<Date | undefined>;
  readonly now?: () => Date;
}

export type MinorsDecision = 'full' | 'withhold-confidential' | 'ended';

export async function minorsDecision(minors: MinorsDeps | undefined, principal: Principal): Promise<MinorsDecision> {
  if (!minors || principal.kind !== 'user' || principal.staff || !principal.patient || !principal.fhirUser?.startsWith('RelatedPerson/')) return 'full';
  const birthDate = await minors.birthDateOf(principal.patient);
  const now = (minors.now ?? (() => new Date()))();
  const stage = minorStage(birthDate, now, minors.policy);
  if (stage === 'adolescent') return 'withhold-confidential';
  if (stage === 'adult') {
    // Access given while the patient was a minor (a parent's) ends by itself at 18, on the first request after it.
    const grantedAt = await minors.grantedAt(principal.accountId, principal.patient);
    if (grantedAt && parentalAccessEnded(birthDate, grantedAt, now, minors.policy)) return 'ended';
  }
  return 'full';
}

/**
 * The one predicate both pipelines apply once the decision is `withhold-confidential` (`hide`): a resource labelled
 * confidential or sensitive is treated as not there — a read's 404, a search's missing entry, a write's refused
 * conversation. The Patient itself is never withheld (a parent still reaches the record it acts for).
 */
export const withheldFromProxy = (minors: MinorsDeps | undefined, hide: boolean | undefined, resource: Resource): boolean =>
  hide === true && resource.resourceType !== 'Patient' && (!minors || isConfidential(resource, minors.policy));

/** What the read and write pipelines' exchanges hold of this decision. */
export interface MinorsExchange {
  readonly principal?: Principal;
  /** Set by applyMinorsPolicy: resources labelled confidential or sensitive are withheld from this token. */
  hideConfidential?: boolean;
}

/**
 * The step both pipelines run right after authentication, before HAPI is asked: a parent's access that ended at 18
 * → 401; a family member of an adolescent → confidential and sensitive resources withheld (`hideConfidential`).
 */
export async function applyMinorsPolicy(deps: { readonly minors?: MinorsDeps | undefined }, exchange: MinorsExchange): Promise<void> {
  const decision = await minorsDecision(deps.minors, exchange.principal!);
  if (decision === 'ended') throw facadeUnauthenticated();
  if (decision === 'withhold-confidential') exchange.hideConfidential = true;
}

/** withheldFromProxy with this request's decision: whether `resource` is treated as not there for this token. */
export const withheldFrom = (deps: { readonly minors?: MinorsDeps | undefined }, exchange: MinorsExchange, resource: Resource): boolean =>
  withheldFromProxy(deps.minors, exchange.hideConfidential, resource);
