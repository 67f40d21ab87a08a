/**
 * A background job on a timer: first after `firstMs`, then `everyMs` after each run ends (never two runs of it
 * at once in this process). Timers are unref'd, so they never keep the process alive; `stop` clears the timer
 * and waits for a run in progress, so a shutdown does not close the store under it. `run` handles its own
 * errors (a rejection is swallowed here, and the next run still happens).
 */
export interface Repeating {
  stop(): Promise<void>;
}

export function repeatEvery(options: { readonly firstMs: number; readonly everyMs: number; readonly run: () => Promise<unknown> }): Repeating {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = options
        .run()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          if (!stopped) schedule(options.everyMs);
        });
    }, ms);
    timer.unref();
  };
  schedule(options.firstMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
