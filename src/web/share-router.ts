/**
 * Downloading the health record (/share): the choice page and the two downloads, for the signed-in
 * patient or the family member acting for them (the same session and record client as the record pages,
 * so the facade decides what a download holds). Handlers parse, call, render; the work is in export/.
 */
import type { Db } from '../store/db.ts';
import { Router, type Request, type Response } from 'express';
import { clientAddress } from '../http/client-address.ts';
import { downloadCcd, downloadFhirBundle, downloadSummaryPdf, recentVisits, VisitNotFound, type Download, type DownloadDeps } from '../export/record-download.ts';
import { RecordTooLarge } from '../export/record-snapshot.ts';
import { parseShareChoice, type ParsedShareChoice } from '../export/share-choice.ts';
import type { RecordClient } from '../record/record-client.ts';
import { pageContext } from '../ui/page-context.ts';
import type { RecordPageDeps } from './record-page-context.ts';
import { recordClientFor } from './record-session.ts';
import { bannerOf } from './share-banner.ts';
import { sentItems } from '../export/transmit/sent-items.ts';
import { choiceInWords } from './views/choice-in-words.ts';
import { displayName } from '../core/fhir/names.ts';
import type { RelatedPerson } from '@medplum/fhirtypes';
import { sharePage } from './views/share-page.ts';

export interface ShareRouterDeps extends RecordPageDeps {
  readonly db: Db;
  /** Pages of 100 read per search before a download is refused as too large (DownloadDeps.maxPages); tests set a small one. */
  readonly downloadMaxPages?: number;
}

/** What the page says after a send or a revocation (the send forms redirect here with `?sent=`). */
const sentNotices = ['email', 'direct', 'revoked', 'notRevoked'] as const;

export function createShareRouter(deps: ShareRouterDeps): Router {
  const router = Router();
  const downloadDeps: DownloadDeps = {
    db: deps.db,
    practice: deps.practice,
    fhirBase: deps.fhirBase,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.downloadMaxPages ? { maxPages: deps.downloadMaxPages } : {}),
  };
  router.use('/share', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const render = async (req: Request, res: Response, record: RecordClient, parsed: ParsedShareChoice, status: number, failure?: 'share.tooLarge') => {
    const ctx = pageContext(req, deps.practice);
    const [patient, visits, sent] = await Promise.all([
      bannerOf(record),
      recentVisits(record),
      sentItems(deps.db, record.patient, {
        whatInWords: (what) => choiceInWords(ctx.t, ctx.dates, typeof what === 'object' && what !== null ? what : {}),
        nameOf: async (reference) => displayName((await record.read<RelatedPerson>(reference).catch(() => undefined))?.name) || undefined,
      }),
    ]);
    const done = sentNotices.find((n) => n === req.query['sent']);
    res.status(status).send(
      sharePage(ctx, {
        patient,
        visits,
        sent,
        choice: parsed.choice,
        ...(parsed.ok ? {} : { errors: parsed.errors }),
        ...(failure ? { failure } : {}),
        ...(done ? { done } : {}),
      }),
    );
  };

  router.get('/share', async (req, res) => {
    const record = await recordClientFor(req, res, deps);
    const parsed = parseShareChoice(req.query, req.locale);
    await render(req, res, record, parsed, parsed.ok ? 200 : 422);
  });

  const download = (make: typeof downloadCcd) => async (req: Request, res: Response) => {
    const record = await recordClientFor(req, res, deps);
    const parsed = parseShareChoice(req.query, req.locale);
    if (!parsed.ok) return render(req, res, record, parsed, 422);
    let file: Download;
    try {
      file = await make(downloadDeps, record, { range: parsed.range, visit: parsed.visit, language: parsed.choice.language, clientAddress: clientAddress(req) });
    } catch (error) {
      // More than the page cap: refused with a clear page rather than a silently shortened document.
      if (error instanceof RecordTooLarge) return render(req, res, record, parsed, 503, 'share.tooLarge');
      if (error instanceof VisitNotFound) return render(req, res, record, { ok: false, choice: parsed.choice, errors: { visit: 'share.error.visit' } }, 422);
      throw error;
    }
    res.set('Content-Type', file.contentType);
    res.set('Content-Disposition', `attachment; filename="${file.filename}"`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(file.body);
  };
  router.get('/share/download/summary.pdf', download(downloadSummaryPdf));
  router.get('/share/download/ccd.xml', download(downloadCcd));
  router.get('/share/download/record.json', download(downloadFhirBundle));
  return router;
}
