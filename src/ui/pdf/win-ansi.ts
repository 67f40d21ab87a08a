/**
 * Text the PDF standard 14 fonts can show. Puente's PDFs use Helvetica (see tagged-document.ts), whose
 * WinAnsiEncoding (ISO 32000-1 Annex D) covers Spanish (á é í ó ú ñ ü ¿ ¡) but nothing outside
 * Windows-1252; pdfkit writes any other character as garbage, so text goes through `toWinAnsi` first.
 */

// Windows-1252 characters in 0x80–0x9F, which WinAnsiEncoding also covers.
const winAnsiExtras = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x017e, 0x0178,
]);
const inWinAnsi = (point: number) => (point >= 0x20 && point <= 0x7e) || (point >= 0xa0 && point <= 0xff) || winAnsiExtras.has(point);

/**
 * Signs the record pages use that WinAnsi lacks, said the way people type them: reference ranges
 * ("≥ 60", "≤ 5,7" from record/observation-values.ts), the minus sign and the Greek mu some labs write
 * for micro (µ, U+00B5, is in WinAnsi).
 */
const spelledOut: Readonly<Record<string, string>> = { '≥': '>=', '≤': '<=', '−': '-', '‐': '-', '‑': '-', μ: 'µ' };

/**
 * Text the standard fonts can show: line breaks stay, Intl's narrow no-break space becomes a no-break
 * space, other spaces a space, the signs above their typed form, a letter with an accent outside
 * WinAnsi its base letter ("ő" → "o"), and anything else "?".
 */
export function toWinAnsi(text: string): string {
  let result = '';
  for (const character of text.replace(/\r\n?/g, '\n').normalize('NFC')) {
    const point = character.codePointAt(0)!;
    if (point === 0x0a || inWinAnsi(point)) result += character;
    else if (point === 0x202f) result += '\u00a0';
    else if (/\s/u.test(character)) result += ' ';
    else if (character in spelledOut) result += spelledOut[character];
    else {
      const base = character.normalize('NFKD').replace(/\p{M}/gu, '');
      result += base.length > 0 && [...base].every((c) => inWinAnsi(c.codePointAt(0)!)) ? base : '?';
    }
  }
  return result;
}
