/**
 * `GET /s`: the page an outside doctor opens from a share link (`/s#shlink:/…`), and its script. The
 * page holds nothing about any patient (the payload is in the fragment, read only by the script), so
 * it needs no session. Its CSP allows what the viewer needs and nothing more: the decrypted PDF shown
 * from a blob: URL in a frame.
 */
import { Router } from 'express';
import type { Practice } from '../config/config.ts';
import { allowBlobDocuments } from '../http/security-headers.ts';
import { pageContext } from '../ui/page-context.ts';
import { shlViewerScript } from './assets/shl-viewer-script.ts';
import { shareViewerPage } from './views/share-viewer-page.ts';

export function createShareViewerRouter(deps: { readonly practice: Practice }): Router {
  const router = Router();
  router.get('/s', (req, res) => {
    allowBlobDocuments(res);
    res.set('Cache-Control', 'no-store');
    res.send(shareViewerPage(pageContext(req, deps.practice)));
  });
  router.get('/assets/shl-viewer.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(shlViewerScript);
  });
  return router;
}
