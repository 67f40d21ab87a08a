/**
 * The frame of every record page: the patient banner (name and date of birth, so a proxy always
 * sees whose record this is), a way home, the menu of sections, and the page's own content.
 */
import { html, type SafeHtml } from '../../../ui/html.ts';
import { allSections } from '../../../record/sections.ts';
import { page } from '../../../ui/layout.ts';
import { signedInNav, type PatientPageContext } from '../patient-pages.ts';

export interface BannerPatient {
  readonly name: string;
  readonly birthDate: string | undefined;
  /** The signed-in proxy's name when someone else reads the patient's record for them. */
  readonly proxyName?: string;
}

export const patientBanner = (ctx: PatientPageContext, patient: BannerPatient): SafeHtml =>
  html`<section class="banner" aria-label="${ctx.t('banner.label')}"><p><span class="banner-name">${patient.name}</span>${
    patient.birthDate ? html` <span class="banner-born">${ctx.t('banner.born', { date: ctx.dates.day(patient.birthDate) })}</span>` : ''
  }</p>${patient.proxyName ? html`<p class="banner-proxy">${ctx.t('banner.proxy', { name: patient.proxyName })}</p>` : ''}</section>`;

/** The sections menu: a disclosure that works without JavaScript and stays out of the way on a phone. */
const sectionMenu = (ctx: PatientPageContext, current: string): SafeHtml => html`<nav class="section-menu" aria-label="${ctx.t('record.nav')}">
<details><summary>${ctx.t('record.menu')}</summary>
<ul>${allSections.map(
  (s) => html`<li><a href="/record/${s.slug}"${s.slug === current ? html` aria-current="page"` : ''}>${ctx.t(s.titleKey)}</a></li>`,
)}<li><a href="/record/search"${current === 'search' ? html` aria-current="page"` : ''}>${ctx.t('section.search')}</a></li></ul>
</details></nav>`;

export function recordPage(ctx: PatientPageContext, options: { slug: string; title: string; patient: BannerPatient; body: SafeHtml; incomplete?: boolean }): string {
  return page(ctx, {
    title: options.title,
    nav: signedInNav(ctx),
    body: html`${patientBanner(ctx, options.patient)}
<p class="breadcrumb"><a href="/">${ctx.t('nav.home')}</a> <span aria-hidden="true">›</span> <span>${options.title}</span></p>
${sectionMenu(ctx, options.slug)}
<h1>${options.title}</h1>
${options.incomplete ? html`<p class="notice info" role="status">${ctx.t('record.incomplete')}</p>` : ''}
${options.body}`,
  });
}
