/**
 * An invitation to someone who already holds a portal account (invite-family-member.ts) is accepted signed in,
 * at /account/family/accept: the emailed single-use link (purpose 'proxy', 4 days, hashed) names the
 * invitation, and only the account it was sent to — signed in, active, still at that email — may accept it.
 * Accepting runs the same acceptance as registration does (accept-family-invitation.ts: RelatedPerson + Consent
 * + DocumentReference in one HAPI transaction, the family link and the invitation's acceptance in this store
 * transaction), and consumes the link. Looking at the link (GET) changes nothing, so mail scanners cannot burn it.
 *
 * Another signed-in account is told only that the invitation is not for it: not whose record, not for whom.
 * A deactivated account cannot sign in, so it never gets this far.
 */
import type { Patient } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import { findAccount } from '../store/accounts.ts';
import type { Queryable } from '../store/db.ts';
import { familyInvitationByLink, type FamilyInvitationRow } from '../store/family.ts';
import { consumeLink, findLink, linkState, type InvitationRow, type LinkState } from '../store/invitations.ts';
import { parseParts, type FamilyPart } from '../access/family-access.ts';
import { acceptFamilyInvitation } from './accept-family-invitation.ts';
import type { ProxiesDeps } from './deps.ts';

/** What the invitation offers, shown to the account it is for before it accepts. */
export interface InvitationOffer {
  readonly patientName: string;
  readonly relationship: string;
  /** undefined: everything the patient sees. */
  readonly parts: readonly FamilyPart[] | undefined;
  readonly endsAt: Date | undefined;
}

export type SignedInInvitation =
  | { readonly status: 'link'; readonly state: Exclude<LinkState, 'valid'> }
  | { readonly status: 'sign_in' }
  | { readonly status: 'not_for_you' }
  | { readonly status: 'offer'; readonly offer: InvitationOffer };

export type SignedInAcceptance =
  | { readonly status: 'link'; readonly state: Exclude<LinkState, 'valid'> }
  | { readonly status: 'not_for_you' }
  | { readonly status: 'accepted'; readonly patientName: string };

type Checked = { readonly status: 'link'; readonly state: Exclude<LinkState, 'valid'> } | { readonly status: 'not_for_you' } | { readonly invitation: FamilyInvitationRow };

/**
 * The one decision, for the page and the POST alike: the link's state first (as for every emailed link), then
 * whether `accountId` is the account the invitation went to. An invitation accepted or cancelled meanwhile
 * reads as a used or voided link.
 */
async function check(db: Queryable, token: string, accountId: string | undefined, now: Date, lock: boolean): Promise<Checked | { readonly status: 'sign_in' }> {
  const link: InvitationRow | undefined = await findLink(db, token, 'proxy', lock);
  const state = linkState(link, now);
  if (state !== 'valid') return { status: 'link', state };
  const invitation = await familyInvitationByLink(db, link!.id, lock);
  if (!invitation) return { status: 'link', state: 'invalid' };
  if (invitation.accepted_at) return { status: 'link', state: 'used' };
  if (invitation.cancelled_at) return { status: 'link', state: 'voided' };
  if (!accountId) return { status: 'sign_in' };
  const account = await findAccount(db, accountId);
  const isTheInvited =
    account?.id === link!.account_id && account.id === invitation.account_id && account.kind !== 'staff' && account.status === 'active' && account.email === invitation.email;
  return isTheInvited ? { invitation } : { status: 'not_for_you' };
}

/** What /account/family/accept shows for this link and this session's account (undefined: not signed in). */
export async function inspectSignedInInvitation(deps: ProxiesDeps, token: string, accountId: string | undefined): Promise<SignedInInvitation> {
  const checked = await check(deps.db, token, accountId, deps.now(), false);
  if (!('invitation' in checked)) return checked;
  const { invitation } = checked;
  const patient = await deps.fhir.read<Patient>('Patient', invitation.patient.split('/')[1]!);
  return {
    status: 'offer',
    offer: { patientName: displayName(patient.name), relationship: invitation.relationship, parts: parseParts(invitation.parts), endsAt: invitation.ends_at ?? undefined },
  };
}

/** The signed-in account accepts: re-checked under lock in the acceptance's own transaction, then accepted and the link consumed. */
export async function acceptSignedIn(deps: ProxiesDeps, input: { token: string; accountId: string; clientAddress: string }): Promise<SignedInAcceptance> {
  const now = deps.now();
  return deps.db.transaction(async (tx): Promise<SignedInAcceptance> => {
    const checked = await check(tx, input.token, input.accountId, now, true);
    if (!('invitation' in checked)) return checked.status === 'sign_in' ? { status: 'not_for_you' } : checked;
    const { invitation } = checked;
    const { patientName } = await acceptFamilyInvitation(tx, deps, { invitation, accountId: input.accountId, clientAddress: input.clientAddress, now });
    await consumeLink(tx, invitation.link!, now);
    return { status: 'accepted', patientName };
  });
}
