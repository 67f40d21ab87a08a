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

export function sendDownload(res: Response, file: DownloadFile): void {
  res
    .type(file.contentType)
    .set('Content-Disposition', file.disposition)
    .set('X-Content-Type-Options', 'nosniff')
    .set('Content-Security-Policy', "sandbox; default-src 'none'")
    .set('Cache-Control', 'no-store')
    .send(file.bytes);
}
