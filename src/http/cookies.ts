import type { CookieOptions, Response } from 'express';

/**
 * Every cookie the portal sets is HttpOnly and SameSite=Lax, and Secure whenever the portal is served
 * over https (the `__Host-` prefix then also pins it to this host and path, RFC 6265bis §4.1.3.2).
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function setCookie(res: Response, name: string, value: string, secure: boolean, maxAgeMs?: number): void {
  const options: CookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  if (maxAgeMs !== undefined) options.maxAge = maxAgeMs;
  res.cookie(name, value, options);
}

export function clearCookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}
