/**
 * /account/family/accept (issue 13): the page an invitation to an existing account links to. Not signed in: what
 * it is and a button to sign in and come back. Signed in as the invited account: whose record, what they will
 * see, until when, and one button. Another account: that it is not for them, nothing more. After accepting:
 * how to open the new record (the patient picker at the next sign-in). Plain forms, no JavaScript.
 */
import { html } from '../../ui/html.ts';
import { csrfField, notice, page, type PageContext } from '../../ui/layout.ts';
import { relationshipWords } from '../../ui/relationship-words.ts';
import type { InvitationOffer } from '../../proxies/accept-signed-in.ts';
import { accessLines } from './family-page.ts';

/** Sign in first; the sign-in comes back to this link (`next`). */
export function acceptSignInPage(ctx: PageContext, options: { next: string }): string {
  return page(ctx, {
    title: ctx.t('family.accept.title'),
    body: html`<h1>${ctx.t('family.accept.title')}</h1>
<p>${ctx.t('family.accept.signInFirst')}</p>
<p class="actions"><a class="button" href="/auth/login?next=${encodeURIComponent(options.next)}">${ctx.t('landing.signIn')}</a></p>`,
  });
}

export function acceptOfferPage(ctx: PageContext, options: { token: string; offer: InvitationOffer }): string {
  const { offer } = options;
  return page(ctx, {
    title: ctx.t('family.accept.title'),
    body: html`<h1>${ctx.t('family.accept.title')}</h1>
<p>${ctx.t('family.accept.intro', { name: offer.patientName })}</p>
<p>${ctx.t('family.accept.relationship', { relationship: relationshipWords(ctx, offer.relationship) })}</p>
<p>${ctx.t('family.accept.sees')}</p><ul>${accessLines(ctx, offer.parts).map((line) => html`<li>${line}</li>`)}</ul>
<p>${offer.endsAt ? ctx.t('family.accept.until', { date: ctx.dates.instant(new Date(offer.endsAt.getTime() - 1)) }) : ctx.t('family.accept.noEnd')}</p>
<form method="post" action="/account/family/accept">${csrfField(ctx.csrfToken)}<input type="hidden" name="t" value="${options.token}">
<p class="actions"><button type="submit">${ctx.t('family.accept.button')}</button></p></form>`,
  });
}

/** Accepted: the new record is one of those the account chooses from when it signs in. */
export function acceptedPage(ctx: PageContext, options: { patientName: string }): string {
  return page(ctx, {
    title: ctx.t('family.accept.title'),
    body: html`<h1>${ctx.t('family.accept.title')}</h1>
${notice(ctx.t('family.accept.done', { name: options.patientName }))}
<p class="actions"><a class="button" href="/auth/login">${ctx.t('family.accept.open')}</a></p>`,
  });
}

/** Signed in as an account the invitation was not sent to: nothing about whose or for whom. */
export function notForYouPage(ctx: PageContext): string {
  return page(ctx, {
    title: ctx.t('family.error.not_for_you'),
    body: html`<h1>${ctx.t('family.error.not_for_you')}</h1>
<p>${ctx.t('family.accept.notForYou')}</p>
<form method="post" action="/auth/logout">${csrfField(ctx.csrfToken)}<button class="secondary" type="submit">${ctx.t('nav.signOut')}</button></form>`,
  });
}
