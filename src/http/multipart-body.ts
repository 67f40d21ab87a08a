/**
 * multipart/form-data bodies (forms with file inputs, e.g. a secure message's attachments), parsed with
 * the runtime's own WHATWG `Request.formData()` (no extra dependency), before the CSRF check reads
 * `_csrf`. The whole body is capped; text fields become `req.body`, files `req.files` (name and bytes, as
 * sent: their type is decided from the content by whoever uses them, never from the name or the browser's
 * word). A body over the cap is refused with 413 before anything is parsed.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';

export interface FormFile {
  readonly field: string;
  readonly name: string;
  readonly bytes: Buffer;
}

declare module 'express-serve-static-core' {
  interface Request {
    files?: readonly FormFile[];
  }
}

export function multipartForm(options: { readonly limitBytes: number; readonly maxFields?: number }): RequestHandler {
  return async (req, _res, next) => {
    const type = req.get('content-type') ?? '';
    if (req.method !== 'POST' || !/^multipart\/form-data;/i.test(type)) return next();
    const declared = Number(req.get('content-length') ?? '0');
    if (declared > options.limitBytes) return next(new AppError('payload_too_large', 413));
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > options.limitBytes) return next(new AppError('payload_too_large', 413));
        chunks.push(chunk);
      }
      const form = await new Request('http://form.invalid/', { method: 'POST', headers: { 'content-type': type }, body: Buffer.concat(chunks) }).formData();
      const body: Record<string, string> = {};
      const files: FormFile[] = [];
      let count = 0;
      for (const [field, value] of form.entries()) {
        if (++count > (options.maxFields ?? 50)) return next(new AppError('bad_request', 400));
        if (typeof value === 'string') {
          // A repeated text field keeps its first value (form-body.ts then treats the field as sent once).
          if (!Object.hasOwn(body, field)) body[field] = value;
        } else {
          files.push({ field, name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
        }
      }
      req.body = body;
      req.files = files;
      next();
    } catch {
      next(new AppError('bad_request', 400));
    }
  };
}
