/**
 * /account/family (issue 13): for the patient, who can see their record (name, relationship, access in
 * words, since, last access, end date; change access; end now), the invitations not yet accepted, the
 * invitation form and the "end everything" button; for a family member, whose record it is and "leave".
 * Plain forms, no JavaScript.
 */
import { html, type SafeHtml } from '../../ui/html.ts';
import { csrfField, field, notice, page, type PageContext } from '../../ui/layout.ts';
import { familyParts, type FamilyPart } from '../../access/family-access.ts';
import { relationshipCodes } from '../../core/fhir/relationships.ts';
import { relationshipWords } from '../../ui/relationship-words.ts';
import type { FamilyMember, PendingInvitation } from '../../proxies/manage-family.ts';
import { signedInNav } from './patient-pages.ts';

export interface InviteFormValues {
  readonly name?: string;
  readonly relationship?: string;
  readonly email?: string;
  readonly access?: string;
  readonly parts?: readonly string[];
  readonly endDate?: string;
  readonly signature?: string;
}

export interface FamilyPageOptions {
  readonly members: readonly FamilyMember[];
  readonly pending: readonly PendingInvitation[];
  readonly message?: { readonly text: string; readonly kind: 'info' | 'error' };
  /** The field an error is about, and the values to show again. */
  readonly errorField?: string;
  readonly values?: InviteFormValues;
}

export const accessLines = (ctx: PageContext, parts: readonly FamilyPart[] | undefined): string[] =>
  parts ? parts.map((part) => ctx.t(`family.part.${part}`)) : [ctx.t('family.access.everything')];

function accessChoice(ctx: PageContext, prefix: string, values: { access?: string; parts?: readonly string[] }, error?: string): SafeHtml {
  const limited = values.access === 'limited';
  return html`<fieldset${error ? html` aria-describedby="${prefix}-parts-error"` : ''}><legend>${ctx.t('family.access')}</legend>
${error ? html`<p class="error" id="${prefix}-parts-error">${error}</p>` : ''}
<div class="choice"><input type="radio" id="${prefix}-everything" name="access" value="everything"${limited ? '' : html` checked`}><label for="${prefix}-everything">${ctx.t('family.access.everything')}</label></div>
<div class="choice"><input type="radio" id="${prefix}-limited" name="access" value="limited"${limited ? html` checked` : ''}><label for="${prefix}-limited">${ctx.t('family.access.limited')}</label></div>
<fieldset><legend>${ctx.t('family.parts')}</legend>
${familyParts.map(
  (part) =>
    html`<div class="choice"><input type="checkbox" id="${prefix}-part-${part}" name="parts" value="${part}"${(values.parts ?? []).includes(part) ? html` checked` : ''}><label for="${prefix}-part-${part}">${ctx.t(`family.part.${part}`)}</label></div>`,
)}
</fieldset></fieldset>`;
}

function memberCard(ctx: PageContext, member: FamilyMember): SafeHtml {
  const id = member.relatedPerson.split('/')[1]!;
  return html`<li class="card"><h3>${member.name}</h3>
<p>${ctx.t('family.relationshipLabel', { relationship: relationshipWords(ctx, member.relationship) })}</p>
<p>${ctx.t('family.sees')}</p><ul>${accessLines(ctx, member.parts).map((line) => html`<li>${line}</li>`)}</ul>
<p>${ctx.t('family.since', { date: ctx.dates.instant(member.since) })}</p>
<p>${member.lastAccess ? ctx.t('family.lastAccess', { date: ctx.dates.instant(member.lastAccess) }) : ctx.t('family.neverAccessed')}</p>
${
  member.ended
    ? html`<p>${ctx.t('family.endedOn', { date: ctx.dates.instant(member.ended.at) })}</p>`
    : html`<p>${member.endsAt ? ctx.t('family.endsOn', { date: ctx.dates.instant(new Date(member.endsAt.getTime() - 1)) }) : ctx.t('family.noEnd')}</p>
<form method="post" action="/account/family/end">${csrfField(ctx.csrfToken)}<input type="hidden" name="member" value="${id}"><button class="danger" type="submit">${ctx.t('family.end')}</button></form>
<details><summary>${ctx.t('family.change')}</summary>
<form method="post" action="/account/family/access">${csrfField(ctx.csrfToken)}<input type="hidden" name="member" value="${id}">
${accessChoice(ctx, `m-${id}`, { access: member.parts ? 'limited' : 'everything', parts: member.parts ?? [] })}
<p class="actions"><button type="submit">${ctx.t('family.change')}</button></p></form></details>`
}</li>`;
}

/** An invitation not yet accepted: where its link stands, and "send again" / "cancel" (plain POST forms). */
function pendingCard(ctx: PageContext, invitation: PendingInvitation): SafeHtml {
  const sent = invitation.linkSentAt ?? invitation.invitedAt;
  const linkLine =
    invitation.linkWorks && invitation.linkExpiresAt
      ? ctx.t('family.linkWorksUntil', { date: ctx.dates.instant(sent), until: ctx.dates.instant(invitation.linkExpiresAt) })
      : ctx.t('family.linkExpired', { date: ctx.dates.instant(sent) });
  // The buttons repeat on every card: each names its person for screen readers.
  const button = (label: string, kind: string) => html`<button class="${kind}" type="submit">${label}<span class="visually-hidden"> (${invitation.name})</span></button>`;
  return html`<li class="card"><h3>${invitation.name}</h3><p>${relationshipWords(ctx, invitation.relationship)} · ${invitation.email}</p>
<p>${ctx.t('family.invitedOn', { date: ctx.dates.instant(invitation.invitedAt) })}</p>
<p>${linkLine}</p>
<div class="actions">
<form method="post" action="/account/family/invitations/resend">${csrfField(ctx.csrfToken)}<input type="hidden" name="invitation" value="${invitation.id}">${button(ctx.t('family.resend'), 'secondary')}</form>
<form method="post" action="/account/family/invitations/cancel">${csrfField(ctx.csrfToken)}<input type="hidden" name="invitation" value="${invitation.id}">${button(ctx.t('family.cancelInvitation'), 'danger')}</form>
</div></li>`;
}

export function familyPage(ctx: PageContext, options: FamilyPageOptions): string {
  const values = options.values ?? {};
  const error = (name: string) => (options.errorField === name && options.message ? options.message.text : undefined);
  const live = options.members.filter((m) => !m.ended);
  const relationshipError = error('relationship');
  return page(ctx, {
    title: ctx.t('family.title'),
    nav: signedInNav(ctx),
    body: html`<h1>${ctx.t('family.title')}</h1>
${options.message && !options.errorField ? notice(options.message.text, options.message.kind) : ''}
${options.message && options.errorField ? notice(options.message.text, 'error') : ''}
<p>${ctx.t('family.intro')}</p>
<h2>${ctx.t('family.listTitle')}</h2>
${live.length === 0 ? html`<p>${ctx.t('family.none')}</p>` : html`<ul class="plain">${live.map((m) => memberCard(ctx, m))}</ul>`}
${options.pending.length ? html`<h2>${ctx.t('family.pendingTitle')}</h2><ul class="plain">${options.pending.map((p) => pendingCard(ctx, p))}</ul>` : ''}
<h2>${ctx.t('family.inviteTitle')}</h2>
<form method="post" action="/account/family/invite" novalidate>
${csrfField(ctx.csrfToken)}
${field({ id: 'name', label: ctx.t('family.name'), autocomplete: 'off', value: values.name ?? '', error: error('name'), required: true })}
<div class="field"><label for="relationship">${ctx.t('family.relationship')}</label>
${relationshipError ? html`<p class="error" id="relationship-error">${relationshipError}</p>` : ''}
<select id="relationship" name="relationship"${relationshipError ? html` aria-describedby="relationship-error" aria-invalid="true"` : ''}>
${relationshipCodes.map((code) => html`<option value="${code}"${values.relationship === code ? html` selected` : ''}>${ctx.t(`relationship.${code}`)}</option>`)}
</select></div>
${field({ id: 'email', label: ctx.t('family.email'), type: 'email', autocomplete: 'off', value: values.email ?? '', hint: ctx.t('family.emailHint'), error: error('email'), required: true })}
${accessChoice(ctx, 'invite', { access: values.access ?? 'everything', parts: values.parts ?? [] }, error('parts'))}
${field({ id: 'endDate', label: ctx.t('family.endDate'), type: 'date', value: values.endDate ?? '', hint: ctx.t('family.endDateHint'), error: error('endDate') })}
${field({ id: 'signature', label: ctx.t('family.signature'), autocomplete: 'name', value: values.signature ?? '', error: error('signature'), required: true })}
${field({ id: 'password', label: ctx.t('family.password'), type: 'password', autocomplete: 'current-password', hint: ctx.t('family.passwordHint'), error: error('password'), required: true })}
<p class="actions"><button type="submit">${ctx.t('family.invite')}</button></p>
</form>
<h2>${ctx.t('family.everythingTitle')}</h2>
<p>${ctx.t('family.everythingIntro')}</p>
<form method="post" action="/account/end-everything">${csrfField(ctx.csrfToken)}<button class="danger" type="submit">${ctx.t('family.everything')}</button></form>`,
  });
}

/** A family member's view of /account/family: whose record, and the button to stop seeing it. */
export function familyMemberPage(ctx: PageContext, options: { patientName: string | undefined; message?: string }): string {
  return page(ctx, {
    title: ctx.t('family.title'),
    nav: signedInNav(ctx),
    body: html`<h1>${ctx.t('family.title')}</h1>
${options.message ? notice(options.message) : ''}
<p>${options.patientName ? ctx.t('family.asMember', { name: options.patientName }) : ctx.t('family.asMemberNoName')}</p>
<form method="post" action="/account/family/leave">${csrfField(ctx.csrfToken)}<button class="danger" type="submit">${ctx.t('family.leave')}</button></form>`,
  });
}
