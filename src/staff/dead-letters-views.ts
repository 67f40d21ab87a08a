/** The dead letters page: one table row per undeliverable outbox message, with its last error and a retry button. */
import { html } from '../ui/html.ts';
import type { DeadLetterView } from '../accounts/dead-letters.ts';
import { csrfField, notice, page, type PageContext } from '../ui/layout.ts';
import { staffNav } from './views.ts';

export function deadLettersPage(ctx: PageContext, options: { letters: readonly DeadLetterView[]; retried: boolean }): string {
  return page(ctx, {
    title: ctx.t('staff.deadLetters.title'),
    nav: staffNav(ctx, true),
    body: html`<h1>${ctx.t('staff.deadLetters.title')}</h1>
<p>${ctx.t('staff.deadLetters.intro')}</p>
${options.retried ? notice(ctx.t('staff.deadLetters.retried'), 'info') : ''}
${
  options.letters.length === 0
    ? html`<p>${ctx.t('staff.deadLetters.empty')}</p>`
    : html`<table>
<caption>${ctx.t('staff.deadLetters.caption', { count: options.letters.length })}</caption>
<thead><tr><th scope="col">${ctx.t('staff.deadLetters.id')}</th><th scope="col">${ctx.t('staff.deadLetters.kind')}</th><th scope="col">${ctx.t('staff.deadLetters.created')}</th><th scope="col">${ctx.t('staff.deadLetters.attempts')}</th><th scope="col">${ctx.t('staff.deadLetters.lastError')}</th><th scope="col"><span class="visually-hidden">${ctx.t('staff.deadLetters.retry')}</span></th></tr></thead>
<tbody>${options.letters.map(
        (
          letter,
        ) => html`<tr><th scope="row">${letter.id}</th><td>${ctx.t(`staff.deadLetters.kind.${letter.kind}`)}</td><td>${ctx.dates.instant(letter.createdAt.toISOString())}</td><td>${letter.attempts}</td><td><code>${letter.lastError}</code></td>
<td><form method="post" action="/staff/admin/dead-letters/${letter.id}/retry">${csrfField(ctx.csrfToken)}<button class="secondary" type="submit" aria-label="${ctx.t('staff.deadLetters.retryOne', { id: letter.id })}">${ctx.t('staff.deadLetters.retry')}</button></form></td></tr>`,
      )}</tbody>
</table>`
}`,
  });
}
