/**
 * Optional TOTP second factor for patients and designees (issue #3 point 7). Turning it on takes
 * two steps — a secret is proposed, and only a correct code from the person's app makes it stick —
 * so a mistyped enrollment never locks anyone out.
 */
import { Secret } from 'otpauth';
import QRCode from 'qrcode';
import { findAccount, setPatientTotp } from '../store/accounts.ts';
import type { AccountsDeps } from './deps.ts';
import { acceptedStep, totpFor } from './totp.ts';

export interface TwoStepProposal {
  readonly secret: string;
  readonly uri: string;
  readonly qrSvg: string;
}

export async function proposeTwoStep(label: string, secret: string = new Secret({ size: 20 }).base32): Promise<TwoStepProposal> {
  const uri = totpFor(secret, label).toString();
  return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 2, width: 220 }) };
}

export async function confirmTwoStep(deps: Pick<AccountsDeps, 'db' | 'now'>, accountId: string, secret: string, code: string): Promise<boolean> {
  const now = deps.now();
  const step = acceptedStep(secret, code, now);
  if (step === undefined) return false;
  await setPatientTotp(deps.db, accountId, { secret, step }, now);
  return true;
}

export async function disableTwoStep(deps: Pick<AccountsDeps, 'db' | 'now'>, accountId: string): Promise<void> {
  await setPatientTotp(deps.db, accountId, null, deps.now());
}

/** Whether a signed-in account uses an authenticator app, and the email its enrollment is labelled with; undefined for an unknown account. */
export async function twoStepStatus(deps: Pick<AccountsDeps, 'db'>, accountId: string): Promise<{ id: string; email: string; enabled: boolean } | undefined> {
  const account = await findAccount(deps.db, accountId);
  return account ? { id: account.id, email: account.email, enabled: !!account.totp_secret } : undefined;
}
