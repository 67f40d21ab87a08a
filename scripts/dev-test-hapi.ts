/**
 * `node scripts/dev-test-hapi.ts`: a long-lived HAPI FHIR server shaped like the integration suite's
 * (public base https://portal.example.test/fhir, no search reuse), for iterating on one suite with
 * PUENTE_TEST_HAPI_URL=http://127.0.0.1:8095/fhir npx mocha --config .mocharc.integration.json FILE.
 * Not used by npm test (which starts its own server). Settings: DEV_HAPI_PORT (8095), DEV_HAPI_DIR.
 */
import { startHapi } from './lib/hapi-process.ts';
import { fromRoot } from './lib/paths.ts';

const port = Number(process.env['DEV_HAPI_PORT'] ?? 8095);
const dataDir = process.env['DEV_HAPI_DIR'] ?? fromRoot('var/dev-test-hapi');
const hapi = await startHapi({
  port,
  dataDir,
  publicBase: 'https://portal.example.test/fhir',
  reuseCachedSearchMs: 0,
  logFile: fromRoot('var/log/dev-test-hapi.log'),
  detached: true,
});
hapi.process.unref();
console.log(`HAPI FHIR for tests at ${hapi.baseUrl} in ${(hapi.startupMs / 1000).toFixed(1)} s (pid ${hapi.process.pid})`);
process.exit(0);
