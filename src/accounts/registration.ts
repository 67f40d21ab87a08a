/**
 * Registration (promise 5, step 2): the emailed link opens a form; only completing it — right date
 * of birth and an acceptable password — consumes the link and activates the account. A few wrong
 * dates of birth freeze the link, which staff see and replace.
 */
import { accountAuditEvent } from '../core/fhir/audit-event.ts';
import { hashPassword } from '../core/password-hash.ts';
import { activateAccount, findAccount } from '../store/accounts.ts';
import { recordAuditEvent } from '../store/audit-trail.ts';
import { consumeLink, findLink, linkState, recordWrongBirthDate, type LinkState } from '../store/invitations.ts';
import type { Queryable } from '../store/db.ts';
import { checkPassword, type PasswordProblem } from './password-policy.ts';
import { registrationBirthDateAttempts, type AccountsDeps } from './deps.ts';

export type RegistrationOutcome =
  | { readonly status: 'registered'; readonly accountId: string }
  | { readonly status: 'link'; readonly state: Exclude<LinkState, 'valid'> }
  | { readonly status: 'wrong_birth_date' }
  | { readonly status: 'weak_password'; readonly problem: PasswordProblem };

/** What a registration link is, without touching it (GET must not consume: link scanners open links). */
export async function inspectRegistrationLink(deps: AccountsDeps, token: string): Promise<LinkState> {
  return linkState(await findLink(deps.db, token, 'registration'), deps.now());
}

/**
 * `onAccept` runs in the registration's transaction just before the account is activated: a family member's
 * acceptance writes the FHIR RelatedPerson + Consent pair and the proxy link there (proxies/accept-family-invitation.ts).
 * If it throws, nothing of the registration is written (the link stays unused, the account pending).
 */
export type AcceptStep = (tx: Queryable, accountId: string, now: Date) => Promise<void>;

export async function completeRegistration(
  deps: AccountsDeps,
  input: { token: string; birthDate: string; password: string; clientAddress: string },
  options: { onAccept?: AcceptStep } = {},
): Promise<RegistrationOutcome> {
  const now = deps.now();
  return deps.db.transaction(async (tx): Promise<RegistrationOutcome> => {
    const link = await findLink(tx, input.token, 'registration', true);
    const state = linkState(link, now);
    if (state !== 'valid') return { status: 'link', state };
    const account = await findAccount(tx, link!.account_id);
    if (account?.status !== 'pending') return { status: 'link', state: 'voided' };
    if (!account.birth_date || account.birth_date !== input.birthDate.trim()) {
      const frozen = await recordWrongBirthDate(tx, link!.id, registrationBirthDateAttempts, now);
      return frozen ? { status: 'link', state: 'frozen' } : { status: 'wrong_birth_date' };
    }
    const verdict = checkPassword(input.password, { email: account.email, practiceName: deps.practice.name });
    if (!verdict.ok) return { status: 'weak_password', problem: verdict.code };

    const passwordHash = await hashPassword(input.password);
    await options.onAccept?.(tx, account.id, now);
    await activateAccount(tx, account.id, passwordHash, now);
    await consumeLink(tx, link!.id, now);
    await recordAuditEvent(
      tx,
      accountAuditEvent({
        event: 'registration',
        success: true,
        actor: account.fhir_user ?? undefined,
        accountId: account.id,
        patient: account.patient ?? undefined,
        clientAddress: input.clientAddress,
        portalName: deps.practice.name,
        recorded: now,
      }),
    );
    return { status: 'registered', accountId: account.id };
  });
}
