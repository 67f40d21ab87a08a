/**
 * Staff inbox pages (/staff/messages): conversations by pool with unread and overdue flags, and one
 * conversation with its internal notes (marked as never shown to the patient), the reply and note forms,
 * assignment and closing. Plain forms, no JavaScript.
 */
import { html, type SafeHtml } from '../ui/html.ts';
import { csrfField, notice, page, type PageContext } from '../ui/layout.ts';
import type { MessageKey } from '../core/i18n/translate.ts';
import type { InboxRow, StaffConversation, StaffWriteError } from '../messaging/staff-messages.ts';
import { attachmentKind } from '../messaging/thread-model.ts';
import { staffNav } from './views.ts';

const poolLabel = (ctx: PageContext, pool: string | undefined): string =>
  pool === 'care-team' || pool === 'front-desk' ? ctx.t(`staffMessages.pool.${pool}` as MessageKey) : (pool ?? ctx.t('staffMessages.pool.none')).replace(/-/g, ' ');

export function inboxPage(
  ctx: PageContext,
  options: {
    readonly rows: readonly InboxRow[];
    readonly pools: readonly string[];
    readonly pool: string | undefined;
    readonly closed: boolean;
    readonly admin: boolean;
    /** The page shown (0 = most recent) and whether older conversations follow. */
    readonly page: number;
    readonly more: boolean;
  },
): string {
  const title = ctx.t('staffMessages.title');
  const pageQuery = (page: number) =>
    [options.pool ? `pool=${encodeURIComponent(options.pool)}` : '', options.closed ? 'closed=1' : '', page > 0 ? `page=${page}` : ''].filter(Boolean).join('&');
  const link = (pool: string | undefined, label: string) => {
    const current = pool === options.pool;
    const query = [pool ? `pool=${encodeURIComponent(pool)}` : '', options.closed ? 'closed=1' : ''].filter(Boolean).join('&');
    return html`<a href="/staff/messages${query ? `?${query}` : ''}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
  };
  return page(ctx, {
    title,
    nav: staffNav(ctx, options.admin),
    body: html`<h1>${title}</h1>
<nav aria-label="${ctx.t('staffMessages.pools')}"><p class="actions">${link(undefined, ctx.t('staffMessages.allPools'))} ${options.pools.map((p) => html`${link(p, poolLabel(ctx, p))} `)}</p></nav>
<p><a href="/staff/messages?${options.pool ? `pool=${encodeURIComponent(options.pool)}&` : ''}${options.closed ? '' : 'closed=1'}">${ctx.t(options.closed ? 'staffMessages.showOpen' : 'staffMessages.showClosed')}</a></p>
${
  options.rows.length === 0
    ? html`<p>${ctx.t('staffMessages.none')}</p>`
    : html`<table class="reflow"><caption>${options.closed ? ctx.t('staffMessages.closedCaption') : ctx.t('staffMessages.openCaption')}</caption>
<thead><tr><th scope="col">${ctx.t('staffMessages.subject')}</th><th scope="col">${ctx.t('staffMessages.patient')}</th><th scope="col">${ctx.t('staffMessages.pool')}</th><th scope="col">${ctx.t('staffMessages.owner')}</th><th scope="col">${ctx.t('staffMessages.last')}</th><th scope="col">${ctx.t('staffMessages.flags')}</th></tr></thead>
<tbody>
${options.rows.map(
  (row) => html`<tr class="${row.unread > 0 ? 'unread' : ''}"><th scope="row"><a href="/staff/messages/${row.id}">${row.subject}</a></th>
<td data-label="${ctx.t('staffMessages.patient')}">${row.patientName}</td>
<td data-label="${ctx.t('staffMessages.pool')}">${poolLabel(ctx, row.routing?.pool)}</td>
<td data-label="${ctx.t('staffMessages.owner')}">${row.ownerName ?? ctx.t('staffMessages.unassigned')}</td>
<td data-label="${ctx.t('staffMessages.last')}"><time datetime="${row.lastActivity}">${ctx.dates.instant(row.lastActivity)}</time></td>
<td data-label="${ctx.t('staffMessages.flags')}">${row.unread > 0 ? html`<span class="badge">${ctx.t('staffMessages.unread', { count: row.unread })}</span> ` : ''}${
    row.overdue ? html`<span class="badge overdue">${ctx.t('staffMessages.overdue')}</span>` : ''
  }</td></tr>`,
)}
</tbody></table>`
}
${
  options.more || options.page > 0
    ? html`<nav aria-label="${ctx.t('staffMessages.pages')}"><p class="actions">${
        options.page > 0 ? html`<a href="/staff/messages?${pageQuery(options.page - 1)}">${ctx.t('staffMessages.newer')}</a> ` : ''
      }${options.more ? html`<a href="/staff/messages?${pageQuery(options.page + 1)}">${ctx.t('staffMessages.older')}</a>` : ''}</p></nav>`
    : ''
}`,
  });
}

const authorWords = (ctx: PageContext, m: StaffConversation['messages'][number]): string => {
  if (m.author === 'automatic') return ctx.t('staffMessages.by.automatic');
  if (m.author === 'patient') return ctx.t('staffMessages.by.patient', { name: m.name ?? '' });
  if (m.author === 'family') return ctx.t('staffMessages.by.family', { name: m.name ?? '' });
  return m.name ?? ctx.t('staffMessages.by.staff');
};

/** Withdrawing (entered in error) is offered on a message or note staff wrote that is not withdrawn yet. */
const withdrawForm = (ctx: PageContext, thread: string, m: StaffConversation['messages'][number]): SafeHtml | string =>
  m.author === 'staff' && !m.withdrawn
    ? html`<form method="post" action="/staff/messages/${thread}/withdraw">${csrfField(ctx.csrfToken)}<input type="hidden" name="message" value="${m.id}"><p class="actions"><button type="submit" class="secondary">${ctx.t('staffMessages.withdraw')}</button></p></form>`
    : '';

export function staffConversationPage(
  ctx: PageContext,
  options: {
    readonly conversation: StaffConversation;
    readonly admin: boolean;
    readonly self: string;
    readonly keys: { readonly reply: string; readonly note: string };
    readonly text?: { readonly reply?: string; readonly note?: string };
    readonly error?: StaffWriteError;
    readonly done?: 'replied' | 'noted' | 'assigned' | 'closed' | 'withdrawn';
  },
): string {
  const { conversation } = options;
  const { summary, routing, patient } = conversation;
  const doneNotice: SafeHtml | string = options.done ? notice(ctx.t(`staffMessages.done.${options.done}` as MessageKey)) : '';
  const textArea = (id: 'reply' | 'note', label: MessageKey, value: string | undefined): SafeHtml =>
    html`<div class="field"><label for="${id}">${ctx.t(label)}</label>${
      id === 'note' ? html`<p class="hint" id="note-hint">${ctx.t('staffMessages.noteHint')}</p>` : ''
    }<textarea id="${id}" name="text" rows="5" maxlength="10000"${id === 'note' ? html` aria-describedby="note-hint"` : ''}>${value ?? ''}</textarea></div>`;
  return page(ctx, {
    title: summary.subject,
    nav: staffNav(ctx, options.admin),
    body: html`<p class="breadcrumb"><a href="/staff/messages">${ctx.t('staffMessages.title')}</a> <span aria-hidden="true">›</span> <span>${summary.subject}</span></p>
<h1>${summary.subject}</h1>
<p>${patient.name}${patient.birthDate ? html` · ${ctx.t('staff.patient.born', { date: ctx.dates.day(patient.birthDate) })}` : ''}${
      patient.mrn ? html` · ${ctx.t('staff.patient.mrn', { mrn: patient.mrn })}` : ''
    }</p>
<p class="muted">${poolLabel(ctx, routing?.pool)} · ${routing?.owner ? (conversation.staff.find((s) => s.practitioner === routing.owner)?.name ?? routing.owner) : ctx.t('staffMessages.unassigned')}${
      conversation.overdue ? html` · <span class="badge overdue">${ctx.t('staffMessages.overdue')}</span>` : ''
    }${summary.open ? '' : html` · ${ctx.t('staffMessages.closed')}`}</p>
${options.error ? notice(ctx.t(options.error), 'error') : doneNotice}
<ol class="plain conversation">
${conversation.messages.map(
  (
    m,
  ) => html`<li class="card${m.kind === 'internal-note' ? ' internal-note' : ''}"><p>${m.kind === 'internal-note' ? html`<strong>${ctx.t('staffMessages.noteLabel')}</strong> · ` : ''}<strong>${authorWords(ctx, m)}</strong> · <time datetime="${m.sent}">${ctx.dates.instant(m.sent)}</time>${
    m.unread ? html` <span class="badge">${ctx.t('staffMessages.newBadge')}</span>` : ''
  }</p>
${m.withdrawn ? html`<p class="muted">${ctx.t('staffMessages.withdrawn')}</p>` : html`<p class="message-text">${m.text}</p>`}${
  m.attachments.length && !m.withdrawn
    ? html`<p class="muted">${ctx.t('staffMessages.attachments', { count: m.attachments.length })}</p><ul>${m.attachments.map((a, i) => {
        const label = html`${a.title ?? ctx.t('messages.attachment', { n: i + 1 })} (${attachmentKind(a.contentType)})`;
        return html`<li>${a.binaryId ? html`<a href="/staff/messages/${summary.id}/attachments/${a.binaryId}" download>${label}</a>` : label}</li>`;
      })}</ul>`
    : ''
}${withdrawForm(ctx, summary.id, m)}</li>`,
)}
</ol>
${
  summary.open
    ? html`<h2>${ctx.t('staffMessages.replyTitle')}</h2>
<form method="post" action="/staff/messages/${summary.id}/reply">${csrfField(ctx.csrfToken)}<input type="hidden" name="key" value="${options.keys.reply}">
${textArea('reply', 'staffMessages.replyLabel', options.text?.reply)}
<p class="actions"><button type="submit">${ctx.t('staffMessages.sendReply')}</button></p></form>
<h2>${ctx.t('staffMessages.noteTitle')}</h2>
<form method="post" action="/staff/messages/${summary.id}/note">${csrfField(ctx.csrfToken)}<input type="hidden" name="key" value="${options.keys.note}">
${textArea('note', 'staffMessages.noteLabel', options.text?.note)}
<p class="actions"><button type="submit" class="secondary">${ctx.t('staffMessages.addNote')}</button></p></form>
<h2>${ctx.t('staffMessages.assignTitle')}</h2>
<form method="post" action="/staff/messages/${summary.id}/assign">${csrfField(ctx.csrfToken)}
<div class="field"><label for="owner">${ctx.t('staffMessages.owner')}</label><select id="owner" name="owner">
<option value="">${ctx.t('staffMessages.unassigned')}</option>
${conversation.staff.map((s) => html`<option value="${s.practitioner}"${s.practitioner === routing?.owner ? html` selected` : ''}>${s.name}${s.practitioner === options.self ? ` (${ctx.t('staffMessages.me')})` : ''}</option>`)}
</select></div>
<p class="actions"><button type="submit" class="secondary">${ctx.t('staffMessages.assign')}</button></p></form>
<form method="post" action="/staff/messages/${summary.id}/close">${csrfField(ctx.csrfToken)}<p class="actions"><button type="submit" class="danger">${ctx.t('staffMessages.close')}</button></p></form>`
    : html`<p>${ctx.t('staffMessages.closedNotice')}</p>`
}`,
  });
}
