/**
 * Optional TOTP second factor for patients and designees (issue #3 point 7). Turning it on takes
 * two steps — a secret is proposed, and only a correct code from the person's app makes it stick —
 * so a mistyped enrollment never locks anyone out.
 */
import { Secret } from 'otpauth';
import QRCode from 'qrcode';
import type { Queryable } from '../store/db.ts';
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

export async function confirmTwoStep(db: Queryable, accountId: string, secret: string, code: string, now: Date): Promise<boolean> {
  const step = acceptedStep(secret, code, now);
  if (step === undefined) return false;
  await db.query("UPDATE accounts SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1 AND kind <> 'staff'", [accountId, secret, step, now]);
  return true;
}

export async function disableTwoStep(db: Queryable, accountId: string, now: Date): Promise<void> {
  await db.query("UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL, updated_at = $2 WHERE id = $1 AND kind <> 'staff'", [accountId, now]);
}
