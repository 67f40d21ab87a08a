/** Home for a signed-in patient or proxy: whose record, what's new, and the map of the record. */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { HomeLine, HomeModel } from '../../../record/home.ts';
import { allSections } from '../../../record/sections.ts';
import { page } from '../../../ui/layout.ts';
import { signedInNav, type PatientPageContext } from '../patient-pages.ts';
import { patientBanner, type BannerPatient } from './record-layout.ts';
import { searchForm } from './search-page.ts';

const lines = (ctx: PatientPageContext, list: readonly HomeLine[], empty: string, linkText?: string): SafeHtml =>
  list.length === 0
    ? html`<p class="empty">${empty}</p>`
    : html`<ul class="plain">${list.map(
        (line) =>
          html`<li>${linkText || !line.href ? line.title : html`<a href="${line.href}">${line.title}</a>`}${line.when ? html` <span class="muted">· ${line.when}</span>` : ''}${
            linkText && line.href ? html` · <a href="${line.href}">${linkText}<span class="visually-hidden"> ${line.title}</span></a>` : ''
          }</li>`,
      )}</ul>`;

export function homePage(ctx: PatientPageContext, options: { patient: BannerPatient; model: HomeModel }): string {
  const { model } = options;
  return page(ctx, {
    title: ctx.t('nav.home'),
    nav: signedInNav(ctx),
    body: html`${patientBanner(ctx, options.patient)}
<h1>${ctx.t('home.greeting', { name: options.patient.proxyName ?? options.patient.name })}</h1>
<p>${ctx.t('home.intro', { practice: ctx.practiceName })}</p>
${searchForm(ctx, '')}
<h2>${ctx.t('home.whatsNew')}</h2>
<div class="whats-new">
<section class="card" aria-labelledby="new-results"><h3 id="new-results">${ctx.t('home.recentResults')}</h3>${lines(ctx, model.results, ctx.t('home.noResults'))}<p><a href="/record/results">${ctx.t('home.allResults')}</a></p></section>
<section class="card" aria-labelledby="new-appointments"><h3 id="new-appointments">${ctx.t('home.upcoming')}</h3>${lines(ctx, model.appointments, ctx.t('appointments.noneUpcoming', { phone: ctx.practicePhone }))}<p><a href="/record/appointments">${ctx.t('home.allAppointments')}</a></p></section>
<section class="card" aria-labelledby="new-documents"><h3 id="new-documents">${ctx.t('home.documents')}</h3>${lines(ctx, model.documents, ctx.t('home.noDocuments'), ctx.t('home.download'))}<p><a href="/record/documents">${ctx.t('home.allDocuments')}</a></p></section>
</div>
<h2>${ctx.t('record.nav')}</h2>
<ul class="section-grid">${allSections.map(
      (s) => html`<li><a href="/record/${s.slug}"><span class="section-title">${ctx.t(s.titleKey)}</span><span class="section-summary">${ctx.t(s.summaryKey)}</span></a></li>`,
    )}</ul>`,
  });
}
