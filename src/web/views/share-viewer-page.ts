/**
 * The share-link viewer (`/s#shlink:/…`), for the outside doctor. Everything that touches the record
 * happens in the browser (/assets/shl-viewer.js): the link's payload stays in the URL fragment, which
 * is never sent to the server; the page only gives the script its words (data-msg-* attributes, in the
 * visitor's language) and the places to show what it decrypted. Without JavaScript a notice says why
 * nothing works.
 */
import { html } from '../../ui/html.ts';
import { field, page, type PageContext } from '../../ui/layout.ts';

/** The catalog keys the script shows, as data-msg-<name> attributes. */
const scriptMessages = {
  recipient: 'viewer.error.recipient',
  passcode: 'viewer.error.passcode',
  wrong: 'viewer.error.wrongPasscode',
  gone: 'viewer.error.gone',
  'bad-link': 'viewer.error.badLink',
  busy: 'viewer.error.busy',
  failed: 'viewer.error.failed',
  opening: 'viewer.opening',
} as const;

export function shareViewerPage(ctx: PageContext): string {
  const messages = Object.entries(scriptMessages)
    .map(([name, key]) => html` data-msg-${name}="${ctx.t(key)}"`)
    .reduce((all, one) => html`${all}${one}`, html``);
  const body = html`<h1>${ctx.t('viewer.title')}</h1>
<noscript>${html`<div class="notice error"><p>${ctx.t('viewer.noscript')}</p></div>`}</noscript>
<div id="shl-viewer" hidden${messages}>
  <div id="shl-problem" class="notice error" role="alert" tabindex="-1" hidden><p id="shl-problem-text"></p></div>
  <form id="shl-form" novalidate>
    <p>${ctx.t('viewer.intro', { practice: ctx.practiceName })}</p>
    ${field({ id: 'recipient', label: ctx.t('viewer.recipient'), hint: ctx.t('viewer.recipientHint'), autocomplete: 'name', required: true })}
    <p class="error" id="recipient-error" hidden></p>
    ${field({ id: 'passcode', label: ctx.t('viewer.passcode'), hint: ctx.t('viewer.passcodeHint'), type: 'password', autocomplete: 'off', required: true })}
    <p class="error" id="passcode-error" hidden></p>
    <p class="actions"><button type="submit" id="shl-open">${ctx.t('viewer.open')}</button></p>
    <p id="shl-status" role="status" class="hint"></p>
  </form>
  <section id="shl-result" aria-labelledby="shl-result-title" hidden>
    <h2 id="shl-result-title" tabindex="-1">${ctx.t('viewer.recordTitle')}</h2>
    <p>${ctx.t('viewer.privacy')}</p>
    <div id="shl-pdf" hidden>
      <h3>${ctx.t('viewer.pdfTitle')}</h3>
      <p class="actions"><a id="shl-pdf-open" class="button" href="#" target="_blank" rel="noopener">${ctx.t('viewer.openPdf')}</a>
        <a id="shl-pdf-download" href="#" download="health-summary.pdf">${ctx.t('viewer.downloadPdf')}</a></p>
      <iframe id="shl-pdf-frame" class="pdf-frame" title="${ctx.t('viewer.pdfFrame')}"></iframe>
    </div>
    <div id="shl-data" hidden>
      <h3>${ctx.t('viewer.dataTitle')}</h3>
      <p>${ctx.t('viewer.dataExplain')}</p>
      <p class="actions"><a id="shl-ccd" class="button" href="#" download="health-record-ccd.xml" hidden>${ctx.t('viewer.downloadCcd')}</a>
        <a id="shl-fhir" class="button" href="#" download="health-record-fhir.json" hidden>${ctx.t('viewer.downloadFhir')}</a></p>
    </div>
  </section>
</div>
<script src="/assets/shl-viewer.js" defer></script>`;
  return page(ctx, { title: ctx.t('viewer.title'), body });
}
