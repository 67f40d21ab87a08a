import { Router } from 'express';
import type { Binary, DocumentReference } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { SignInRequired } from '../core/errors.ts';
import { recordClientFor } from './record-session.ts';
import { binaryIdOf, downloadableAttachment } from '../record/attachments.ts';
import { loadHome } from '../record/home.ts';
import { withRecord, type RecordPageDeps } from './record-page-context.ts';
import { pageContext } from '../ui/page-context.ts';
import { landingPage } from './views/patient-pages.ts';
import { homePage } from './views/record/home-page.ts';
import { isFhirId } from '../core/fhir/ids.ts';

/** Home: the landing page for visitors; for a signed-in patient or proxy, whose record it is and what's new in it. */
export function createHomeRouter(deps: RecordPageDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    res.set('Cache-Control', 'no-store');
    try {
      const { patient, data } = await withRecord(req, res, deps, loadHome);
      res.send(homePage(ctx, { patient, model: data }));
    } catch (error) {
      if (error instanceof SignInRequired) return res.send(landingPage(ctx));
      throw error;
    }
  });

  // A document's attachment, read through the facade with the session's token: inline data, or the Binary it
  // points at (which the facade serves only through a DocumentReference in this patient's compartment).
  router.get('/documents/:id', async (req, res) => {
    const id = String(req.params['id']);
    if (!isFhirId(id)) throw new AppError('not_found', 404);
    const record = await recordClientFor(req, res, deps);
    const document = await record.read<DocumentReference>(`DocumentReference/${id}`);
    const attachment = downloadableAttachment(document);
    const binaryId = binaryIdOf(attachment?.url);
    const content = attachment?.data ? { data: attachment.data, contentType: attachment.contentType } : binaryId ? await record.read<Binary>(`Binary/${binaryId}`) : undefined;
    if (!content?.data) throw new AppError('not_found', 404);
    const type = /^[a-z]+\/[a-z0-9.+-]+/i.exec(content.contentType ?? attachment?.contentType ?? '')?.[0] ?? 'application/octet-stream';
    res
      .type(type)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="document-${id}${type === 'application/pdf' ? '.pdf' : ''}"`)
      .send(Buffer.from(content.data, 'base64'));
  });
  return router;
}
