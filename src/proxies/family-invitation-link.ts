/**
 * The single-use, hashed, 4-day link of a family invitation and its email, in the caller's store transaction:
 * one machinery for inviting (invite-family-member.ts) and for "send again" (pending-invitations.ts).
 *
 * Two kinds of link. A person who will register (a new email, or the pending account made for an earlier
 * invitation, which cannot sign in yet) gets the account's registration link — issuing it voids that account's
 * earlier registration links — and an email to create a password. Someone who already holds a working account
 * gets a 'proxy' link to accept signed in, which the invitation names (family_invitations.link); several such
 * links may be open side by side, one per inviting patient.
 */
import type { Locale } from '../core/i18n/translate.ts';
import type { Queryable } from '../store/db.ts';
import { attachOutbox, issueLink } from '../store/invitations.ts';
import { enqueue } from '../store/outbox.ts';
import { familyInvitationEmail, familySignInInvitationEmail } from './family-emails.ts';
import type { ProxiesDeps } from './deps.ts';

export interface InvitationLinkRequest {
  /** The invited person's account (pending or not). */
  readonly accountId: string;
  readonly email: string;
  /** true: a registration link (/register); false: a link to accept signed in (/account/family/accept). */
  readonly registration: boolean;
  /** The email's language. */
  readonly locale: Locale;
  readonly patientName: string;
  readonly now: Date;
}

/** Issues the link and queues its email; the 'proxy' link's id (the invitation must name it), or null for a registration link. */
export async function emailInvitationLink(tx: Queryable, deps: ProxiesDeps, request: InvitationLinkRequest): Promise<string | null> {
  const { token, invitationId: linkId } = await issueLink(tx, {
    accountId: request.accountId,
    purpose: request.registration ? 'registration' : 'proxy',
    email: request.email,
    ttlMs: deps.signIn.invitationTtlMs,
    now: request.now,
  });
  const message = request.registration
    ? familyInvitationEmail(request.locale, deps.practice, request.email, new URL(`/register?t=${token}`, deps.publicUrl).toString(), request.patientName)
    : familySignInInvitationEmail(request.locale, deps.practice, request.email, new URL(`/account/family/accept?t=${token}`, deps.publicUrl).toString(), request.patientName);
  await attachOutbox(tx, linkId, await enqueue(tx, { kind: 'email', payload: message }));
  return request.registration ? null : linkId;
}
