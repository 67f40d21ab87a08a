/**
 * Sending the record (/share/send): the send page for the choice made on /share, and its three forms —
 * a share link, an email, a Direct message — plus turning a link off. Handlers parse, call, render or
 * redirect; the work is in export/transmit/. Every send acts through the session's record client, so a
 * family member sends only what the facade releases to them, and is named as the sender.
 */
import { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import { clientAddress } from '../http/client-address.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import type { MessageKey } from '../core/i18n/translate.ts';
import { VisitNotFound } from '../export/record-download.ts';
import { RecordTooLarge } from '../export/record-snapshot.ts';
import { parseShareChoice } from '../export/share-choice.ts';
import { localDay } from '../export/ccda/hl7-time.ts';
import { defaultExpiry, parseDirectSend, parseEmailSend, parseLinkSend, type ParsedSend } from '../export/transmit/send-request.ts';
import { sendByEmail, shareByLink, type SendDeps } from '../export/transmit/send-record.ts';
import { DirectRefused } from '../export/transmit/direct-refused.ts';
import type { DirectTransmitter } from '../export/transmit/send-direct.ts';
import { ShareLinkRefused } from '../export/transmit/share-links/create-share-link.ts';
import { revokeShareLink } from '../export/transmit/share-links/revoke-share-link.ts';
import { isShareLinkId } from '../export/transmit/share-links/share-link-ids.ts';
import { recentDirectAddresses } from '../export/transmit/recent-addresses.ts';
import type { RecordClient } from '../record/record-client.ts';
import { pageContext } from '../ui/page-context.ts';
import type { RecordPageDeps } from './record-page-context.ts';
import { recordClientFor } from './record-session.ts';
import { bannerOf } from './share-banner.ts';
import { choiceInWords } from './views/choice-in-words.ts';
import { linkReadyPage, sendPage, type SendMethod, type SendPageOptions } from './views/send-page.ts';

export interface SendRouterDeps extends RecordPageDeps {
  readonly db: SendDeps['db'];
  readonly publicUrl: URL;
  /** The practice's Direct sending, when it is set up (DIRECT_SMTP_URL and its certificates). */
  readonly direct?: DirectTransmitter | undefined;
}

export function createSendRouter(deps: SendRouterDeps): Router {
  const router = Router();
  const sendDeps: SendDeps = { db: deps.db, practice: deps.practice, fhirBase: deps.fhirBase, publicUrl: deps.publicUrl, ...(deps.now ? { now: deps.now } : {}) };
  const now = () => deps.now?.() ?? new Date();
  router.use(['/share/send', '/share/links'], (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const renderSend = async (req: Request, res: Response, record: RecordClient, choice: SendPageOptions['choice'], status: number, refused?: SendPageOptions['refused']) => {
    const ctx = pageContext(req, deps.practice);
    const [patient, recent] = await Promise.all([bannerOf(record), recentDirectAddresses(deps.db, record.patient)]);
    res.status(status).send(
      sendPage(ctx, {
        patient,
        choice,
        choiceInWords: choiceInWords(ctx.t, ctx.dates, choice),
        defaultExpiry: defaultExpiry(now(), deps.practice.timeZone),
        directAvailable: deps.direct !== undefined,
        recentDirectAddresses: recent,
        ...(refused ? { refused } : {}),
      }),
    );
  };

  router.get('/share/send', async (req, res) => {
    const record = await recordClientFor(req, res, deps);
    const parsed = parseShareChoice(req.query, req.locale);
    // A choice the download form would refuse goes back there, where its fields show why.
    if (!parsed.ok) return res.redirect(303, `/share?${new URLSearchParams(req.query as Record<string, string>)}`);
    await renderSend(req, res, record, parsed.choice, 200);
  });

  const parseContext = (req: Request) => ({ pageLanguage: req.locale, now: now(), timeZone: deps.practice.timeZone, defaultLabel: req.t('send.defaultLabel') });

  /** Runs one send: refusals of the request re-render its form (422); faults of the record say so clearly. */
  const send =
    <T>(
      method: SendMethod,
      parse: (body: unknown, ctx: ReturnType<typeof parseContext>) => ParsedSend<T>,
      act: (req: Request, res: Response, record: RecordClient, parsed: Extract<ParsedSend<T>, { ok: true }>) => Promise<void>,
    ) =>
    async (req: Request, res: Response) => {
      const record = await recordClientFor(req, res, deps);
      const parsed = parse(req.body, parseContext(req));
      if (!parsed.ok) return renderSend(req, res, record, parsed.choice, 422, { method, fields: parsed.fields, errors: parsed.errors });
      const refuse = (message: MessageKey, status = 422) => renderSend(req, res, record, parsed.share.choice, status, { method, fields: parsed.fields, errors: {}, message });
      try {
        await act(req, res, record, parsed);
      } catch (error) {
        if (error instanceof RecordTooLarge) return refuse('share.tooLarge', 503);
        if (error instanceof VisitNotFound) return refuse('share.error.visit');
        if (error instanceof ShareLinkRefused) return refuse('send.errorSummary');
        if (error instanceof DirectRefused)
          return refuse(error.reason === 'expired' ? 'send.direct.expired' : error.reason === 'untrusted' ? 'send.direct.untrusted' : 'send.direct.noCertificate');
        throw error;
      }
    };

  router.post(
    '/share/send/link',
    send('link', parseLinkSend, async (req, res, record, parsed) => {
      const created = await shareByLink(sendDeps, record, parsed.share, parsed.request, clientAddress(req));
      const ctx = pageContext(req, deps.practice);
      const lastDay = localDay(parsed.request.expiresAt.toISOString(), deps.practice.timeZone) ?? '';
      res.send(
        linkReadyPage(ctx, {
          patient: await bannerOf(record),
          link: created.link,
          qrSvg: await QRCode.toString(created.link, { type: 'svg', margin: 2, width: 240 }),
          lastDay: dateFormatter(req.locale, deps.practice.timeZone).day(lastDay),
          label: parsed.request.label,
        }),
      );
    }),
  );

  router.post(
    '/share/send/email',
    send('email', parseEmailSend, async (req, res, record, parsed) => {
      await sendByEmail(sendDeps, record, parsed.share, parsed.request, clientAddress(req));
      res.redirect(303, '/share?sent=email#sent');
    }),
  );

  router.post(
    '/share/send/direct',
    send('direct', parseDirectSend, async (req, res, record, parsed) => {
      if (!deps.direct) return void res.redirect(303, '/share/send');
      await deps.direct.send(sendDeps, record, parsed.share, parsed.request.address, clientAddress(req));
      res.redirect(303, '/share?sent=direct#sent');
    }),
  );

  router.post('/share/links/:id/revoke', async (req, res) => {
    const record = await recordClientFor(req, res, deps);
    const id = String(req.params['id'] ?? '');
    const revoked = isShareLinkId(id)
      ? await revokeShareLink(deps.db, {
          patient: `Patient/${record.patient}`,
          id,
          actor: record.proxy ?? `Patient/${record.patient}`,
          clientAddress: clientAddress(req),
          portalName: deps.practice.name,
        })
      : false;
    res.redirect(303, `/share?sent=${revoked ? 'revoked' : 'notRevoked'}#sent`);
  });
  return router;
}
