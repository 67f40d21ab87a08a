import { Router } from 'express';
import type { Bundle, DocumentReference, Patient } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { displayName } from '../core/fhir/names.ts';
import type { Practice } from '../accounts/emails.ts';
import { recordClientFor, SignInRequired } from './record-client.ts';
import type { SessionManager } from './session.ts';
import type { WebClient } from './web-client.ts';
import { pageContext } from './page-context.ts';
import { homePage, landingPage, signedInNav } from './views/patient-pages.ts';

/** Home: the landing page for visitors; for a signed-in patient, a greeting read from the record. */
export function createHomeRouter(deps: { practice: Practice; sessions: SessionManager; webClient: WebClient; fhirBase: string; timeoutMs: number }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    res.set('Cache-Control', 'no-store');
    try {
      const record = await recordClientFor(req, res, deps);
      const [patient, documents] = await Promise.all([
        record.read<Patient>(`Patient/${record.patient}`),
        record.read<Bundle<DocumentReference>>(`DocumentReference?patient=${record.patient}&_count=20&_sort=-date`),
      ]);
      const lines = (documents.entry ?? []).map((e) => e.resource!).map((d) => ({ id: d.id!, title: d.description ?? d.type?.text ?? d.content?.[0]?.attachment?.title ?? d.id!, date: d.date }));
      res.send(homePage(ctx, { name: displayName(patient.name), nav: signedInNav(ctx), documents: lines }));
    } catch (error) {
      if (error instanceof SignInRequired) return res.send(landingPage(ctx));
      throw error;
    }
  });

  // A document's attachment, read through the facade with the session's token (inline attachments only).
  router.get('/documents/:id', async (req, res) => {
    const id = String(req.params['id']);
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw new AppError('not_found', 404);
    const record = await recordClientFor(req, res, deps);
    const document = await record.read<DocumentReference>(`DocumentReference/${id}`);
    const attachment = document.content?.find((c) => c.attachment?.data)?.attachment;
    if (!attachment?.data) throw new AppError('not_found', 404);
    const type = /^[a-z]+\/[a-z0-9.+-]+/i.exec(attachment.contentType ?? '')?.[0] ?? 'application/octet-stream';
    res
      .type(type)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="document-${id}${type === 'application/pdf' ? '.pdf' : ''}"`)
      .send(Buffer.from(attachment.data, 'base64'));
  });
  return router;
}
