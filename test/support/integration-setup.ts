/**
 * Root hooks of the integration suite: one real HAPI FHIR server (fresh H2 data directory, search
 * reuse off, links built on a public base as the facade will use) and one real PostgreSQL server
 * for the whole run. A missing dependency fails the run; nothing is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHapi, type RunningHapi } from '../../scripts/lib/hapi-process.ts';
import { startPostgres, type RunningPostgres } from '../../scripts/lib/postgres-process.ts';
import { freePort } from '../../scripts/lib/net.ts';
import { setEnvironment, type TestEnvironment } from './environment.ts';

let hapi: RunningHapi | undefined;
let postgres: RunningPostgres | undefined;
let workDir: string | undefined;

export const publicFhirBase = 'https://portal.example.test/fhir';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(360_000);
    workDir = mkdtempSync(join(tmpdir(), 'puente-it-'));
    const hapiPort = await freePort();
    const hapiOptions = {
      port: hapiPort,
      dataDir: join(workDir, 'hapi'),
      publicBase: publicFhirBase,
      reuseCachedSearchMs: 0,
      logFile: join(workDir, 'hapi.log'),
    };
    // PUENTE_TEST_HAPI_URL reuses an already running server while iterating on one suite (not for full runs:
    // the readiness test stops and restarts HAPI).
    const external = process.env['PUENTE_TEST_HAPI_URL'];
    const externalHapi = async (): Promise<RunningHapi> => ({ baseUrl: external!, process: undefined as never, startupMs: 0, stop: async () => {} });
    [hapi, postgres] = await Promise.all([external ? externalHapi() : startHapi(hapiOptions), startPostgres()]);
    process.stdout.write(`  (HAPI FHIR ready in ${(hapi.startupMs / 1000).toFixed(1)} s; PostgreSQL ready)\n`);
    const environment: TestEnvironment = {
      workDir,
      hapi,
      hapiOptions,
      postgres,
      replaceHapi: (next) => {
        hapi = next;
        environment.hapi = next;
      },
    };
    setEnvironment(environment);
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await Promise.allSettled([hapi?.stop(), postgres?.stop()]);
    if (workDir && !process.env['PUENTE_KEEP_TEST_DIR']) rmSync(workDir, { recursive: true, force: true });
  },
};
