/**
 * Graceful shutdown of one replica (issue 15, point 2). On SIGTERM, in this order:
 *
 *   1. drain      /readyz answers 503 at once (no probe), so the load balancer or Kubernetes takes the
 *                 replica out of rotation; responses carry `Connection: close` so keep-alive clients
 *                 reconnect elsewhere. Requests are still taken for `drainMs`: the balancer learns of the
 *                 503 only at its next health check, and a request refused in that gap would fail.
 *   2. stop work  the outbox worker stops claiming rows and finishes the delivery in hand (a row it
 *                 never reaches stays pending; one cut off mid-delivery is taken by another replica when
 *                 its lease expires — src/store/outbox-worker.ts).
 *   3. close      the listener stops accepting; idle keep-alive connections are closed; requests in
 *                 flight run to their end.
 *   4. release    the HTTP pool, SMTP transports and the store's connections (ctx.close()).
 *
 * The whole sequence is bounded by `timeoutMs` (SHUTDOWN_TIMEOUT_MS): past it, remaining connections
 * are cut and the result is 'timed_out' (exit code 1), so an orchestrator's own kill deadline is never
 * the one that ends the process. Kubernetes' terminationGracePeriodSeconds must exceed it.
 */
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../core/log.ts';

/** Whether this replica is shutting down; read by /readyz and by every response. */
export interface Lifecycle {
  readonly draining: boolean;
  beginDrain(): void;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    beginDrain() {
      draining = true;
    },
  };
}

/**
 * While draining, every response closes its connection (RFC 9112 §9.6), so clients reconnect through
 * the balancer. Decided when the headers are written, not when the request arrived: a request that was
 * already in flight at SIGTERM must close its connection too.
 */
export function closeConnectionsWhenDraining(lifecycle: Lifecycle): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (lifecycle.draining && !this.headersSent) this.setHeader('Connection', 'close');
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  };
}

export interface ShutdownDeps {
  readonly server: Server;
  readonly lifecycle: Lifecycle;
  /** Stops taking background work (the outbox worker's claims); resolves when the work in hand is done. */
  readonly stopWork: () => Promise<void>;
  /** Releases pools and connections; called once the listener has closed (or the deadline passed). */
  readonly release: () => Promise<void>;
  readonly drainMs: number;
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Other listeners to close with the main one (the metrics listener). */
  readonly otherServers?: readonly Server[];
}

export type ShutdownResult = 'clean' | 'timed_out';

export async function gracefulShutdown(deps: ShutdownDeps): Promise<ShutdownResult> {
  const started = Date.now();
  const remaining = () => Math.max(0, deps.timeoutMs - (Date.now() - started));
  deps.lifecycle.beginDrain();
  deps.log.info({ drainMs: deps.drainMs, timeoutMs: deps.timeoutMs }, 'shutdown: draining (readyz 503)');

  const stopped = deps.stopWork().catch((error: unknown) => {
    deps.log.warn({ reason: (error as Error)?.name ?? 'error' }, 'shutdown: stopping background work failed');
  });
  await delay(Math.min(deps.drainMs, remaining()));

  deps.log.info({ connections: await connectionCount(deps.server) }, 'shutdown: listener closing; finishing requests in flight');
  const closed = new Promise<void>((resolve) => deps.server.close(() => resolve()));
  deps.server.closeIdleConnections();
  // A keep-alive connection whose request ends after close() becomes idle: close those as they appear.
  const sweeper = setInterval(() => deps.server.closeIdleConnections(), 100);
  for (const other of deps.otherServers ?? []) {
    other.close();
    other.closeAllConnections();
  }

  let timedOut = !(await within(Promise.all([closed, stopped]), remaining()));
  clearInterval(sweeper);
  if (timedOut) {
    deps.log.error({ connections: await connectionCount(deps.server) }, 'shutdown: deadline reached; cutting the remaining connections');
    deps.server.closeAllConnections();
  }
  const released = await within(
    deps.release().then(
      () => true,
      () => false,
    ),
    Math.max(remaining(), 1000),
  );
  if (!released) timedOut = true;
  deps.log.info({ ms: Date.now() - started, result: timedOut ? 'timed_out' : 'clean' }, 'shutdown: done');
  return timedOut ? 'timed_out' : 'clean';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `promise` settles to a truthy value (or void) within `ms`; false on timeout. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    const result = await Promise.race([promise.then((value) => value !== false), timeout]);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_error, count) => resolve(count ?? 0)));
}
