/**
 * Secure messages, patient side (issue #14): the list with unread counts, the new-conversation form and a
 * conversation with its reply form. Plain HTML forms (multipart for the attachments), so they work without
 * JavaScript; every refusal is said next to its field and the typed text is put back in the form. The
 * emergency notice and the usual answer time come before any writing.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import { csrfField, notice, page } from '../../ui/layout.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { ConversationView, MessageFormErrors, SendFailure } from '../../messaging/patient-messages.ts';
import { attachmentKind, type ThreadSummary } from '../../messaging/thread-model.ts';
import { signedInNav, type PatientPageContext } from './patient-pages.ts';

export interface TopicChoice {
  readonly code: string;
}

/** A topic's words: the default topics are translated, a practice's own codes are shown as written. */
export function topicLabel(ctx: PatientPageContext, code: string): string {
  const known = ['doctor', 'appointments', 'refill', 'results', 'other'];
  return known.includes(code) ? ctx.t(`messages.topic.${code}` as MessageKey) : code.replace(/-/g, ' ');
}

const emergencyNotice = (ctx: PatientPageContext, answerDays: number): SafeHtml =>
  html`<div class="notice error" role="note"><p><strong>${ctx.t('messages.emergency')}</strong></p><p>${ctx.t('messages.answerTime', { days: answerDays })}</p></div>`;

const breadcrumb = (ctx: PatientPageContext, here: string, middle?: SafeHtml): SafeHtml =>
  html`<p class="breadcrumb"><a href="/">${ctx.t('nav.home')}</a> <span aria-hidden="true">›</span> ${middle ?? ''}<span>${here}</span></p>`;

/**
 * The signed-in person's choice to be emailed when the care team writes (on by default for the patient, off for a
 * family member); a plain form, so it works without JavaScript. The email never carries the message.
 */
const noticesForm = (ctx: PatientPageContext, notify: boolean, saved: 'on' | 'off' | undefined): SafeHtml =>
  html`<section id="notices" aria-labelledby="notices-title">
<h2 id="notices-title">${ctx.t('messages.notices.title')}</h2>
${saved ? notice(ctx.t(saved === 'on' ? 'messages.notices.on' : 'messages.notices.off')) : ''}
<form method="post" action="/messages/notices">
${csrfField(ctx.csrfToken)}
<div class="choice"><input type="checkbox" id="notify" name="notify" value="1" aria-describedby="notify-hint"${notify ? html` checked` : ''}><label for="notify">${ctx.t('messages.notices.label')}</label></div>
<p class="hint" id="notify-hint">${ctx.t('messages.notices.hint')}</p>
<p class="actions"><button type="submit">${ctx.t('messages.notices.save')}</button></p>
</form>
</section>`;

export function messagesListPage(
  ctx: PatientPageContext,
  options: {
    readonly threads: readonly ThreadSummary[];
    /** The position of the next page (older conversations), and whether this page is not the first. */
    readonly older?: string | undefined;
    readonly later?: boolean;
    readonly answerDays: number;
    readonly sent?: boolean;
    /** Whether the signed-in person is emailed of new messages, and the choice just saved, if any. */
    readonly notices: boolean;
    readonly saved?: 'on' | 'off';
  },
): string {
  const title = ctx.t('messages.title');
  return page(ctx, {
    title,
    nav: signedInNav(ctx),
    body: html`${breadcrumb(ctx, title)}
<h1>${title}</h1>
${options.sent ? notice(ctx.t('messages.sent')) : ''}
${emergencyNotice(ctx, options.answerDays)}
<p class="actions"><a class="button" href="/messages/new">${ctx.t('messages.new')}</a></p>
<h2>${ctx.t('messages.conversations')}</h2>
${
  options.threads.length === 0
    ? html`<p>${ctx.t('messages.none')}</p>`
    : html`<ul class="plain">
${options.threads.map(
  (thread) => html`<li class="card"><p><a href="/messages/${thread.id}"><strong>${thread.subject}</strong></a>${
    thread.unread > 0 ? html` <span class="badge">${ctx.t('messages.unread', { count: thread.unread })}</span>` : ''
  }</p>
<p class="muted">${topicLabel(ctx, thread.topic)} · ${ctx.t('messages.started')} <time datetime="${thread.started}">${ctx.dates.instant(thread.started)}</time>${thread.open ? '' : html` · ${ctx.t('messages.closed')}`}</p></li>`,
)}
</ul>`
}
${
  options.older || options.later
    ? html`<nav aria-label="${ctx.t('messages.pages')}"><p class="actions">${options.later ? html`<a href="/messages">${ctx.t('messages.newest')}</a> ` : ''}${
        options.older ? html`<a href="/messages?before=${encodeURIComponent(options.older)}">${ctx.t('messages.older')}</a>` : ''
      }</p></nav>`
    : ''
}
${noticesForm(ctx, options.notices, options.saved)}`,
  });
}

const fieldError = (ctx: PatientPageContext, id: string, key: MessageKey | undefined): SafeHtml => (key ? html`<p class="error" id="${id}-error">${ctx.t(key)}</p>` : html``);
const described = (id: string, hint: boolean, error: unknown) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

/** The text and attachments of a message (shared by the new-conversation and reply forms). */
function messageFields(ctx: PatientPageContext, text: string, errors: MessageFormErrors): SafeHtml {
  const textDescribed = described('text', true, errors.text);
  const files = errors.files ?? [];
  return html`<div class="field">
<label for="text">${ctx.t('messages.text')}</label>
<p class="hint" id="text-hint">${ctx.t('messages.textHint')}</p>
${fieldError(ctx, 'text', errors.text)}
<textarea id="text" name="text" rows="8" maxlength="10000" aria-describedby="${textDescribed}"${errors.text ? html` aria-invalid="true"` : ''}>${text}</textarea>
</div>
<div class="field">
<label for="files">${ctx.t('messages.files')}</label>
<p class="hint" id="files-hint">${ctx.t('messages.filesHint')}</p>
${files.length ? html`<div class="error" id="files-error"><ul>${files.map((f) => html`<li>${f.name ? html`${f.name}: ` : ''}${ctx.t(f.error)}</li>`)}</ul></div>` : ''}
<input id="files" name="files" type="file" multiple accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="${described('files', true, files.length)}"${
    files.length ? html` aria-invalid="true"` : ''
  }>
</div>`;
}

export interface NewConversationForm {
  readonly topic: string;
  readonly subject: string;
  readonly text: string;
  readonly key: string;
}

export function newConversationPage(
  ctx: PatientPageContext,
  options: {
    readonly topics: readonly TopicChoice[];
    readonly answerDays: number;
    readonly form: NewConversationForm;
    readonly errors?: MessageFormErrors;
    readonly failure?: SendFailure;
  },
): string {
  const title = ctx.t('messages.new');
  const errors = options.errors ?? {};
  const { form } = options;
  const summary = Object.keys(errors).length ? notice(ctx.t('messages.fixErrors'), 'error') : options.failure ? notice(ctx.t(options.failure), 'error') : '';
  return page(ctx, {
    title,
    nav: signedInNav(ctx),
    body: html`${breadcrumb(ctx, title, html`<a href="/messages">${ctx.t('messages.title')}</a> <span aria-hidden="true">›</span> `)}
<h1>${title}</h1>
${summary}
${emergencyNotice(ctx, options.answerDays)}
<form method="post" action="/messages/new" enctype="multipart/form-data">
${csrfField(ctx.csrfToken)}
<input type="hidden" name="key" value="${form.key}">
<div class="field">
<label for="topic">${ctx.t('messages.topic')}</label>
${fieldError(ctx, 'topic', errors.topic)}
<select id="topic" name="topic"${errors.topic ? html` aria-invalid="true" aria-describedby="topic-error"` : ''}>
<option value="">${ctx.t('messages.topicPick')}</option>
${options.topics.map((t) => html`<option value="${t.code}"${t.code === form.topic ? html` selected` : ''}>${topicLabel(ctx, t.code)}</option>`)}
</select>
</div>
<div class="field">
<label for="subject">${ctx.t('messages.subject')}</label>
${fieldError(ctx, 'subject', errors.subject)}
<input id="subject" name="subject" type="text" maxlength="150" value="${form.subject}"${errors.subject ? html` aria-invalid="true" aria-describedby="subject-error"` : ''}>
</div>
${messageFields(ctx, form.text, errors)}
<p class="actions"><button type="submit">${ctx.t('messages.send')}</button> <a href="/messages">${ctx.t('messages.cancel')}</a></p>
</form>`,
  });
}

/** Who wrote a message, as the patient side reads it: "You", the family member's or staff member's name (with role), or the practice. */
function authorWords(ctx: PatientPageContext, reader: string, message: ConversationView['messages'][number]): string {
  if (message.sender === reader) return ctx.t('messages.by.you');
  if (message.author === 'automatic') return ctx.t('messages.by.automatic', { practice: ctx.practiceName });
  if (message.author === 'staff') return ctx.t('messages.by.staff', { name: message.name ?? ctx.t('messages.careTeam'), role: message.role ?? ctx.t('messages.careTeam') });
  if (message.author === 'family') return ctx.t('messages.by.family', { name: message.name ?? '' });
  return message.name ?? ctx.t('messages.by.patient');
}

export function conversationPage(
  ctx: PatientPageContext,
  options: {
    readonly reader: string;
    readonly conversation: ConversationView;
    readonly answerDays: number;
    readonly form: { readonly text: string; readonly key: string };
    readonly errors?: MessageFormErrors;
    readonly failure?: SendFailure;
    readonly sent?: boolean;
    /** The patient's own "not shared with" form (thread-sharing-form.ts); never given to a family member. */
    readonly sharing?: SafeHtml;
  },
): string {
  const { summary, messages } = options.conversation;
  const errors = options.errors ?? {};
  const status = Object.keys(errors).length
    ? notice(ctx.t('messages.fixErrors'), 'error')
    : options.failure
      ? notice(ctx.t(options.failure), 'error')
      : options.sent
        ? notice(ctx.t('messages.sent'))
        : '';
  return page(ctx, {
    title: summary.subject,
    nav: signedInNav(ctx),
    body: html`${breadcrumb(ctx, summary.subject, html`<a href="/messages">${ctx.t('messages.title')}</a> <span aria-hidden="true">›</span> `)}
<h1>${summary.subject}</h1>
<p class="muted">${topicLabel(ctx, summary.topic)}</p>
${status}
<ol class="plain conversation">
${messages.map(
  (m) => html`<li class="card"><p><strong>${authorWords(ctx, options.reader, m)}</strong> · <time datetime="${m.sent}">${ctx.dates.instant(m.sent)}</time>${
    m.unread ? html` <span class="badge">${ctx.t('messages.new.badge')}</span>` : ''
  }</p>
<p class="message-text">${m.text}</p>
${
  m.attachments.length
    ? html`<ul>${m.attachments.map((a, i) => {
        const label = html`${a.title ?? ctx.t('messages.attachment', { n: i + 1 })} (${attachmentKind(a.contentType)})`;
        return html`<li>${a.binaryId ? html`<a href="/messages/${summary.id}/attachments/${a.binaryId}" download>${label}</a>` : label}</li>`;
      })}</ul>`
    : ''
}</li>`,
)}
</ol>
${
  summary.open
    ? html`<h2>${ctx.t('messages.reply')}</h2>
${emergencyNotice(ctx, options.answerDays)}
<form method="post" action="/messages/${summary.id}" enctype="multipart/form-data">
${csrfField(ctx.csrfToken)}
<input type="hidden" name="key" value="${options.form.key}">
${messageFields(ctx, options.form.text, errors)}
<p class="actions"><button type="submit">${ctx.t('messages.send')}</button></p>
</form>`
    : html`<div class="notice" role="status"><p>${ctx.t('messages.closedNotice')}</p></div>
${
  options.form.text
    ? html`<div class="field"><label for="text">${ctx.t('messages.notSentText')}</label><textarea id="text" name="text" rows="6" readonly>${options.form.text}</textarea></div>`
    : ''
}
<p class="actions"><a class="button" href="/messages/new">${ctx.t('messages.new')}</a></p>`
}
${options.sharing ?? ''}`,
  });
}

/**
 * A reply that could not be sent and whose conversation cannot be shown now (not available, or the record
 * server is down): the failure said plainly and the typed text kept in a form that tries again with the same
 * key, so a retry never sends twice.
 */
export function replyNotSentPage(ctx: PatientPageContext, options: { readonly id: string; readonly text: string; readonly key: string; readonly failure: SendFailure }): string {
  const title = ctx.t('messages.notSentTitle');
  return page(ctx, {
    title,
    nav: signedInNav(ctx),
    body: html`${breadcrumb(ctx, title, html`<a href="/messages">${ctx.t('messages.title')}</a> <span aria-hidden="true">›</span> `)}
<h1>${title}</h1>
${notice(ctx.t(options.failure), 'error')}
${
  options.failure === 'messages.failure.notSent'
    ? html`<form method="post" action="/messages/${options.id}" enctype="multipart/form-data">
${csrfField(ctx.csrfToken)}
<input type="hidden" name="key" value="${options.key}">
${messageFields(ctx, options.text, {})}
<p class="actions"><button type="submit">${ctx.t('messages.tryAgain')}</button></p>
</form>`
    : html`<div class="field"><label for="text">${ctx.t('messages.notSentText')}</label><textarea id="text" name="text" rows="6" readonly>${options.text}</textarea></div>
<p class="actions"><a class="button" href="/messages/new">${ctx.t('messages.new')}</a></p>`
}`,
  });
}
