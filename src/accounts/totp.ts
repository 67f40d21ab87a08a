/** Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s), as authenticator apps expect them. */
import { Secret, TOTP } from 'otpauth';

export const totpFor = (secret: string, label = 'staff') => new TOTP({ issuer: 'Puente', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** The time step a code belongs to (one step of clock drift accepted), or undefined if it does not match. */
export function acceptedStep(secret: string, code: string, now: Date): number | undefined {
  const delta = totpFor(secret).validate({ token: code.replace(/\s/g, ''), timestamp: now.getTime(), window: 1 });
  return delta === null ? undefined : Math.floor(now.getTime() / 30_000) + delta;
}
