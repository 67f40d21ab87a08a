/**
 * The SMART Health Links endpoints receivers call (https://docs.smarthealthit.org/smart-health-links/spec):
 * `POST /shl/:id` answers the manifest, `GET /shl/:id/file/:ticket` a file's JWE. Public: no session,
 * no cookies, no CSRF (mounted before that middleware); JSON only; readable from any origin, since
 * receivers are other apps; never cached. Ids and tickets are random and checked by pattern before any
 * query; nothing about the patient is in a URL, a header or a log line, and the passcode and recipient
 * are never logged. Handlers parse, call, answer; the work is in export/transmit/share-links.
 */
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { clientAddress } from '../http/client-address.ts';
import { openManifest, type ShareLinkServeDeps } from '../export/transmit/share-links/manifest.ts';
import { openShareLinkFile } from '../export/transmit/share-links/share-link-file.ts';
import { shareLinkIdPattern } from '../export/transmit/share-links/share-link-ids.ts';
import { fileTicketPattern } from '../export/transmit/share-links/file-tickets.ts';

export type ShlRouterDeps = ShareLinkServeDeps;

const errors = { 400: 'bad_request', 401: 'passcode_required', 404: 'not_found', 429: 'too_many_requests' } as const;

const publicJson: RequestHandler = (_req, res, next) => {
  res.set('Access-Control-Allow-Origin', '*');
  res.set('Cache-Control', 'no-store');
  res.set('X-Content-Type-Options', 'nosniff');
  next();
};

const preflight =
  (methods: string): RequestHandler =>
  (_req, res) => {
    res.set('Access-Control-Allow-Methods', methods).set('Access-Control-Allow-Headers', 'Content-Type').set('Access-Control-Max-Age', '600').status(204).end();
  };

export function createShlRouter(deps: ShlRouterDeps): Router {
  const router = Router();
  router.use('/shl', publicJson);

  router.options('/shl/:id', preflight('POST, OPTIONS'));
  router.post('/shl/:id', express.json({ limit: '4kb', strict: true }), async (req, res) => {
    const body: Record<string, unknown> = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {};
    const answer = await openManifest(deps, {
      id: req.params['id'] ?? '',
      recipient: body['recipient'],
      passcode: body['passcode'],
      embeddedLengthMax: body['embeddedLengthMax'],
      clientAddress: clientAddress(req),
    });
    if (answer.status === 200) return void res.status(200).json(answer.manifest);
    if (answer.status === 401) return void res.status(401).json({ error: errors[401], remainingAttempts: answer.remainingAttempts });
    res.status(answer.status).json({ error: errors[answer.status] });
  });

  router.options('/shl/:id/file/:ticket', preflight('GET, OPTIONS'));
  router.get('/shl/:id/file/:ticket', async (req, res) => {
    const id = req.params['id'] ?? '';
    const ticket = req.params['ticket'] ?? '';
    if (!shareLinkIdPattern.test(id) || !fileTicketPattern.test(ticket)) return void res.status(404).json({ error: errors[404] });
    const answer = await openShareLinkFile(deps, { id, ticket, clientAddress: clientAddress(req) });
    if (answer.status === 200) return void res.status(200).type('application/jose').send(answer.jwe);
    res.status(answer.status).json({ error: errors[answer.status] });
  });

  // A body that is not JSON (or too large) is the receiver's mistake: a JSON 400, never the HTML error page.
  const badBody: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
    if (typeof error?.type === 'string' && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      return void res.status(400).json({ error: errors[400] });
    }
    next(error);
  };
  router.use('/shl', badBody);
  return router;
}
