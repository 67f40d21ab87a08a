/**
 * Password hashing with scrypt (node:crypto), a memory-hard function NIST SP 800-63B §5.1.1.2
 * accepts for verifier storage. The stored form records its parameters so they can be raised later.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));

// N = 2^15, r = 8: 32 MiB and roughly 100 ms per hash on this class of machine (OWASP 2023 guidance).
const defaults = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 };
const maxmem = 64 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, defaults.keyLength, { N: defaults.N, r: defaults.r, p: defaults.p, maxmem });
  return ['scrypt', defaults.N, defaults.r, defaults.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split('$');
  if (scheme !== 'scrypt' || !saltText || !keyText) return false;
  const expected = Buffer.from(keyText, 'base64');
  const actual = await scrypt(password, Buffer.from(saltText, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem });
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;
/**
 * A hash of a random password, made once: verifying against it when no account matches costs the same
 * as a real verification, so an unknown email answers no faster than a wrong password.
 */
export const dummyPasswordHash = (): Promise<string> => (dummyHash ??= hashPassword(randomBytes(24).toString('base64')));
