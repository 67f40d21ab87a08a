/**
 * The patient's electronic authorization of a family member, as a PDF (issue 13): what was granted, to
 * whom, when it was given and accepted, the name the patient typed as their signature, and the time and
 * client address of the invitation and of the acceptance. It is the `source` of the Consent (through a
 * DocumentReference), in the patient's language, tagged and with embedded fonts like every Puente PDF.
 */
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import { openTaggedDocument, pageFooters, pdfColors, pdfFonts, pdfPage, taggedParagraph } from '../ui/pdf/tagged-document.ts';

export interface FamilyAuthorizationData {
  readonly practice: { readonly name: string; readonly phone: string; readonly timeZone: string };
  readonly patient: { readonly name: string; readonly birthDate: string };
  readonly member: { readonly name: string; readonly relationship: string; readonly email: string };
  /** The access in words, one line each ("Everything I can see", or the parts). */
  readonly access: readonly string[];
  /** The last day of access (FHIR date), if the patient set one. */
  readonly endDate?: string;
  readonly signature: string;
  readonly invitedAt: Date;
  readonly invitedFrom: string;
  readonly acceptedAt: Date;
  readonly acceptedFrom: string;
  /** Printed in the footer: the Consent id. */
  readonly formId: string;
}

export async function renderFamilyAuthorization(data: FamilyAuthorizationData, locale: Locale): Promise<Buffer> {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, params);
  const dates = dateFormatter(locale, data.practice.timeZone);
  const { doc, root, bytes } = await openTaggedDocument({
    lang: locale,
    title: t('family.pdf.title'),
    author: data.practice.name,
    createdAt: data.acceptedAt,
    margins: { top: pdfPage.margin, left: pdfPage.margin, right: pdfPage.margin, bottom: pdfPage.margin + pdfPage.footer },
  });
  const at = { left: pdfPage.margin, width: doc.page.width - 2 * pdfPage.margin };
  const heading = (text: string) => {
    doc.moveDown(0.6);
    root.add(
      doc.struct('H1', {}, () => {
        doc.font(pdfFonts.bold).fontSize(16).fillColor(pdfColors.ink).text(text, at.left, doc.y, { width: at.width });
      }),
    );
  };
  const para = (text: string, size = 11) => taggedParagraph(doc, root, at, text, { size });
  heading(t('family.pdf.title'));
  para(data.practice.name);
  doc.moveDown(0.5);
  para(t('family.pdf.patient', { name: data.patient.name, date: dates.day(data.patient.birthDate) }));
  para(t('family.pdf.member', { name: data.member.name, relationship: data.member.relationship, email: data.member.email }));
  doc.moveDown(0.5);
  para(t('family.pdf.access'));
  for (const line of data.access) para(`• ${line}`);
  para(data.endDate ? t('family.pdf.until', { date: dates.day(data.endDate) }) : t('family.pdf.noEnd'));
  doc.moveDown(0.5);
  para(t('family.pdf.statement'));
  para(t('family.pdf.signature', { name: data.signature }));
  para(t('family.pdf.invited', { time: dates.instant(data.invitedAt), address: data.invitedFrom }));
  para(t('family.pdf.accepted', { time: dates.instant(data.acceptedAt), address: data.acceptedFrom }));
  pageFooters(doc, at, `${data.practice.name} · ${data.formId}`, (page, pages) => t('family.pdf.page', { page, pages }), 0.7);
  doc.end();
  return bytes;
}
