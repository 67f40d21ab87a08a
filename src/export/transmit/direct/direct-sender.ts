/**
 * Delivers outbox rows of kind 'direct' to the practice's Direct relay (its HISP's SMTP server,
 * DIRECT_SMTP_URL). The message was signed and encrypted when it was enqueued, so this only hands
 * the exact bytes over: re-encoding them would break the signature, hence nodemailer's `raw`.
 * Same guarantees as the email mailer (store/mailer.ts): timeouts on every step, and a recipient the
 * relay refuses for good (5xx on the envelope) is a permanent failure, not retried.
 */
import { permanentIfRefused, smtpTransport } from '../../../store/mailer.ts';
import type { DirectMessage } from '../../../store/outbox.ts';
import type { DeliveryHandler } from '../../../store/outbox-worker.ts';

export interface DirectSenderOptions {
  readonly smtpUrl: string;
  readonly timeoutMs?: number;
}

export interface DirectSender {
  readonly deliver: DeliveryHandler;
  close(): void;
}

export function createDirectSender(options: DirectSenderOptions): DirectSender {
  const transport = smtpTransport(options.smtpUrl, options.timeoutMs);

  const deliver: DeliveryHandler = async (payload) => {
    const message = payload as DirectMessage;
    try {
      await transport.sendMail({ envelope: { from: message.from, to: [...message.to] }, raw: message.raw });
    } catch (error) {
      throw permanentIfRefused(error);
    }
    // The Message-ID was fixed at enqueue time, so a redelivery after a crash carries the same one
    // and the receiving HISP can recognise it (RFC 5322 §3.6.4).
    const messageId = headerValue(message.raw, 'message-id');
    return messageId ? { deliveryId: messageId } : {};
  };

  return { deliver, close: () => transport.close() };
}

/** One header's value from the message's header block (unfolded), or undefined. */
export function headerValue(raw: string, name: string): string | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const wanted = name.toLowerCase();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return undefined;
}
