/**
 * One host for the whole portal: PUBLIC_URL's. The session cookie is set on the host the browser
 * used, and the sign-in comes back to PUBLIC_URL's /auth/callback (the redirect URI registered with
 * the authorization server), so a portal opened under another name for the same server
 * (`127.0.0.1` for `localhost`, a bare IP, an internal name) loses its session at every sign-in
 * and loops. A request for another host is sent to the same path and query on the public origin:
 *
 * - GET and HEAD: 301 to the public origin (RFC 9110 §15.4.2), with `Cache-Control: no-store` so
 *   that a browser does not keep the redirect after PUBLIC_URL changes.
 * - any other method: 421 Misdirected Request (RFC 9110 §15.5.20), never executed. A redirect
 *   would carry a form post to another origin, where its CSRF token and cookies do not belong.
 *
 * The host is Express's `req.host`: the Host header, or X-Forwarded-Host only when `trust proxy`
 * trusts the peer (TRUST_PROXY), so a client cannot talk its way past the check. A reverse proxy
 * in front of the portal must therefore pass on the public host (in Host or X-Forwarded-Host).
 * Mounted after the health router: load balancers and orchestrators probe /healthz and /readyz by
 * address, and those answer on any host.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';

export function canonicalHost(options: { readonly publicUrl: URL }): RequestHandler {
  const origin = options.publicUrl.origin;
  return (req, res, next) => {
    if (isPublicHost(req.host, options.publicUrl)) return next();
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.set('Cache-Control', 'no-store').redirect(301, `${origin}${localTarget(req.originalUrl)}`);
      return;
    }
    next(new AppError('misdirected_request', 421));
  };
}

/**
 * True when `host` (a Host header value) names the public origin's host and port. Host names
 * compare case-insensitively (RFC 9110 §4.2.3) and the scheme's default port may be spelled out.
 */
export function isPublicHost(host: string | undefined, publicUrl: URL): boolean {
  if (!host) return false;
  const defaultPort = publicUrl.protocol === 'https:' ? ':443' : ':80';
  const given = host.toLowerCase();
  // URL.host is already lower case and leaves the scheme's default port out.
  return given === publicUrl.host || given === `${publicUrl.host}${defaultPort}`;
}

/**
 * The path and query to keep. Only an origin-form target (`/path?query`) is kept; anything else
 * (an absolute-form `http://other/...`, `*`) goes to the home page. Whatever the path holds, the
 * redirect stays on the public origin, which precedes it (`//evil.example` becomes a path there).
 */
export function localTarget(originalUrl: string): string {
  return originalUrl.startsWith('/') ? originalUrl : '/';
}
