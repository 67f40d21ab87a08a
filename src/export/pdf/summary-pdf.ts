/**
 * The health summary as a PDF the patient downloads or sends to another doctor: the practice (name,
 * address when configured, phone), the patient (name, date of birth, medical record number), what it
 * covers and when it was produced, then each section of the summary (export/summary/) with its items;
 * test results and vital signs as tables. Every page says "Page n of N" and whose summary it is.
 *
 * Tagged for screen readers (ui/pdf/tagged-document.ts, ISO 32000-1 §14.8): Document › H1, a Sect per
 * section with its H2, H3 for groups and reports, P for text, Table › TR › TH/TD for tables; bands,
 * rules and footers are artifacts, and the content is drawn in reading order. Record text is printed as
 * the record has it; labels come from the catalogs in the chosen language, which must be the model's.
 * Fonts are DejaVu Sans, embedded (PDF/UA; see tagged-document.ts): record text keeps every character it has.
 */
import { dateFormatter, isFhirDate, isTimeZone } from '../../core/fhir/dates.ts';
import { translate, type Locale, type MessageKey } from '../../core/i18n/translate.ts';
import type { Fact, RecordGroup, RecordItem } from '../../record/section.ts';
import { artifact, ensureSpace, openTaggedDocument, pageFooters, pdfColors, pdfPage, pdfFonts, taggedParagraph } from '../../ui/pdf/tagged-document.ts';
import type { ListSummarySection, ResultsSummarySection, SummaryModel, SummarySection, SummaryVitalTable, VitalsSummarySection } from '../summary/summary-model.ts';
import { drawTable, type TableColumn, type TableStyle } from './pdf-table.ts';

export interface SummaryPdfOptions {
  readonly locale: Locale;
  /** `address`: the practice's postal address, one line each as printed; absent or empty, no address is printed. */
  readonly practice: { readonly name: string; readonly phone: string; readonly address?: readonly string[] | undefined };
  /** `birthDate`: a FHIR date (YYYY-MM-DD, or YYYY-MM / YYYY when partly known); empty when unknown. */
  readonly patient: { readonly name: string; readonly birthDate: string; readonly mrn: string };
  readonly producedAt: Date;
  /** The practice's IANA time zone (PRACTICE_TIME_ZONE): the production time is said in it, zone named. */
  readonly timeZone: string;
}

// US Letter, as practices print; sizes in PDF points (1/72 inch).
const page = pdfPage;
const fonts = pdfFonts;
const colors = pdfColors;
const sizes = { practice: 14, title: 18, section: 12.5, group: 10.5, body: 9.5, small: 8.5, table: 8.5, footer: 8 } as const;

interface Layout {
  readonly doc: PDFKit.PDFDocument;
  readonly t: (key: MessageKey, params?: Record<string, string | number>) => string;
  readonly left: number;
  readonly width: number;
}

/**
 * Renders the summary. Rejects with a RangeError when the language is not the model's, or for a malformed
 * birth date, production time or time zone.
 */
export async function renderSummaryPdf(model: SummaryModel, options: SummaryPdfOptions): Promise<Buffer> {
  const { locale } = options;
  if (model.locale !== locale) throw new RangeError(`the summary was loaded in ${model.locale}, not ${locale}`);
  if (Number.isNaN(options.producedAt.getTime())) throw new RangeError('producedAt must be a valid date');
  if (!isTimeZone(options.timeZone)) throw new RangeError('timeZone must be an IANA time zone');
  if (options.patient.birthDate !== '' && !isFhirDate(options.patient.birthDate)) throw new RangeError('patient.birthDate must be a FHIR date (YYYY-MM-DD)');
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);

  const title = t('healthSummary.title');
  const { doc, root, bytes } = await openTaggedDocument({
    lang: locale,
    title: `${title} · ${options.patient.name}`,
    author: options.practice.name,
    createdAt: options.producedAt,
    margins: { top: page.margin, left: page.margin, right: page.margin, bottom: page.margin + page.footer },
  });
  const layout: Layout = { doc, t, left: page.margin, width: doc.page.width - 2 * page.margin };

  header(layout, root, model, options);
  for (const section of model.sections) drawSection(layout, root, section);
  root.end();
  footers(layout, options);
  doc.end();
  return await bytes;
}

function header(layout: Layout, root: PDFKit.PDFStructureElement, model: SummaryModel, options: SummaryPdfOptions): void {
  const { doc, t, left, width } = layout;
  const { practice, patient } = options;
  paragraph(layout, root, practice.name, { font: fonts.bold, size: sizes.practice });
  const address = (practice.address ?? []).map((line) => line.trim()).filter(Boolean);
  // One paragraph per line, so a screen reader pauses between them.
  for (const line of address) paragraph(layout, root, line, { size: sizes.body });
  paragraph(layout, root, t('healthSummary.phone', { phone: practice.phone }), { size: sizes.body });
  const ruleAt = doc.y + 4;
  artifact(doc, () =>
    doc
      .moveTo(left, ruleAt)
      .lineTo(left + width, ruleAt)
      .lineWidth(1)
      .strokeColor(colors.ink)
      .stroke(),
  );
  doc.y = ruleAt + 12;
  root.add(
    doc.struct('H1', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.title).fillColor(colors.ink);
      doc.text(t('healthSummary.title'), left, doc.y, { width });
    }),
  );
  doc.y += 6;
  // A birth date is a calendar day: said as written, never moved by a time zone.
  const birthDate = patient.birthDate ? dateFormatter(options.locale, 'UTC').day(patient.birthDate) : '';
  labelled(layout, root, t('healthSummary.patient'), patient.name);
  labelled(layout, root, t('healthSummary.birthDate'), birthDate);
  labelled(layout, root, t('healthSummary.mrn'), patient.mrn);
  labelled(layout, root, t('healthSummary.covers'), model.covers);
  if (model.rangeRule) paragraph(layout, root, model.rangeRule, { size: sizes.small, color: colors.label });
  labelled(layout, root, t('healthSummary.produced'), dateFormatter(options.locale, options.timeZone).instant(options.producedAt));
  const cut = model.sections.filter((section) => section.incomplete !== undefined).map((section) => section.title);
  if (cut.length) {
    doc.y += 4;
    paragraph(layout, root, t('healthSummary.incompleteSections', { sections: cut.join(', ') }), { font: fonts.bold, size: sizes.body });
  }
}

function drawSection(layout: Layout, root: PDFKit.PDFStructureElement, section: SummarySection): void {
  const sect = layout.doc.struct('Sect');
  root.add(sect);
  sectionHeading(layout, sect, section.title);
  if (section.incomplete) paragraph(layout, sect, section.incomplete, { font: fonts.bold, size: sizes.body });
  if (section.kind === 'list') listSection(layout, sect, section);
  else if (section.kind === 'results') resultsSection(layout, sect, section);
  else vitalsSection(layout, sect, section);
  sect.end();
}

function listSection(layout: Layout, sect: PDFKit.PDFStructureElement, section: ListSummarySection): void {
  for (const group of section.groups) {
    // A section with one group named like the section (Procedures › Procedures) needs no second heading.
    if (section.groups.length > 1 || group.heading !== section.title) groupHeading(layout, sect, group.heading);
    groupItems(layout, sect, group);
  }
}

function groupItems(layout: Layout, sect: PDFKit.PDFStructureElement, group: RecordGroup): void {
  if (group.items.length === 0) {
    paragraph(layout, sect, group.empty, { size: sizes.body, color: colors.label });
    return;
  }
  for (const item of group.items) recordItem(layout, sect, item);
}

/** An item: its title in bold (with its flag word), then its facts as "Label: value" on one line. */
function recordItem(layout: Layout, sect: PDFKit.PDFStructureElement, item: RecordItem): void {
  const { doc, left, width } = layout;
  const title = item.flag ? `${item.title} (${item.flag})` : item.title;
  const facts = item.facts.map((fact) => ({ label: `${fact.label}: `, value: factValue(fact) }));
  const factsText = facts.map((fact) => fact.label + fact.value).join(separator);
  const height =
    doc.font(fonts.bold).fontSize(sizes.body).heightOfString(title, { width }) +
    (facts.length ? doc.font(fonts.regular).fontSize(sizes.small).heightOfString(factsText, { width }) : 0);
  // An item stays on one page unless it is longer than a page.
  ensureSpace(doc, Math.min(height + 4, doc.page.height / 2), left);
  doc.y += 3;
  sect.add(
    doc.struct('P', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.body).fillColor(colors.ink);
      doc.text(title, left, doc.y, { width });
    }),
  );
  if (facts.length === 0) return;
  sect.add(
    doc.struct('P', {}, () => {
      doc.fontSize(sizes.small);
      doc.x = left;
      facts.forEach((fact, index) => {
        const last = index === facts.length - 1;
        doc.font(fonts.bold).fillColor(colors.label).text(fact.label, { width, continued: true });
        doc
          .font(fonts.regular)
          .fillColor(colors.ink)
          .text(last ? fact.value : `${fact.value}${separator}`, { width, continued: !last });
      });
    }),
  );
}

const separator = '   ·   ';

function factValue(fact: Fact): string {
  if (typeof fact.value === 'string') return fact.value;
  return fact.value.list.map((entry) => (entry.note ? `${entry.text} (${entry.note})` : entry.text)).join('; ');
}

function resultsSection(layout: Layout, sect: PDFKit.PDFStructureElement, section: ResultsSummarySection): void {
  const { t } = layout;
  if (section.reports.length === 0) {
    paragraph(layout, sect, section.empty, { size: sizes.body, color: colors.label });
    return;
  }
  const columns: TableColumn[] = [
    { header: t('results.col.test'), share: 0.34 },
    { header: t('results.col.value'), share: 0.17 },
    { header: t('results.col.range'), share: 0.16 },
    { header: t('results.col.flag'), share: 0.15 },
    { header: t('fact.date'), share: 0.18 },
  ];
  for (const report of section.reports) {
    groupHeading(layout, sect, t('healthSummary.report', { title: report.title, date: report.date }));
    if (report.rows.length === 0) {
      paragraph(layout, sect, t('results.noValues'), { size: sizes.body, color: colors.label });
      continue;
    }
    drawTable(
      layout.doc,
      sect,
      columns,
      report.rows.map((row) => [{ text: row.test }, { text: row.value }, { text: row.range }, { text: row.flag, strong: row.outOfRange }, { text: row.date }]),
      tableStyle(layout),
    );
  }
}

function vitalsSection(layout: Layout, sect: PDFKit.PDFStructureElement, section: VitalsSummarySection): void {
  const { t } = layout;
  const columns: TableColumn[] = [
    { header: t('healthSummary.col.measurement'), share: 0.44 },
    { header: t('healthSummary.col.value'), share: 0.28 },
    { header: t('fact.date'), share: 0.28 },
  ];
  const table = (vitals: SummaryVitalTable) => {
    groupHeading(layout, sect, vitals.heading);
    if (vitals.rows.length === 0) paragraph(layout, sect, vitals.empty, { size: sizes.body, color: colors.label });
    else
      drawTable(
        layout.doc,
        sect,
        columns,
        vitals.rows.map((row) => [{ text: row.measurement }, { text: row.value }, { text: row.date }]),
        tableStyle(layout),
      );
  };
  table(section.latest);
  table(section.readings);
}

const tableStyle = (layout: Layout): TableStyle => ({
  left: layout.left,
  width: layout.width,
  size: sizes.table,
  padding: 3,
  ink: colors.ink,
  rule: colors.rule,
  band: colors.band,
});

/** A section's H2 on a shaded band; kept on a page with what follows it. */
function sectionHeading(layout: Layout, sect: PDFKit.PDFStructureElement, title: string): void {
  const { doc, left, width } = layout;
  const height = sizes.section + 9;
  doc.y += 10;
  ensureSpace(doc, height + 60, left);
  const top = doc.y;
  artifact(doc, () => doc.rect(left, top, width, height).fillColor(colors.band).fill());
  sect.add(
    doc.struct('H2', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.section).fillColor(colors.ink);
      doc.text(title, left + 4, top + 4.5, { width: width - 8, lineBreak: false });
    }),
  );
  doc.x = left;
  doc.y = top + height + 4;
}

/** A group's or report's H3; kept on a page with what follows it. */
function groupHeading(layout: Layout, sect: PDFKit.PDFStructureElement, text: string): void {
  const { doc, left, width } = layout;
  doc.y += 6;
  ensureSpace(doc, 50, left);
  const top = doc.y;
  sect.add(
    doc.struct('H3', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.group).fillColor(colors.ink);
      doc.text(text, left, top, { width });
    }),
  );
  doc.y += 2;
}

/** "Label: value" as one paragraph, the label in bold. */
function labelled(layout: Layout, parent: PDFKit.PDFStructureElement, label: string, value: string): void {
  const { doc, left, width } = layout;
  doc.font(fonts.regular).fontSize(sizes.body);
  ensureSpace(doc, doc.currentLineHeight(true), left);
  const top = doc.y;
  parent.add(
    doc.struct('P', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.body).fillColor(colors.ink);
      doc.text(`${label}: `, left, top, { width, continued: true });
      doc.font(fonts.regular).text(value, { width });
    }),
  );
  doc.y += 1;
}

function paragraph(layout: Layout, parent: PDFKit.PDFStructureElement, content: string, options: { size: number; color?: string; font?: string }): void {
  taggedParagraph(layout.doc, parent, layout, content, options);
}

/** Whose summary and which page, on every page: a printed page that gets separated still says both. */
function footers(layout: Layout, options: SummaryPdfOptions): void {
  const { t } = layout;
  const who = `${options.patient.name} · ${t('healthSummary.mrn')} ${options.patient.mrn}`;
  pageFooters(layout.doc, layout, who, (pageNumber, pageCount) => t('healthSummary.page', { page: pageNumber, pages: pageCount }), 0.72);
}
