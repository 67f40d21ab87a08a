/**
 * CSRF protection for every form (OWASP CSRF cheat sheet): a per-browser random value in an HttpOnly
 * cookie, and in each form an HMAC of it under the portal's secret ("signed double-submit"). A POST
 * must carry a matching pair and, when the browser sends one, an Origin equal to the portal's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';
import { cookieName, setCookie } from './cookies.ts';

declare module 'express-serve-static-core' {
  interface Request {
    csrfToken: string;
  }
}

export function csrfProtection(options: { secret: string; secure: boolean; origin: string }): RequestHandler {
  const name = cookieName('puente_csrf', options.secure);
  const sign = (value: string) => createHmac('sha256', options.secret).update(`csrf:${value}`).digest('base64url');
  return (req, res, next) => {
    let value = req.cookies[name];
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      setCookie(res, name, value, options.secure);
    }
    req.csrfToken = sign(value);
    if (req.method !== 'POST') return next();
    // Browsers send `Origin: null` for same-site form posts under Referrer-Policy: no-referrer (which every
    // page uses); it is accepted only when Fetch Metadata does not say the request came from another site.
    const fetchSite = req.get('sec-fetch-site');
    const nullFromSameSite = req.get('origin') === 'null' && (fetchSite === undefined || fetchSite === 'same-origin');
    const origin = nullFromSameSite ? undefined : req.get('origin');
    const submitted = typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : '';
    const expected = Buffer.from(req.csrfToken);
    const valid = (!origin || origin === options.origin) && submitted.length === expected.length && timingSafeEqual(Buffer.from(submitted), expected);
    next(valid ? undefined : new AppError('csrf', 403));
  };
}
