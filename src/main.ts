/**
 * Entry point: read env → config → context → app → listen; SIGTERM/SIGINT → graceful close.
 */
import type { Server } from 'node:http';
import { readEnv } from './config/env.ts';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createLogger } from './core/log.ts';
import { createContext } from './context.ts';
import { createApp } from './app.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(readEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG (sysexits.h)
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const ctx = await createContext(config, log);
  ctx.outbox.start();
  const app = createApp(ctx);
  const server: Server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log.info({ port, environment: config.environment, store: config.store.kind }, 'portal listening');
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    server.close(() => {
      ctx.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`puente failed to start: ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? ''}\n`);
  process.exit(1);
});
