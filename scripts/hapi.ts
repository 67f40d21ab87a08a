/**
 * `npm run hapi:build | hapi:start | hapi:stop | hapi:status`: the local HAPI FHIR server on its own,
 * e.g. to run `npm start` against it. Settings: HAPI_PORT (8091), HAPI_DATA_DIR (var/hapi),
 * HAPI_PUBLIC_BASE (links point here; default the server's own address).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ensureSystemDependencies } from './lib/system-deps.ts';
import { buildHapi, startHapi } from './lib/hapi-process.ts';
import { fromRoot } from './lib/paths.ts';

const port = Number(process.env['HAPI_PORT'] ?? 8091);
const pidFile = fromRoot('var/hapi.pid');
const baseUrl = `http://127.0.0.1:${port}/fhir`;
const answers = () =>
  fetch(`${baseUrl}/metadata?_summary=true`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.ok,
    () => false,
  );

const commands: Record<string, () => Promise<void>> = {
  async build() {
    ensureSystemDependencies(['java', 'maven']);
    await buildHapi({ force: true });
  },
  async start() {
    if (await answers()) return void console.log(`HAPI FHIR is already running at ${baseUrl}`);
    ensureSystemDependencies(['java', 'maven']);
    await buildHapi();
    const hapi = await startHapi({
      port,
      dataDir: process.env['HAPI_DATA_DIR'] ?? fromRoot('var/hapi'),
      logFile: fromRoot('var/log/hapi.log'),
      detached: true,
      ...(process.env['HAPI_PUBLIC_BASE'] ? { publicBase: process.env['HAPI_PUBLIC_BASE'] } : {}),
    });
    writeFileSync(pidFile, String(hapi.process.pid));
    hapi.process.unref();
    console.log(`HAPI FHIR ready at ${baseUrl} in ${(hapi.startupMs / 1000).toFixed(1)} s (log: var/log/hapi.log; stop: npm run hapi:stop)`);
    process.exit(0);
  },
  async stop() {
    if (!existsSync(pidFile)) return void console.log('No HAPI FHIR server started by npm run hapi:start.');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      console.log(`Stopped HAPI FHIR (pid ${pid}).`);
    } catch {
      console.log(`HAPI FHIR (pid ${pid}) was not running.`);
    }
    rmSync(pidFile, { force: true });
  },
  async status() {
    const up = await answers();
    console.log(up ? `HAPI FHIR is answering at ${baseUrl}` : `HAPI FHIR is not answering at ${baseUrl}`);
    process.exitCode = up ? 0 : 1;
  },
};

const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error(`usage: node scripts/hapi.ts ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
await command();
