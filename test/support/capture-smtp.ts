/**
 * A real SMTP server (smtp-server) that keeps every message it accepts, parsed with mailparser,
 * so tests can read what a patient would receive. It can be stopped and started on the same port
 * to play a relay outage.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from '../../scripts/lib/net.ts';

export interface CapturedMail {
  readonly envelopeTo: string[];
  readonly parsed: ParsedMail;
}

export interface CaptureSmtp {
  readonly port: number;
  readonly url: string;
  readonly messages: CapturedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once `count` messages have arrived in total. */
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
}

export async function createCaptureSmtp(): Promise<CaptureSmtp> {
  const port = await freePort();
  const messages: CapturedMail[] = [];
  let server: SMTPServer | undefined;

  const newServer = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
            callback();
          })
          .catch(callback);
      },
    });

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async start() {
      server = newServer();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async waitForMessages(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return messages;
    },
  };
}
