/**
 * One progress line for a long build whose own output goes to a log file (the HAPI FHIR Maven build:
 * a first run prints over two thousand download lines). At a terminal the line is redrawn in place
 * every second; elsewhere (CI, a redirected log) a plain line is printed every 30 s, since a carriage
 * return there would only pile up as one long line.
 */

/** `5s`, `1m20s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `512 kB`, `12 MB`, `354 MB` (SI units, as Maven reports them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} kB`;
  return `${Math.round(bytes / 1_000_000)} MB`;
}

const units: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * The size of one finished download, from Maven's batch-mode transfer line, e.g.
 * `[INFO] Downloaded from central: https://repo.maven.apache.org/…/x.pom (102 kB at 94 kB/s)`;
 * undefined for every other line (including `Downloading from`, the start of a transfer).
 */
export function downloadedBytes(line: string): number | undefined {
  const match = /Downloaded from [^:]+: \S+ \((\d+(?:\.\d+)?) (B|kB|KB|MB|GB)\b/.exec(line);
  return match ? Math.round(Number(match[1]) * units[match[2]!]!) : undefined;
}

export interface BuildState {
  readonly elapsedMs: number;
  readonly files: number;
  readonly bytes: number;
}

/** ` · 412 files (120 MB) downloaded`, or nothing before the first download. */
export function downloadsText(state: BuildState): string {
  return state.files > 0 ? ` · ${state.files} ${state.files === 1 ? 'file' : 'files'} (${formatBytes(state.bytes)}) downloaded` : '';
}

/** The progress line: what is being built, for how long, what it has downloaded so far. */
export function progressLine(title: string, state: BuildState): string {
  return `${title}… ${formatElapsed(state.elapsedMs)}${downloadsText(state)}`;
}

/** The last `count` non-empty lines of a log, without terminal colour codes (what to show when the build fails). */
export function tailLines(text: string, count: number): string[] {
  const lines = text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  return lines.slice(-count);
}

export interface ProgressOutput {
  /** Shows `line` now (terminal) or if `periodMs` have passed since the last printed line (no terminal). */
  update(line: string): void;
  /** Ends the progress display with a final line. */
  finish(line: string): void;
}

/** The line's display policy, with the clock and the writer passed in (unit-tested without timers). */
export function createProgressOutput(options: {
  readonly tty: boolean;
  readonly write: (text: string) => void;
  readonly now: () => number;
  /** No terminal: the least time between two printed lines (default 30 s). */
  readonly periodMs?: number;
  /** Terminal width: a redrawn line must not wrap, or the carriage return would redraw only its last row. */
  readonly columns?: number | undefined;
}): ProgressOutput {
  const periodMs = options.periodMs ?? 30_000;
  const fit = (line: string) => (options.columns && line.length >= options.columns ? `${line.slice(0, Math.max(1, options.columns - 2))}…` : line);
  let lastPrinted: number | undefined;
  let drawn = false;
  return {
    update(line) {
      if (options.tty) {
        // Carriage return and erase-line: the line is redrawn in place.
        options.write(`\r\x1b[2K${fit(line)}`);
        drawn = true;
        return;
      }
      const now = options.now();
      if (lastPrinted !== undefined && now - lastPrinted < periodMs) return;
      lastPrinted = now;
      options.write(`${line}\n`);
    },
    finish(line) {
      options.write(options.tty && drawn ? `\r\x1b[2K${line}\n` : `${line}\n`);
      drawn = false;
    },
  };
}
