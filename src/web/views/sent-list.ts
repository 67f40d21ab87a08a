/**
 * "Sent and shared" on /share: every share link with its status, who opened it and when, and a button
 * to turn it off at once; every email and Direct message with its addressee and delivery state (queued,
 * retrying, sent, or failed with the reason in words). Times in the practice's time zone.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import { csrfField } from '../../ui/layout.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { SentItems, SentLink, SentTransmission } from '../../export/transmit/sent-items.ts';
import type { PatientPageContext } from './patient-pages.ts';

const linkStatus: Record<SentLink['status'], MessageKey> = {
  active: 'sent.link.active',
  expired: 'sent.link.expired',
  revoked: 'sent.link.revoked',
  disabled: 'sent.link.disabled',
};

/** A delivery error (error class, code, SMTP code: never an address) said in words. */
function reasonKey(lastError: string | null): MessageKey {
  if (!lastError) return 'sent.reason.unknown';
  if (/recipient refused|smtp 5\d\d/.test(lastError)) return 'sent.reason.refused';
  if (/ECONNREFUSED|ETIMEDOUT|ESOCKET|ECONNECTION|EDNS|ENOTFOUND|timeout/i.test(lastError)) return 'sent.reason.unreachable';
  return 'sent.reason.unknown';
}

function transmissionState(ctx: PatientPageContext, t: SentTransmission): string {
  switch (t.deliveryStatus) {
    case 'sent':
      return ctx.t('sent.state.sent', { when: t.sentAt ? ctx.dates.instant(t.sentAt) : '' });
    case 'dead':
      return ctx.t('sent.state.failed', { reason: ctx.t(reasonKey(t.lastError)) });
    default:
      return t.lastError ? ctx.t('sent.state.retrying', { reason: ctx.t(reasonKey(t.lastError)) }) : ctx.t('sent.state.queued');
  }
}

const transmissionRow = (ctx: PatientPageContext, t: SentTransmission): SafeHtml => html`<li class="card">
<p><strong>${ctx.t(t.method === 'direct' ? 'sent.method.direct' : 'sent.method.email', { addressee: t.addressee })}</strong></p>
<p>${t.whatInWords} · <time datetime="${t.createdAt.toISOString()}">${ctx.dates.instant(t.createdAt)}</time>${t.sender ? html` · ${ctx.t('activity.by', { name: t.sender })}` : ''}</p>
<p>${transmissionState(ctx, t)}</p>
</li>`;

const linkRow = (ctx: PatientPageContext, link: SentLink): SafeHtml => html`<li class="card">
<p><strong>${ctx.t('sent.link.title', { label: link.label })}</strong></p>
<p>${link.whatInWords} · <time datetime="${link.createdAt.toISOString()}">${ctx.dates.instant(link.createdAt)}</time>${link.sender ? html` · ${ctx.t('activity.by', { name: link.sender })}` : ''}</p>
<p>${ctx.t(linkStatus[link.status], { when: ctx.dates.instant(link.expiresAt) })}</p>
${
  link.openings.length > 0
    ? html`<ul>${link.openings.map((o) => html`<li>${ctx.t('sent.link.opened', { who: o.recipient, when: ctx.dates.instant(o.at) })}</li>`)}</ul>`
    : html`<p>${ctx.t('sent.link.notOpened')}</p>`
}
${
  link.status === 'active'
    ? html`<form method="post" action="/share/links/${link.id}/revoke">${csrfField(ctx.csrfToken)}<button type="submit" class="secondary">${ctx.t('sent.link.revoke')}</button></form>`
    : ''
}
</li>`;

export function sentList(ctx: PatientPageContext, items: SentItems): SafeHtml {
  return html`<section aria-labelledby="sent"><h2 id="sent" tabindex="-1">${ctx.t('sent.title')}</h2>
${items.links.length === 0 && items.transmissions.length === 0 ? html`<p>${ctx.t('sent.none')}</p>` : ''}
${items.links.length > 0 ? html`<h3>${ctx.t('sent.links')}</h3><ul class="plain sent">${items.links.map((link) => linkRow(ctx, link))}</ul>` : ''}
${items.transmissions.length > 0 ? html`<h3>${ctx.t('sent.messages')}</h3><ul class="plain sent">${items.transmissions.map((t) => transmissionRow(ctx, t))}</ul>` : ''}
</section>`;
}
