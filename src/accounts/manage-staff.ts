/**
 * Staff administration (issue #3 point 1): admins create staff accounts — each linked to a
 * Practitioner, with a generated temporary password and a TOTP secret to enroll by QR code — and
 * disable or re-enable them. Disabling ends the member's sessions at once.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { AppError } from '../core/errors.ts';
import { findAccount, findStaffByEmail, listStaffAccounts, normalizeEmail, setStaffStatus, type AccountRow } from '../store/accounts.ts';
import { deleteAccountWebSessions } from '../store/web-sessions.ts';
import { createStaffAccount } from './create-staff-account.ts';
import type { AccountsDeps } from './deps.ts';
import { totpFor } from './totp.ts';

export interface NewStaffCredentials {
  readonly email: string;
  readonly temporaryPassword: string;
  readonly totpSecret: string;
  /** otpauth:// URI (Key Uri Format) for authenticator apps. */
  readonly totpUri: string;
  /** The URI as an SVG QR code, for the enrollment page. */
  readonly totpQrSvg: string;
}

/** Four random words' worth of entropy (96 bits) in a form that is easy to type once. */
const temporaryPassword = () =>
  randomBytes(12)
    .toString('base64url')
    .match(/.{1,4}/g)!
    .join('-');

export async function createStaffMember(
  deps: Pick<AccountsDeps, 'db' | 'fhir'>,
  input: { email: string; givenName: string; familyName: string; admin: boolean },
): Promise<NewStaffCredentials> {
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || !input.givenName.trim() || !input.familyName.trim()) throw new AppError('bad_request', 400);
  if (await findStaffByEmail(deps.db, email)) throw new AppError('bad_request', 400);
  const password = temporaryPassword();
  const { totpSecret } = await createStaffAccount(deps, {
    email,
    password,
    givenName: input.givenName.trim(),
    familyName: input.familyName.trim(),
    roles: input.admin ? ['admin', 'staff'] : ['staff'],
  });
  const totpUri = totpFor(totpSecret, email).toString();
  return { email, temporaryPassword: password, totpSecret, totpUri, totpQrSvg: await QRCode.toString(totpUri, { type: 'svg', margin: 2, width: 220 }) };
}

export const listStaff = (deps: Pick<AccountsDeps, 'db'>): Promise<AccountRow[]> => listStaffAccounts(deps.db);

export async function setStaffEnabled(deps: Pick<AccountsDeps, 'db' | 'now'>, actingAccountId: string, accountId: string, enabled: boolean): Promise<void> {
  const account = await findAccount(deps.db, accountId);
  // An admin cannot lock themselves out by mistake.
  if (account?.kind !== 'staff' || account.id === actingAccountId) throw new AppError('not_found', 404);
  await deps.db.transaction(async (tx) => {
    await setStaffStatus(tx, accountId, enabled, deps.now());
    if (!enabled) await deleteAccountWebSessions(tx, accountId);
  });
}
