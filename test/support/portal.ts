/**
 * Starts the real portal in this process against the suite's real HAPI, a capturing SMTP server
 * and a fresh store, listening on loopback with PUBLIC_URL equal to its own address.
 */
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.ts';
import { readEnv } from '../../src/config/env.ts';
import { createLogger } from '../../src/core/log.ts';
import { createContext, type Context } from '../../src/context.ts';
import { createApp } from '../../src/app.ts';
import { freePort } from '../../scripts/lib/net.ts';
import { createCaptureSmtp, type CaptureSmtp } from './capture-smtp.ts';
import { testEnvironment } from './environment.ts';

export interface RunningPortal {
  readonly url: string;
  readonly ctx: Context;
  readonly smtp: CaptureSmtp;
  readonly logLines: string[];
  stop(): Promise<void>;
}

export async function startPortal(env: Record<string, string> = {}, options: Parameters<typeof createContext>[2] = {}): Promise<RunningPortal> {
  const port = await freePort();
  const smtp = await createCaptureSmtp();
  await smtp.start();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    readEnv({
      PUENTE_ENV: 'development',
      PUBLIC_URL: url,
      FHIR_UPSTREAM_URL: testEnvironment().hapi.baseUrl,
      PGLITE_DATA_DIR: 'memory://',
      SMTP_URL: smtp.url,
      OUTBOX_POLL_MS: '100',
      LOG_LEVEL: 'info',
      ...env,
    }),
  );
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const ctx = await createContext(config, createLogger('info', sink), options);
  ctx.outbox.start();
  const server: Server = createApp(ctx).listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url,
    ctx,
    smtp,
    logLines,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ctx.close();
      await smtp.stop();
    },
  };
}
