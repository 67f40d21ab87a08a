import { AppError } from '../core/errors.ts';
import { findAccount } from '../store/accounts.ts';
import type { AccountsDeps } from './deps.ts';
import { sendRegistrationLink } from './record-authorization.ts';
import type { StaffMember } from './record-authorization.ts';

/** Promise 6: the practice can send a new registration link; the earlier ones stop working. */
export async function resendInvitation(deps: AccountsDeps, staff: StaffMember, accountId: string, clientAddress: string): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const account = await findAccount(tx, accountId);
    if (!account || account.kind === 'staff' || account.status !== 'pending') throw new AppError('not_found', 404);
    await sendRegistrationLink(
      tx,
      deps,
      { accountId: account.id, email: account.email, locale: account.locale, now },
      { staff, patient: account.patient ?? undefined, clientAddress },
    );
  });
}
