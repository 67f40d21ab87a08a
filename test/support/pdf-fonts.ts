/**
 * The fonts a PDF uses as poppler's `pdffonts` lists them (Debian poppler-utils, installed by npm test with
 * pdftotext), so tests can check that each one is embedded, as PDF/UA (ISO 14289-1 §7.21.4.1) requires.
 */
import { execFileSync } from 'node:child_process';

export interface PdfFont {
  /** As written in the file: a subset carries a six-letter tag, `ABCDEF+DejaVuSans`. */
  readonly name: string;
  readonly type: string;
  readonly embedded: boolean;
}

// name  type (may hold spaces)  encoding  emb  sub  uni  object  generation
const row = /^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$/u;

/** The fonts of the PDF at `file`; throws on a row pdffonts writes in a shape this does not know. */
export function pdfFonts(file: string): PdfFont[] {
  const listing = execFileSync('pdffonts', [file], { encoding: 'utf8' });
  // Two header lines: the column names and a rule of dashes.
  return listing
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = row.exec(line.trim());
      if (!match) throw new Error(`pdffonts row not understood: ${line}`);
      return { name: match[1]!, type: match[2]!, embedded: match[4] === 'yes' };
    });
}
