/**
 * What every Puente PDF shares (the signed authorization form, the health summary): a tagged PDF
 * (ISO 32000-1 §14.8, PDF 1.7) with a document language and its title shown in the window, so screen
 * readers read it in order and in the right language; decoration and page numbers as artifacts; a
 * footer written once every page exists ("Page 1 of 3"). Lives in ui/ because it is shared rendering:
 * accounts/ and export/ may both import it, and capabilities never import each other.
 *
 * Fonts are DejaVu Sans, regular and bold (the dejavu-fonts-ttf package), embedded as subsets: PDF/UA
 * (ISO 14289-1 §7.21.4.1) requires every font to be embedded, which the standard 14 (Helvetica) are
 * not, and a Unicode TrueType font shows every character the record may carry (Spanish accents, ≥ ≤ −
 * μ in reference ranges) as written, with a ToUnicode map so the text can be extracted and read aloud.
 * The output depends only on the input: the creation date is given, and pdfkit derives the file
 * identifier from the metadata.
 *
 * pdfkit (with fontkit and its brotli decoder) is loaded on the first PDF, not at start: a replica that
 * makes no PDF does not hold it (about 6 MB of heap; docs/production.md, "Memory"). The fonts are read
 * by pdfkit when a document registers them, so they are never held between documents either.
 */
import { createRequire } from 'node:module';

// Resolved through Node's package resolution, so the same code finds the files from src/ and from dist/.
const resolvePackageFile = createRequire(import.meta.url).resolve;
const fontFiles = {
  regular: resolvePackageFile('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: resolvePackageFile('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
} as const;

/** The font names every Puente PDF uses with `doc.font(...)`; `openTaggedDocument` registers them. */
export const pdfFonts = { regular: 'DejaVuSans', bold: 'DejaVuSans-Bold' } as const;

export interface TaggedDocumentOptions {
  /** BCP 47 language of the text (`es`, `en`): the catalog /Lang, which screen readers speak in. */
  readonly lang: string;
  readonly title: string;
  readonly author: string;
  /** The document's CreationDate and ModDate. */
  readonly createdAt: Date;
  readonly margins: { readonly top: number; readonly left: number; readonly right: number; readonly bottom: number };
}

export interface TaggedDocument {
  readonly doc: PDFKit.PDFDocument;
  /** The Document structure element: everything readable goes under it, in reading order. */
  readonly root: PDFKit.PDFStructureElement;
  /** The finished file, once `doc.end()` has been called. */
  readonly bytes: Promise<Buffer>;
}

/** A US Letter document (as practices print) with pages buffered, so footers can name the page count. */
export async function openTaggedDocument(options: TaggedDocumentOptions): Promise<TaggedDocument> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { ...options.margins },
    bufferPages: true, // page numbers ("Page 1 of 2") are written once every page exists
    pdfVersion: '1.7',
    tagged: true,
    lang: options.lang,
    displayTitle: true,
    info: { Title: options.title, Author: options.author, Creator: 'Puente', CreationDate: options.createdAt, ModDate: options.createdAt },
    font: fontFiles.regular, // pdfkit's default is Helvetica, which would be written into the file unembedded
  });
  doc.registerFont(pdfFonts.regular, fontFiles.regular);
  doc.registerFont(pdfFonts.bold, fontFiles.bold);
  doc.font(pdfFonts.regular);
  const chunks: Buffer[] = [];
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const root = doc.struct('Document');
  doc.addStructure(root);
  return { doc, root, bytes };
}

/** Lines, boxes and bands are decoration: tagged as artifacts so screen readers skip them (ISO 32000-1 §14.8.2.2). */
export function artifact(doc: PDFKit.PDFDocument, draw: () => void, type: 'Layout' | 'Pagination' = 'Layout'): void {
  doc.markContent('Artifact', { type });
  draw();
  doc.endMarkedContent();
}

/** Starts a new page (text at `left`) when `height` does not fit above the bottom margin; true when it did. */
export function ensureSpace(doc: PDFKit.PDFDocument, height: number, left: number): boolean {
  if (doc.y + height <= doc.page.height - doc.page.margins.bottom) return false;
  doc.addPage();
  doc.x = left;
  return true;
}

/**
 * Draws on every page once all exist (`draw(1, 3)` on the first of three), inside the bottom margin and
 * as a pagination artifact: a footer is repeated furniture, not content to read on every page.
 */
export function paginate(doc: PDFKit.PDFDocument, draw: (pageNumber: number, pageCount: number) => void): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    // Writing inside the bottom margin would otherwise start a new page.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    artifact(doc, () => draw(index - range.start + 1, range.count), 'Pagination');
    doc.page.margins.bottom = bottomMargin;
  }
}

/** The page and colours both PDFs are laid out with (points; US Letter). */
export const pdfPage = { margin: 50, footer: 30 } as const;
export const pdfColors = { ink: '#000000', label: '#4a4a4a', rule: '#7a7a7a', band: '#e4e4e4' } as const;
const footerSize = 8;

/**
 * A paragraph (P) under `parent` at `left`, `width` wide; it may flow onto the next page, and starts on
 * a new one only when not even its first line fits.
 */
export function taggedParagraph(
  doc: PDFKit.PDFDocument,
  parent: PDFKit.PDFStructureElement,
  at: { readonly left: number; readonly width: number },
  content: string,
  options: { size: number; color?: string; font?: string },
): void {
  const font = options.font ?? pdfFonts.regular;
  doc.font(font).fontSize(options.size);
  ensureSpace(doc, doc.currentLineHeight(true), at.left);
  const top = doc.y;
  parent.add(
    doc.struct('P', {}, () => {
      doc
        .font(font)
        .fontSize(options.size)
        .fillColor(options.color ?? pdfColors.ink);
      doc.text(content, at.left, top, { width: at.width });
    }),
  );
}

/**
 * A footer on every page under a thin rule: `leftText` on the left (`split` of the width), the page
 * number text on the right (`pageText(1, 3)`), as pagination artifacts (see `paginate`).
 */
export function pageFooters(
  doc: PDFKit.PDFDocument,
  at: { readonly left: number; readonly width: number },
  leftText: string,
  pageText: (pageNumber: number, pageCount: number) => string,
  split: number,
): void {
  const { left, width } = at;
  paginate(doc, (pageNumber, pageCount) => {
    const y = doc.page.height - pdfPage.margin - footerSize;
    doc
      .moveTo(left, y - 6)
      .lineTo(left + width, y - 6)
      .lineWidth(0.5)
      .strokeColor(pdfColors.rule)
      .stroke();
    doc.font(pdfFonts.regular).fontSize(footerSize).fillColor(pdfColors.label);
    doc.text(leftText, left, y, { width: width * split, lineBreak: false });
    doc.text(pageText(pageNumber, pageCount), left + width * split, y, { width: width * (1 - split), align: 'right', lineBreak: false });
  });
}
