/**
 * The PDF copy of the signed portal and email authorization form (DESIGN.md promise 10: "the
 * patient gets a copy of the signed form"), laid out like the paper form, in the patient's
 * language. Staff print it; the patient downloads it.
 *
 * The PDF is tagged (ISO 32000-1 §14.8) with a document language, so screen readers read it in
 * order and in the right language (ui/pdf/tagged-document.ts). Fonts are DejaVu Sans, embedded (PDF/UA;
 * see tagged-document.ts), so every character of the form and the patient's name is shown as written. The output depends only on its input: the PDF creation date is the time the form was
 * recorded, and pdfkit derives the file identifier from the metadata.
 */
import { dateFormatter, isFhirDate } from '../core/fhir/dates.ts';
import { artifact, ensureSpace as ensurePageSpace, openTaggedDocument, pageFooters, pdfColors, pdfPage, pdfFonts, taggedParagraph } from '../ui/pdf/tagged-document.ts';
import { authorizationFormText, type AuthorizationFormText } from './authorization-form-text.ts';

export interface AuthorizationFormData {
  practice: { name: string; phone: string };
  /** birthDate: a FHIR date, YYYY-MM-DD (YYYY-MM or YYYY when only partly known). */
  patient: { name: string; birthDate: string; mrn: string };
  patientEmail: string;
  /** Display name of the physician. */
  physician: string;
  signer: { kind: 'patient' } | { kind: 'designee'; name: string; relationship: string; email: string };
  /** Email of the person who will use the portal (the patient or the designee). */
  authorizedUserEmail: string;
  /** Display name of the staff member who confirmed the signer's identity and authorization. */
  verifiedBy: string;
  /** ISO 8601 date-time. */
  recordedAt: string;
  /**
   * IANA time zone of the practice (e.g. "America/New_York") for the printed date and time. Without
   * it, the offset written in `recordedAt` is used: "…T18:30:00-05:00" prints "6:30 PM GMT-5", and
   * a "Z" time prints in UTC.
   */
  timeZone?: string;
  staffNote?: string;
  /** Printed in the footer, e.g. the Consent id. */
  formId: string;
}

export type AuthorizationFormLocale = 'es' | 'en';

/** Renders the form; rejects with a RangeError for a malformed birth date, recording time or time zone. */
export async function renderAuthorizationForm(data: AuthorizationFormData, locale: AuthorizationFormLocale): Promise<Buffer> {
  const text = authorizationFormText[locale];
  const recordedAt = new Date(data.recordedAt);
  if (Number.isNaN(recordedAt.getTime())) throw new RangeError('recordedAt must be an ISO 8601 date-time');
  const dates = formDates(data, recordedAt, locale);

  const { doc, root, bytes } = await openTaggedDocument({
    lang: locale,
    title: text.title,
    author: data.practice.name,
    createdAt: recordedAt,
    margins: { top: page.margin, left: page.margin, right: page.margin, bottom: page.margin + page.footer },
  });
  const form: Form = { doc, root, text, left: page.margin, width: doc.page.width - 2 * page.margin };
  header(form, data);
  patientSection(form, data, dates);
  authorizationSection(form, data);
  signerSection(form, data);
  staffSection(form, data, dates);
  root.end();
  footers(form, data, dates);
  doc.end();
  return await bytes;
}

// US Letter, as the practice prints it; sizes in PDF points (1/72 inch).
const page = pdfPage;
const fonts = pdfFonts;
const colors = pdfColors;
const sizes = { practice: 14, title: 15, heading: 10.5, body: 9.5, label: 7.5, value: 10.5, footer: 8 } as const;
const field = { padding: 4, gap: 1.5 } as const;

interface Form {
  readonly doc: PDFKit.PDFDocument;
  /** The Document structure element: everything readable goes under it, in reading order. */
  readonly root: PDFKit.PDFStructureElement;
  readonly text: AuthorizationFormText;
  readonly left: number;
  readonly width: number;
}

interface FormDates {
  readonly birthDate: string;
  /** Date and time, for the verification line. */
  readonly recorded: string;
  /** Date only, for the footer. */
  readonly recordedDay: string;
}

function header(form: Form, data: AuthorizationFormData): void {
  const { doc, root, left, width, text } = form;
  const top = doc.y;
  root.add(
    doc.struct('P', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.practice).fillColor(colors.ink);
      doc.text(data.practice.name, left, top, { width: width * 0.62 });
    }),
  );
  const nameBottom = doc.y;
  root.add(
    doc.struct('P', {}, () => {
      doc.font(fonts.regular).fontSize(sizes.body).fillColor(colors.ink);
      doc.text(text.phone(data.practice.phone), left + width * 0.62, top + 3, { width: width * 0.38, align: 'right' });
    }),
  );
  const bottom = Math.max(nameBottom, doc.y) + 4;
  artifact(doc, () =>
    doc
      .moveTo(left, bottom)
      .lineTo(left + width, bottom)
      .lineWidth(1)
      .strokeColor(colors.ink)
      .stroke(),
  );
  root.add(
    doc.struct('H1', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.title).fillColor(colors.ink);
      doc.text(text.title, left, bottom + 12, { width, align: 'center' });
    }),
  );
  doc.y += 8;
}

function patientSection(form: Form, data: AuthorizationFormData, dates: FormDates): void {
  const { text } = form;
  sectionHeading(form, text.patientSection);
  fieldRow(form, [{ label: text.patientName, value: data.patient.name }]);
  fieldRow(form, [
    { label: text.birthDate, value: dates.birthDate },
    { label: text.mrn, value: data.patient.mrn },
  ]);
  fieldRow(form, [
    { label: text.patientEmail, value: data.patientEmail },
    { label: text.physician, value: data.physician },
  ]);
}

function authorizationSection(form: Form, data: AuthorizationFormData): void {
  const { doc, root, left, width, text } = form;
  sectionHeading(form, text.authorizationSection);
  const list = doc.struct('L');
  root.add(list);
  const indent = 16;
  text.statements(data.practice.name).forEach((body, index) => {
    doc.font(fonts.regular).fontSize(sizes.body);
    ensureSpace(form, doc.heightOfString(body, { width: width - indent }));
    const top = doc.y;
    const item = doc.struct('LI');
    list.add(item);
    item.add(
      doc.struct('Lbl', {}, () => {
        doc.font(fonts.regular).fontSize(sizes.body).fillColor(colors.ink);
        doc.text(`${index + 1}.`, left, top, { width: indent, lineBreak: false });
      }),
    );
    item.add(
      doc.struct('LBody', {}, () => {
        doc.font(fonts.regular).fontSize(sizes.body).fillColor(colors.ink);
        doc.text(body, left + indent, top, { width: width - indent });
      }),
    );
    item.end();
    doc.y += 3;
  });
  list.end();
}

function signerSection(form: Form, data: AuthorizationFormData): void {
  const { doc, text, width, left } = form;
  const { signer } = data;
  sectionHeading(form, text.signerSection);
  ensureSpace(form, 16);
  const top = doc.y;
  checkbox(form, left, top, signer.kind === 'patient', text.signerPatient);
  checkbox(form, left + width / 2, top, signer.kind === 'designee', text.signerDesignee);
  doc.y = top + 16;
  if (signer.kind === 'designee') {
    fieldRow(form, [
      { label: text.designeeName, value: signer.name },
      { label: text.designeeRelationship, value: signer.relationship },
    ]);
    fieldRow(form, [{ label: text.designeeEmail, value: signer.email }]);
  }
  fieldRow(form, [{ label: text.authorizedUserEmail, value: data.authorizedUserEmail }]);
  doc.y += 4;
  paragraph(form, text.signedOnPaper(data.practice.name), { size: sizes.body, color: colors.label });
}

function staffSection(form: Form, data: AuthorizationFormData, dates: FormDates): void {
  const { text } = form;
  sectionHeading(form, text.staffSection);
  paragraph(form, text.verified(data.verifiedBy, dates.recorded), { size: sizes.body });
  const note = data.staffNote?.trim();
  if (note) {
    form.doc.y += 4;
    paragraph(form, text.staffNote, { size: sizes.label, color: colors.label, font: fonts.bold });
    paragraph(form, note, { size: sizes.body });
  }
}

/** Footer on every page: the form id and date on the left, "Page n of N" on the right. */
function footers(form: Form, data: AuthorizationFormData, dates: FormDates): void {
  pageFooters(form.doc, form, form.text.footer(data.formId, dates.recordedDay), form.text.page, 0.75);
}

/** A shaded band with the section's name, as on the paper form; kept with what follows it. */
function sectionHeading(form: Form, title: string): void {
  const { doc, root, left, width } = form;
  const height = sizes.heading + 8;
  doc.y += 8;
  ensureSpace(form, height + 40);
  const top = doc.y;
  artifact(doc, () => doc.rect(left, top, width, height).fillColor(colors.band).fill());
  root.add(
    doc.struct('H2', {}, () => {
      doc.font(fonts.bold).fontSize(sizes.heading).fillColor(colors.ink);
      doc.text(title, left + field.padding, top + 4, { width: width - 2 * field.padding, lineBreak: false });
    }),
  );
  doc.y = top + height + 4;
}

/**
 * A row of boxed fields, each with a small label above its value, like the boxes of a paper form.
 * Boxes of consecutive rows share their borders.
 */
function fieldRow(form: Form, fields: readonly { label: string; value: string }[]): void {
  const { doc, root, left, width } = form;
  const boxWidth = width / fields.length;
  const inner = boxWidth - 2 * field.padding;
  const cells = fields;
  const labelHeight = (label: string) => doc.font(fonts.regular).fontSize(sizes.label).heightOfString(label, { width: inner });
  const valueHeight = (value: string) =>
    doc
      .font(fonts.regular)
      .fontSize(sizes.value)
      .heightOfString(value || ' ', { width: inner });
  const height = Math.max(...cells.map((cell) => labelHeight(cell.label) + field.gap + valueHeight(cell.value))) + 2 * field.padding;
  ensureSpace(form, height);
  const top = doc.y;
  artifact(doc, () => {
    doc.lineWidth(0.75).strokeColor(colors.rule);
    cells.forEach((_, index) => {
      doc.rect(left + index * boxWidth, top, boxWidth, height).stroke();
    });
  });
  cells.forEach((cell, index) => {
    const x = left + index * boxWidth + field.padding;
    // Label and value are separate paragraphs, so a screen reader pauses between them.
    const group = doc.struct('Div');
    root.add(group);
    group.add(
      doc.struct('P', {}, () => {
        doc.font(fonts.regular).fontSize(sizes.label).fillColor(colors.label);
        doc.text(cell.label, x, top + field.padding, { width: inner });
      }),
    );
    group.add(
      doc.struct('P', {}, () => {
        doc.font(fonts.regular).fontSize(sizes.value).fillColor(colors.ink);
        doc.text(cell.value, x, doc.y + field.gap, { width: inner });
      }),
    );
    group.end();
  });
  doc.x = left;
  doc.y = top + height;
}

/** A paper-form checkbox; the mark is a real "X" so it is in the text a reader or pdftotext sees. */
function checkbox(form: Form, x: number, y: number, checked: boolean, text: string): void {
  const { doc, root } = form;
  const box = 9;
  artifact(doc, () => doc.rect(x, y, box, box).lineWidth(0.75).strokeColor(colors.ink).stroke());
  // ActualText keeps the mark and the label apart for assistive technology ("X The patient").
  root.add(
    doc.struct('P', { actual: checked ? `X ${text}` : text }, () => {
      doc.font(fonts.bold).fontSize(sizes.body).fillColor(colors.ink);
      if (checked) doc.text('X', x + 1.6, y + 0.6, { lineBreak: false });
      doc.font(checked ? fonts.bold : fonts.regular).fontSize(sizes.body);
      doc.text(text, x + box + 5, y + 0.6, { lineBreak: false });
    }),
  );
}

// Long paragraphs (a staff note) may flow onto the next page.
function paragraph(form: Form, content: string, options: { size: number; color?: string; font?: string }): void {
  taggedParagraph(form.doc, form.root, form, content, options);
}

/** Starts a new page when `height` does not fit above the footer. */
function ensureSpace(form: Form, height: number): void {
  ensurePageSpace(form.doc, height, form.left);
}

function formDates(data: AuthorizationFormData, recordedAt: Date, locale: AuthorizationFormLocale): FormDates {
  const timeZone = data.timeZone ?? writtenOffset(data.recordedAt);
  // The zone is printed ("6:30 PM EDT"): the form is a record, and a bare time would be ambiguous.
  const day = { year: 'numeric', month: 'long', day: 'numeric', timeZone } as const;
  const recorded = new Intl.DateTimeFormat(locale, { ...day, hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(recordedAt);
  const recordedDay = new Intl.DateTimeFormat(locale, day).format(recordedAt);
  return { birthDate: formatBirthDate(data.patient.birthDate, locale), recorded, recordedDay };
}

/**
 * A FHIR `date` (R4 §2.24.0.1): YYYY-MM-DD, or YYYY-MM or YYYY when only partly known; "3 de mayo
 * de 2005" / "May 3, 2005". Empty gives an empty box, as on a paper form left blank.
 */
function formatBirthDate(value: string, locale: AuthorizationFormLocale): string {
  if (value === '') return '';
  if (!isFhirDate(value)) throw new RangeError('patient.birthDate must be a FHIR date (YYYY-MM-DD)');
  // A birth date is a calendar day, not an instant: the shared formatter never shifts it by a time zone.
  return dateFormatter(locale, 'UTC').day(value);
}

/** The offset an ISO date-time was written with ("Z" is UTC); undefined for a local time without one. */
function writtenOffset(isoDateTime: string): string | undefined {
  const offset = /(Z|[+-]\d{2}:\d{2})$/i.exec(isoDateTime.trim())?.[1];
  if (!offset) return undefined;
  return offset.toUpperCase() === 'Z' ? 'UTC' : offset;
}
