/**
 * JSON logs (pino). Every line written while a request is being handled carries its request id,
 * taken from an AsyncLocalStorage scope, so services need no logger plumbing for it.
 * Rule (DESIGN.md "Habits" 9): no PHI, tokens or secrets — log ids, codes, counts and timings only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` with `requestId` attached to every log line written inside it. */
export const withRequestId = <T>(requestId: string, fn: () => T): T => requestScope.run({ requestId }, fn);
export const currentRequestId = (): string | undefined => requestScope.getStore()?.requestId;

// Defence in depth: even if a caller logs a whole object by mistake, these never reach the output.
const redactPaths = [
  'password',
  'token',
  'secret',
  '*.password',
  '*.token',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'puente' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination,
  );
}
