/**
 * Entry point: read env → config → context → app → listen (and the metrics listener when configured);
 * SIGTERM/SIGINT → graceful shutdown (src/http/graceful-shutdown.ts: drain, stop work, finish, release).
 */
import type { Server } from 'node:http';
import { readEnv } from './config/env.ts';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createLogger } from './core/log.ts';
import { createContext } from './context.ts';
import { createApp } from './app.ts';
import { gracefulShutdown } from './http/graceful-shutdown.ts';
import { createMetricsServer } from './http/metrics-server.ts';

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

  // The metrics listener (METRICS_PORT): its own port, loopback unless configured otherwise.
  const metricsServer = config.metrics ? createMetricsServer({ registry: ctx.metrics.registry, token: config.metrics.token }) : undefined;
  if (metricsServer && config.metrics) {
    const { host, port } = config.metrics;
    metricsServer.listen(port, host, () => {
      const address = metricsServer.address();
      log.info({ metricsPort: typeof address === 'object' && address ? address.port : port, host }, 'metrics listening');
    });
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    gracefulShutdown({
      server,
      lifecycle: ctx.lifecycle,
      stopWork: () => ctx.outbox.stop(),
      release: () => ctx.close(),
      drainMs: config.shutdown.drainMs,
      timeoutMs: config.shutdown.timeoutMs,
      log,
      ...(metricsServer ? { otherServers: [metricsServer] } : {}),
    }).then(
      (result) => process.exit(result === 'clean' ? 0 : 1),
      () => process.exit(1),
    );
    // Belt and braces: whatever hangs, the process is gone shortly after the configured deadline.
    setTimeout(() => process.exit(1), config.shutdown.timeoutMs + 2000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`puente failed to start: ${(error as Error)?.name ?? 'error'}: ${(error as Error)?.message ?? ''}\n`);
  process.exit(1);
});
