/**
 * "Not shared with" on a conversation page (issue #14 point 4): shown to the patient themself only, one checkbox
 * per live family member, ticked when the conversation is kept from them. A plain POST form (no JavaScript); the
 * checkboxes wrap on a narrow phone like every other choice list.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import { csrfField, notice, page } from '../../ui/layout.ts';
import type { ThreadSharingRow } from '../../proxies/thread-sharing.ts';
import { signedInNav, type PatientPageContext } from './patient-pages.ts';

/** `saved`: the form was just saved (the page is reached at #sharing, where the notice is). */
export function threadSharingForm(ctx: PatientPageContext, thread: string, members: readonly ThreadSharingRow[], saved = false): SafeHtml {
  if (members.length === 0) return html``;
  return html`<section id="sharing" aria-labelledby="sharing-title">
<h2 id="sharing-title">${ctx.t('family.threadSharing.title')}</h2>
${saved ? notice(ctx.t('family.threadSharing.saved')) : ''}
<p class="hint" id="sharing-intro">${ctx.t('family.threadSharing.intro')}</p>
<form method="post" action="/messages/${thread}/sharing">
${csrfField(ctx.csrfToken)}
<fieldset aria-describedby="sharing-intro"><legend>${ctx.t('family.threadSharing.legend')}</legend>
${members.map((member) => {
  const id = `not-shared-${member.relatedPerson.split('/')[1]}`;
  return html`<div class="choice"><input type="checkbox" id="${id}" name="notSharedWith" value="${member.relatedPerson.split('/')[1]}"${member.hidden ? html` checked` : ''}><label for="${id}">${member.name}</label></div>`;
})}
</fieldset>
<p class="actions"><button type="submit">${ctx.t('family.threadSharing.save')}</button></p>
</form>
</section>`;
}

/** The answer to a "not shared with" form that could not be read (a value that is no family member's id): nothing was saved. */
export function threadSharingRefusedPage(ctx: PatientPageContext, thread: string): string {
  return page(ctx, {
    title: ctx.t('family.threadSharing.title'),
    nav: signedInNav(ctx),
    body: html`<h1>${ctx.t('family.threadSharing.title')}</h1>
${notice(ctx.t('family.threadSharing.invalid'), 'error')}
<p><a href="/messages/${thread}#sharing">${ctx.t('family.threadSharing.back')}</a></p>`,
  });
}
