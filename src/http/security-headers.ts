import type { Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers for every response (OWASP secure headers): a strict CSP that forbids framing
 * (clickjacking) and inline script, no Referer ever (registration and reset links carry tokens in
 * their URL: DESIGN.md security model 9), HSTS when served over https.
 */
export function securityHeaders(options: { https: boolean }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * Browsers apply `form-action` to every redirect that follows a form post. The sign-in and consent forms
 * end in a redirect to the app's redirect_uri (already checked by oidc-provider against the client's
 * registered URIs), so those responses allow that one extra destination.
 */
export function allowFormActionTo(res: Response, destination: string): void {
  let source: string;
  try {
    const target = new URL(destination);
    source = target.protocol === 'http:' || target.protocol === 'https:' ? target.origin : target.protocol;
  } catch {
    return;
  }
  const csp = res.get('Content-Security-Policy');
  if (csp) res.set('Content-Security-Policy', csp.replace("form-action 'self'", `form-action 'self' ${source}`));
}

/**
 * The share-link viewer shows the PDF it decrypted in the browser from a blob: URL, in a frame (and the
 * browser's PDF viewer is a plugin document): that one page allows blob: frames and objects. Nothing
 * else is relaxed, and the blob holds only what the page itself made.
 */
export function allowBlobDocuments(res: Response): void {
  const csp = res.get('Content-Security-Policy');
  if (csp) res.set('Content-Security-Policy', csp.replace("object-src 'none'", 'object-src blob:').concat(';frame-src blob:'));
}
