/** CPU seconds from Linux's /proc, for the load script's "where the CPU went" columns. */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  readonly parentPid: number;
  /** User + system seconds of the process (or thread) itself. */
  readonly own: number;
  /** User + system seconds of its children that have exited and been waited for. */
  readonly reapedChildren: number;
}

/** Ticks per second of /proc's times: 100 on every Linux this runs on (USER_HZ). */
const ticksPerSecond = 100;

function readStat(path: string): ProcStat | undefined {
  try {
    // The command name (field 2) is in parentheses and may hold spaces or ")"; fields after the last ")" are space-separated.
    const stat = readFileSync(path, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { parentPid: fields[1]!, own: (fields[11]! + fields[12]!) / ticksPerSecond, reapedChildren: (fields[13]! + fields[14]!) / ticksPerSecond };
  } catch {
    return undefined; // gone meanwhile
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** A process's own CPU seconds; undefined once it is gone (or off Linux). */
export const ownCpuSeconds = (pid: number): number | undefined => readStat(`/proc/${pid}/stat`)?.own;

/** A process's CPU seconds, with its exited children's if asked; 0 once it is gone. */
export function processCpuSeconds(pid: number | undefined, options: { children: boolean } = { children: true }): number {
  const stat = pid ? readStat(`/proc/${pid}/stat`) : undefined;
  return stat ? stat.own + (options.children ? stat.reapedChildren : 0) : 0;
}

/** One thread's CPU seconds (`/proc/<pid>/task/<tid>`), with its name; undefined once it is gone. */
export function threadCpu(pid: number, tid: string): { name: string; seconds: number } | undefined {
  try {
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8');
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    return stat ? { name, seconds: stat.own } : undefined;
  } catch {
    return undefined;
  }
}

export const threadsOf = (pid: number): string[] => listDir(`/proc/${pid}/task`);

/**
 * A server and everything it forked, living or exited: the parent's own time and its reaped children's, plus the
 * children still running. PostgreSQL forks a backend per connection; counting only the living ones made a run's
 * PostgreSQL CPU drop (even below zero) whenever a connection closed during it.
 */
export function processTreeCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  let total = processCpuSeconds(pid);
  for (const entry of listDir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat?.parentPid === pid) total += stat.own + stat.reapedChildren;
  }
  return total;
}
