/**
 * `npm run cluster`: several replicas on PostgreSQL behind a real load balancer, on this machine
 * (docs/production.md "The local cluster"). Prints the addresses; Ctrl-C stops everything.
 */
import { startCluster } from './lib/cluster.ts';

const started = Date.now();
const replicas = Number(process.env['CLUSTER_REPLICAS'] ?? 3);
const cluster = await startCluster({ replicas });
const say = (line: string) => process.stdout.write(`${line}\n`);
say(`
────────────────────────────────────────────────────────────────────────
 Puente cluster is running (ready in ${Math.round((Date.now() - started) / 1000)} s)

   Portal (HAProxy)   ${cluster.url}            (health: ${cluster.url}/readyz)
   HAProxy stats      ${cluster.statsUrl}
${cluster.replicas.map((r, i) => `   ${r.name.padEnd(18)} ${r.baseUrl}   metrics http://127.0.0.1:${cluster.ports.firstMetrics + i}/metrics`).join('\n')}
   HAPI FHIR          ${cluster.hapi.baseUrl}   (on PostgreSQL)
   Portal store       ${cluster.storeUrl}
   Mail inbox         ${cluster.maildev.webUrl}
   Logs               var/cluster/log/

 Staff: ${cluster.demo.staff.email} / ${cluster.demo.staff.password} (TOTP secret ${cluster.demo.staff.totpSecret})
${cluster.demo.portalUsers.map((u) => ` Patient side: ${u.email} / ${u.password} / born ${u.birthDate}`).join('\n')}

 Ctrl-C stops everything.
────────────────────────────────────────────────────────────────────────`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  say('\nStopping the cluster…');
  await cluster.stop();
  say('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Keep running until a signal arrives.
setInterval(() => {}, 1 << 30);
