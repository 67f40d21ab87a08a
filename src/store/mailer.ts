/**
 * Sends outbox emails over SMTP with nodemailer. Only the outbox worker calls this; everything
 * else enqueues (outbox.ts), so a mail relay outage never loses or blocks a change.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage } from './outbox.ts';
import { PermanentDeliveryError, type DeliveryHandler } from './outbox-worker.ts';

export interface MailerOptions {
  readonly smtpUrl: string;
  readonly from: string;
  /** Domain used in Message-IDs, usually the portal's host name. */
  readonly messageIdDomain: string;
  readonly timeoutMs?: number;
}

export interface Mailer {
  readonly deliver: DeliveryHandler;
  close(): void;
}

export function createMailer(options: MailerOptions): Mailer {
  const transport = smtpTransport(options.smtpUrl, options.timeoutMs);

  const deliver: DeliveryHandler = async (payload, row) => {
    const message = payload as EmailMessage;
    try {
      const info = await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        // Stable per outbox row: a redelivery after a crash carries the same Message-ID (RFC 5322 §3.6.4).
        messageId: outboxMessageId(row.id, options.messageIdDomain),
        headers: message.locale ? { 'Content-Language': message.locale } : {},
        attachments: (message.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.contentBase64, 'base64'),
        })),
      });
      return { deliveryId: info.messageId };
    } catch (error) {
      throw permanentIfRefused(error);
    }
  };

  return { deliver, close: () => transport.close() };
}

/** An SMTP transport with a timeout on every step, that never reads files or URLs named in a message. */
export function smtpTransport(smtpUrl: string, timeoutMs = 30_000): Transporter {
  return nodemailer.createTransport(smtpUrl, {
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as never);
}

/** A recipient the relay refuses for good (5xx on the envelope) will never succeed on retry: a permanent failure. */
export function permanentIfRefused(error: unknown): unknown {
  const smtp = error as { code?: string; responseCode?: number };
  if (smtp.code === 'EENVELOPE' && smtp.responseCode !== undefined && smtp.responseCode >= 500) {
    return new PermanentDeliveryError(`recipient refused (smtp ${smtp.responseCode})`);
  }
  return error;
}

export function outboxMessageId(outboxId: string, domain: string): string {
  const tag = createHash('sha256').update(`puente-outbox:${outboxId}`).digest('hex').slice(0, 16);
  return `<outbox-${outboxId}.${tag}@${domain}>`;
}
