/**
 * Secrets: parsed here, never logged. Keys sign cookies and tokens; the first one signs,
 * all of them verify, so keys can be rotated by prepending a new one.
 */

/** Used only when PUENTE_ENV=development; refused in production by config.ts. */
export const devSecretKey = 'puente-development-secret-key-not-for-production-use';

const minimumKeyLength = 32;

export function parseSecretKeys(text: string): { keys: string[]; problems: string[] } {
  const keys = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  const problems: string[] = [];
  if (keys.length === 0) problems.push('must contain at least one key');
  if (keys.some((k) => k.length < minimumKeyLength)) problems.push(`every key must be at least ${minimumKeyLength} characters long`);
  return { keys, problems };
}

/** A config object safe to print: secrets and credentials in URLs are masked. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[invalid url]';
  }
}
