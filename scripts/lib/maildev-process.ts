import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitFor } from './net.ts';
import { fromRoot } from './paths.ts';
import { stopProcess } from './hapi-process.ts';

export interface RunningMaildev {
  readonly smtpUrl: string;
  readonly webUrl: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** MailDev: a real SMTP server with a web inbox, so a person can read the portal's emails in a browser. */
export async function startMaildev(options: { smtpPort: number; webPort: number; logFile: string; mailDir: string }): Promise<RunningMaildev> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(options.mailDir, { recursive: true });
  const log = openSync(options.logFile, 'a');
  // The project's own MailDev (node_modules/.bin), so the cluster also starts outside `npm run`.
  const child = spawn(
    fromRoot('node_modules/.bin/maildev'),
    ['--smtp', String(options.smtpPort), '--ip', '127.0.0.1', '--web', String(options.webPort), '--web-ip', '127.0.0.1', '--mail-directory', options.mailDir],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code) => {
    exited = `exited (${code}); see ${options.logFile}`;
  });
  // A spawn that fails (no such file) is reported as a failed start, so the cluster stops what it started.
  child.once('error', (error) => {
    exited = `could not start (${error.message})`;
  });
  const webUrl = `http://127.0.0.1:${options.webPort}`;
  try {
    await waitFor('MailDev', async () => (await fetch(`${webUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs: 30_000, failed: () => exited });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`, webUrl, process: child, stop: () => stopProcess(child, 5000) };
}
