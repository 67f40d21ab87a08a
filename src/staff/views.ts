/** Staff console pages: sign-in, patient search, the patient's portal account and the authorization form. */
import type { Patient, Practitioner } from '@medplum/fhirtypes';
import type { FamilyMember, PendingInvitation } from '../proxies/manage-family.ts';
import { relationshipWords } from '../ui/relationship-words.ts';
import { html, type SafeHtml } from '../ui/html.ts';
import { displayName, medicalRecordNumber } from '../core/fhir/names.ts';
import type { MessageKey } from '../core/i18n/translate.ts';
import type { AccountRow } from '../store/accounts.ts';
import { csrfField, field, notice, page, type PageContext } from '../ui/layout.ts';
import type { InvitationView } from '../accounts/invitation-state.ts';

export const staffNav = (ctx: PageContext, admin = false): SafeHtml => html`<nav aria-label="${ctx.t('staff.title')}">
  <a href="/staff">${ctx.t('staff.search.title')}</a>
  <a href="/staff/messages">${ctx.t('staffMessages.nav')}</a>
  ${admin ? html`<a href="/staff/admin">${ctx.t('staff.admin.nav')}</a> <a href="/staff/apps">${ctx.t('staff.clients.title')}</a> <a href="/staff/admin/dead-letters">${ctx.t('staff.deadLetters.nav')}</a>` : ''}
  <form method="post" action="/staff/logout">${csrfField(ctx.csrfToken)}<button class="link" type="submit">${ctx.t('nav.signOut')}</button></form>
</nav>`;

function patientLine(ctx: PageContext, patient: Patient): SafeHtml {
  const mrn = medicalRecordNumber(patient);
  return html`<a href="/staff/patients/${patient.id ?? ''}">${displayName(patient.name)}</a>
  <span class="muted">· ${patient.birthDate ? ctx.t('staff.patient.born', { date: ctx.dates.day(patient.birthDate) }) : ''}${mrn ? ` · ${ctx.t('staff.patient.mrn', { mrn })}` : ''}</span>`;
}

export function searchPage(ctx: PageContext, options: { query: { name: string; birthDate: string; mrn: string }; results?: Patient[]; admin: boolean }): string {
  return page(ctx, {
    title: ctx.t('staff.search.title'),
    nav: staffNav(ctx, options.admin),
    body: html`<h1>${ctx.t('staff.search.title')}</h1>
<form method="get" action="/staff" role="search">
<p class="hint">${ctx.t('staff.search.hint')}</p>
${field({ id: 'name', label: ctx.t('staff.search.name'), value: options.query.name })}
${field({ id: 'birthDate', label: ctx.t('staff.search.birthDate'), type: 'date', value: options.query.birthDate })}
${field({ id: 'mrn', label: ctx.t('staff.search.mrn'), value: options.query.mrn })}
<p class="actions"><button type="submit">${ctx.t('staff.search.submit')}</button></p>
</form>
${
  options.results === undefined
    ? ''
    : html`<h2>${ctx.t('staff.search.results')}</h2>${
        options.results.length === 0
          ? html`<p>${ctx.t('staff.search.none')}</p>`
          : html`<ul class="plain">${options.results.map((p) => html`<li>${patientLine(ctx, p)}</li>`)}</ul>`
      }`
}`,
  });
}

const statusKeys: Record<AccountRow['status'], MessageKey> = {
  pending: 'staff.account.status.pending',
  active: 'staff.account.status.active',
  deactivated: 'staff.account.status.deactivated',
  disabled: 'staff.account.status.disabled',
};

function accountCard(ctx: PageContext, account: AccountRow, invitations: InvitationView[]): SafeHtml {
  const consentId = account.consent?.split('/')[1];
  return html`<section class="card" aria-labelledby="account-${account.id}">
<h3 id="account-${account.id}">${ctx.t(statusKeys[account.status])}</h3>
<p>${ctx.t('staff.account.email', { email: account.email })}</p>
${consentId ? html`<p><a href="/staff/consents/${consentId}/form.pdf">${ctx.t('staff.form.download')}</a></p>` : ''}
${
  invitations.length > 0
    ? html`<h4>${ctx.t('staff.invitations.title')}</h4><ul class="plain">${invitations.map(
        (i) =>
          html`<li>${ctx.t(`staff.invitations.state.${i.state}`)} <span class="muted">· ${ctx.t('staff.invitations.sentAt', { date: ctx.dates.instant(i.createdAt) })}</span></li>`,
      )}</ul>`
    : ''
}
${
  account.status === 'pending'
    ? html`<form method="post" action="/staff/accounts/${account.id}/resend">${csrfField(ctx.csrfToken)}<button class="secondary" type="submit">${ctx.t('staff.invitations.resend')}</button></form>`
    : ''
}
${
  account.status === 'active' || account.status === 'pending'
    ? html`<form method="post" action="/staff/accounts/${account.id}/email" novalidate>${csrfField(ctx.csrfToken)}
<h4>${ctx.t('staff.email.title')}</h4>
${field({ id: `email-${account.id}`, label: ctx.t('staff.email.new'), type: 'email', required: true })}
<button class="secondary" type="submit">${ctx.t('staff.email.submit')}</button></form>
<form method="post" action="/staff/accounts/${account.id}/deactivate">${csrfField(ctx.csrfToken)}
<h4>${ctx.t('staff.deactivate.title')}</h4><p>${ctx.t('staff.deactivate.body')}</p>
<button class="danger" type="submit">${ctx.t('staff.deactivate.submit')}</button></form>`
    : html`<p>${ctx.t('staff.reactivate.body')}</p>`
}
</section>`;
}

export function patientPage(
  ctx: PageContext,
  options: {
    patient: Patient;
    accounts: { account: AccountRow; invitations: InvitationView[] }[];
    physicians: Practitioner[];
    /** Apps registered with a launch URL (SMART EHR launch). */
    launchable: readonly { clientId: string; name: string }[];
    message?: { text: string; kind: 'info' | 'error' };
    admin: boolean;
    /** Family members and caregivers with live access (issue 13). */
    family?: readonly FamilyMember[];
    /** The patient's family invitations not yet accepted (the patient cancels or sends them again). */
    pending?: readonly PendingInvitation[];
  },
): string {
  const { patient } = options;
  const canInvite = !options.accounts.some((a) => a.account.status === 'active' || a.account.status === 'pending');
  return page(ctx, {
    title: displayName(patient.name),
    nav: staffNav(ctx, options.admin),
    body: html`<h1>${displayName(patient.name)}</h1>
<p>${patient.birthDate ? ctx.t('staff.patient.born', { date: ctx.dates.day(patient.birthDate) }) : ''}${
      medicalRecordNumber(patient) ? ` · ${ctx.t('staff.patient.mrn', { mrn: medicalRecordNumber(patient)! })}` : ''
    }</p>
${options.message ? notice(options.message.text, options.message.kind) : ''}
<h2>${ctx.t('staff.patient.account')}</h2>
${options.accounts.length === 0 ? html`<p>${ctx.t('staff.patient.noAccount')}</p>` : options.accounts.map((a) => accountCard(ctx, a.account, a.invitations))}
${familySection(ctx, patient, options.family ?? [])}
${pendingInvitations(ctx, options.pending ?? [])}
${releaseForm(ctx, patient)}
${options.launchable.length > 0 ? launchForm(ctx, patient, options.launchable) : ''}
${canInvite ? authorizationForm(ctx, patient, options.physicians) : ''}`,
  });
}

/** Family and caregivers with access to the patient's record, each with a button that ends it at once. */
function familySection(ctx: PageContext, patient: Patient, family: readonly FamilyMember[]): SafeHtml {
  return html`<h2>${ctx.t('staff.family.title')}</h2>
${
  family.length === 0
    ? html`<p>${ctx.t('staff.family.none')}</p>`
    : html`<ul class="plain">${family.map(
        (m) => html`<li class="card"><h3>${m.name}</h3><p>${relationshipWords(ctx, m.relationship)} · ${m.email}</p>
<p>${ctx.t('family.sees')} ${(m.parts ? m.parts.map((p) => ctx.t(`family.part.${p}`)) : [ctx.t('family.access.everything')]).join(', ')}</p>
<p>${ctx.t('family.since', { date: ctx.dates.instant(m.since) })}</p>
<form method="post" action="/staff/patients/${patient.id ?? ''}/family/end">${csrfField(ctx.csrfToken)}<input type="hidden" name="member" value="${m.relatedPerson.split('/')[1] ?? ''}"><button class="danger" type="submit">${ctx.t('staff.family.end')}</button></form></li>`,
      )}</ul>`
}`;
}

/** The invitations the patient sent that are not yet accepted, and whether each link still works (read only). */
function pendingInvitations(ctx: PageContext, pending: readonly PendingInvitation[]): SafeHtml {
  if (pending.length === 0) return html``;
  return html`<h3>${ctx.t('family.pendingTitle')}</h3><ul class="plain">${pending.map(
    (p) => html`<li class="card"><p><strong>${p.name}</strong> · ${relationshipWords(ctx, p.relationship)} · ${p.email}</p>
<p>${ctx.t('family.invitedOn', { date: ctx.dates.instant(p.invitedAt) })} ${
      p.linkWorks && p.linkExpiresAt ? ctx.t('staff.family.linkWorksUntil', { until: ctx.dates.instant(p.linkExpiresAt) }) : ctx.t('staff.family.linkExpired')
    }</p></li>`,
  )}</ul>`;
}

/** Release of information: the summary PDF or the C-CDA of the record, a date range (either end open) and the document's language. */
function releaseForm(ctx: PageContext, patient: Patient): SafeHtml {
  const base = `/staff/patients/${patient.id ?? ''}`;
  return html`<h2 id="release">${ctx.t('staff.release.title')}</h2>
<form method="get" action="${base}/summary.pdf" aria-labelledby="release">
<p class="hint" id="release-hint">${ctx.t('staff.release.hint')}</p>
<div class="field"><label for="release-from">${ctx.t('staff.release.from')}</label><input id="release-from" name="from" type="date" aria-describedby="release-hint"></div>
<div class="field"><label for="release-to">${ctx.t('staff.release.to')}</label><input id="release-to" name="to" type="date" aria-describedby="release-hint"></div>
<div class="field"><label for="release-lang">${ctx.t('staff.release.language')}</label>
<select id="release-lang" name="lang"><option value="es"${ctx.locale === 'es' ? html` selected` : ''}>Español</option><option value="en"${ctx.locale === 'en' ? html` selected` : ''}>English</option></select></div>
<p class="actions"><button type="submit">${ctx.t('staff.release.pdf')}</button> <button class="secondary" type="submit" formaction="${base}/ccd.xml">${ctx.t('staff.release.ccd')}</button></p>
</form>`;
}

function launchForm(ctx: PageContext, patient: Patient, apps: readonly { clientId: string; name: string }[]): SafeHtml {
  return html`<h2 id="launch">${ctx.t('staff.launch.title')}</h2>
<form method="post" action="/staff/patients/${patient.id ?? ''}/launch" aria-labelledby="launch">
${csrfField(ctx.csrfToken)}
<p class="hint" id="launch-hint">${ctx.t('staff.launch.hint')}</p>
<div class="field"><label for="app">${ctx.t('staff.launch.app')}</label>
<select id="app" name="app" aria-describedby="launch-hint">${apps.map((a) => html`<option value="${a.clientId}">${a.name}</option>`)}</select></div>
<p class="actions"><button type="submit">${ctx.t('staff.launch.submit')}</button></p>
</form>`;
}

function authorizationForm(ctx: PageContext, patient: Patient, physicians: Practitioner[]): SafeHtml {
  const email = patient.telecom?.find((t) => t.system === 'email')?.value ?? '';
  return html`<h2 id="authorization">${ctx.t('staff.auth.title')}</h2>
<form method="post" action="/staff/patients/${patient.id ?? ''}/authorization" novalidate aria-labelledby="authorization">
${csrfField(ctx.csrfToken)}
<fieldset><legend>${ctx.t('staff.auth.signer')}</legend>
  <div class="choice"><input type="radio" id="signer-patient" name="signer" value="patient" checked><label for="signer-patient">${ctx.t('staff.auth.signerPatient')}</label></div>
  <div class="choice"><input type="radio" id="signer-designee" name="signer" value="designee"><label for="signer-designee">${ctx.t('staff.auth.signerDesignee')}</label></div>
  ${field({ id: 'designeeName', label: ctx.t('staff.auth.designeeName'), autocomplete: 'off' })}
  ${field({ id: 'designeeRelationship', label: ctx.t('staff.auth.designeeRelationship'), autocomplete: 'off' })}
  ${field({ id: 'designeeEmail', label: ctx.t('staff.auth.designeeEmail'), type: 'email', autocomplete: 'off' })}
</fieldset>
${field({ id: 'patientEmail', label: ctx.t('staff.auth.patientEmail'), type: 'email', value: email, required: true, autocomplete: 'off' })}
<div class="field"><label for="physician">${ctx.t('staff.auth.physician')}</label>
<select id="physician" name="physician" required>${physicians.map((p) => html`<option value="${p.id ?? ''}">${displayName(p.name)}</option>`)}</select></div>
<div class="field"><label for="language">${ctx.t('staff.auth.language')}</label>
<select id="language" name="language"><option value="es"${ctx.locale === 'es' ? html` selected` : ''}>Español</option><option value="en"${ctx.locale === 'en' ? html` selected` : ''}>English</option></select></div>
<div class="field"><label for="note">${ctx.t('staff.auth.note')}</label><textarea id="note" name="note" maxlength="1000"></textarea></div>
<div class="choice"><input type="checkbox" id="verified" name="verified" value="yes" required><label for="verified">${ctx.t('staff.auth.verified')}</label></div>
<p class="actions"><button type="submit">${ctx.t('staff.auth.submit')}</button></p>
</form>`;
}
