import type { HapiOptions, RunningHapi } from '../../scripts/lib/hapi-process.ts';
import type { RunningPostgres } from '../../scripts/lib/postgres-process.ts';

/** The shared real services of an integration run (started by integration-setup.ts). */
export interface TestEnvironment {
  readonly workDir: string;
  hapi: RunningHapi;
  readonly hapiOptions: HapiOptions;
  readonly postgres: RunningPostgres;
  /** After a test restarts HAPI, later tests use the new process. */
  replaceHapi(next: RunningHapi): void;
}

let current: TestEnvironment | undefined;

export const setEnvironment = (environment: TestEnvironment) => {
  current = environment;
};

export function testEnvironment(): TestEnvironment {
  if (!current) throw new Error('integration environment not started (run with .mocharc.integration.json)');
  return current;
}
