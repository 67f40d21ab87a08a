/**
 * A file sent as a download that cannot run on the portal's origin: the browser saves it (Content-Disposition
 * attachment), never guesses another type (nosniff), and a sandboxing CSP keeps even a mislabelled HTML or SVG
 * inert; never cached, since it may hold health information.
 */
import type { Response } from 'express';

export interface DownloadFile {
  readonly bytes: Buffer;
  readonly contentType: string;
  /** The whole Content-Disposition value, made safe by whoever names the file. */
  readonly disposition: string;
}

/**
 * The headers every download from the portal's origin carries besides its type and name (here and the facade's raw
 * Binary, src/fhir/binary-content.ts): no type guessing, a sandboxing CSP, never cached.
 */
export const inertDownloadHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'",
  'Cache-Control': 'no-store',
};

export function sendDownload(res: Response, file: DownloadFile): void {
  res.type(file.contentType).set('Content-Disposition', file.disposition).set(inertDownloadHeaders).send(file.bytes);
}
