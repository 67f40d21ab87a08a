/**
 * A tagged table (ISO 32000-1 §14.8.4.3.4: Table › TR › TH/TD) drawn row by row, so a screen reader
 * reads each row with its column headers. Header cells carry Scope Column (PDF/UA-1 §7.5). A table
 * that runs onto another page repeats its header row there for sighted readers, as a pagination
 * artifact: the logical header is read once. Rules and bands are layout artifacts.
 */
import { artifact, pdfFonts } from '../../ui/pdf/tagged-document.ts';

export interface TableColumn {
  readonly header: string;
  /** Share of the table's width (the shares add up to 1). */
  readonly share: number;
}

export interface TableCell {
  readonly text: string;
  /** Said in bold (an out-of-range word), never by colour alone. */
  readonly strong?: boolean;
}

export interface TableStyle {
  readonly left: number;
  readonly width: number;
  readonly size: number;
  readonly padding: number;
  readonly ink: string;
  readonly rule: string;
  readonly band: string;
}

// pdfkit 0.20 writes `scope` as the cell's Table attribute (O /Table, /Scope); its type definitions lack it.
const columnHeader = { scope: 'Column' } as PDFKit.Mixins.StructureElementOptions;

export function drawTable(
  doc: PDFKit.PDFDocument,
  parent: PDFKit.PDFStructureElement,
  columns: readonly TableColumn[],
  rows: readonly (readonly TableCell[])[],
  style: TableStyle,
): void {
  const widths = columns.map((column) => column.share * style.width);
  const xs = widths.map((_, index) => style.left + widths.slice(0, index).reduce((sum, w) => sum + w, 0));
  const inner = (index: number) => widths[index]! - 2 * style.padding;
  const headers = columns.map((column) => column.header);
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const heightOf = (cells: readonly TableCell[], bold: boolean) =>
    Math.max(
      ...cells.map((cell, index) =>
        doc
          .font(bold || cell.strong ? pdfFonts.bold : pdfFonts.regular)
          .fontSize(style.size)
          .heightOfString(cell.text || ' ', { width: inner(index) }),
      ),
    ) +
    2 * style.padding;
  const headerCells = headers.map((text) => ({ text }));
  const headerHeight = heightOf(headerCells, true);

  const drawCellText = (cell: TableCell, index: number, top: number, bold: boolean) => {
    doc
      .font(bold || cell.strong ? pdfFonts.bold : pdfFonts.regular)
      .fontSize(style.size)
      .fillColor(style.ink);
    doc.text(cell.text, xs[index]! + style.padding, top + style.padding, { width: inner(index) });
  };
  const band = (top: number) =>
    artifact(doc, () => {
      doc.rect(style.left, top, style.width, headerHeight).fillColor(style.band).fill();
    });
  const rule = (y: number) =>
    artifact(doc, () => {
      doc
        .moveTo(style.left, y)
        .lineTo(style.left + style.width, y)
        .lineWidth(0.5)
        .strokeColor(style.rule)
        .stroke();
    });

  const table = doc.struct('Table');
  parent.add(table);

  // The header row, once in the structure; kept on a page with the first row.
  const firstRows = rows.length ? heightOf(rows[0]!, false) : 0;
  if (doc.y + headerHeight + firstRows > bottom()) doc.addPage();
  let top = doc.y;
  band(top);
  const headerRow = doc.struct('TR');
  table.add(headerRow);
  headerCells.forEach((cell, index) => {
    headerRow.add(doc.struct('TH', columnHeader, () => drawCellText(cell, index, top, true)));
  });
  headerRow.end();
  top += headerHeight;

  for (const cells of rows) {
    const height = heightOf(cells, false);
    if (top + height > bottom()) {
      doc.addPage();
      top = doc.y;
      // The header again for the eye; a screen reader already has it.
      artifact(
        doc,
        () => {
          doc.rect(style.left, top, style.width, headerHeight).fillColor(style.band).fill();
          for (const [index, cell] of headerCells.entries()) drawCellText(cell, index, top, true);
        },
        'Pagination',
      );
      top += headerHeight;
    }
    const rowTop = top;
    const tableRow = doc.struct('TR');
    table.add(tableRow);
    cells.forEach((cell, index) => {
      tableRow.add(doc.struct('TD', {}, () => drawCellText(cell, index, rowTop, false)));
    });
    tableRow.end();
    top += height;
    rule(top);
  }
  table.end();
  doc.x = style.left;
  doc.y = top + style.padding;
}
