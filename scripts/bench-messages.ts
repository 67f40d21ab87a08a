/**
 * `npm run bench:messages` (issue #14): secure messages under load in HAPI — 500 conversations and 10,000
 * messages (BENCH_THREADS, BENCH_MESSAGES_PER_THREAD) across 25 patients, the bench patient holding
 * the newest BENCH_PATIENT_THREADS of them. Measures, one request at a time as a person would: the staff inbox (all pools
 * and one pool), the patient's list, a conversation, and posting a message through the facade's write path
 * (POST /fhir/Communication with the web app's token and an Idempotency-Key). Prints p50 / p95; the goal is
 * p95 ≤ 300 ms for each.
 *
 * The state measured: every conversation open and routed; each side has read its own messages and all of the
 * other side's except the newest message of each of the newest 5 % of conversations (so both the inbox and the
 * patient's list show some unread, as worked ones do).
 * Settings: BENCH_ROUNDS (default 20), BENCH_HAPI_URL (else a fresh HAPI is started).
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import type { Bundle, BundleEntry, Communication, Patient, Task } from '@medplum/fhirtypes';
import { quantile, startBenchPortal } from './lib/bench-portal.ts';
import { HttpClient } from '../test/support/http-client.ts';
import { totpFor } from '../src/accounts/totp.ts';
import { addBusinessDays, categoryCoding, messagePoolSystem, messageReadBySystem, messageTopicSystem } from '../src/core/fhir/messages.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 20);
const threads = Number(process.env['BENCH_THREADS'] ?? 500);
const perThread = Number(process.env['BENCH_MESSAGES_PER_THREAD'] ?? 20);
const patientThreads = Number(process.env['BENCH_PATIENT_THREADS'] ?? 20);
const otherPatients = 24;
const say = (line: string) => process.stdout.write(`${line}\n`);

const portal = await startBenchPortal(say);
try {
  const { ctx } = portal;
  say(`Seeding ${threads} conversations × ${perThread} messages (${threads * perThread} messages), ${patientThreads} of them the bench patient's…`);
  const seedStarted = performance.now();
  const others: string[] = [];
  for (let i = 0; i < otherPatients; i++) {
    const patient = await ctx.fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: `Bench${i}`, given: ['Otro'] }], birthDate: '1970-01-01' });
    others.push(patient.id!);
  }
  const staffRef = portal.staff.practitioner;
  const now = Date.now();
  const patientThreadIds: string[] = [];
  const batch = 20; // conversations per transaction (≈ 440 entries)
  for (let start = 0; start < threads; start += batch) {
    const entries: BundleEntry[] = [];
    const headerUrls: string[] = [];
    for (let t = start; t < Math.min(threads, start + batch); t++) {
      const patient = t >= threads - patientThreads ? portal.patientId : others[t % otherPatients]!;
      const headerUrl = `urn:uuid:${randomUUID()}`;
      headerUrls.push(headerUrl);
      const opened = new Date(now - (threads - t) * 3600_000);
      const topic = ['doctor', 'appointments', 'refill', 'results', 'other'][t % 5]!;
      const pool = topic === 'appointments' || topic === 'other' ? 'front-desk' : 'care-team';
      entries.push({
        fullUrl: headerUrl,
        resource: {
          resourceType: 'Communication',
          status: 'in-progress',
          category: [{ coding: [categoryCoding('thread')] }],
          subject: { reference: `Patient/${patient}` },
          sender: { reference: `Patient/${patient}` },
          sent: opened.toISOString(),
          topic: { coding: [{ system: messageTopicSystem, code: topic }], text: `Conversación de prueba ${t}` },
        } satisfies Communication,
        request: { method: 'POST', url: 'Communication' },
      });
      entries.push({
        resource: {
          resourceType: 'Task',
          status: 'requested',
          intent: 'order',
          businessStatus: { text: 'waiting-for-practice' },
          code: { coding: [categoryCoding('thread')] },
          focus: { reference: headerUrl },
          for: { reference: `Patient/${patient}` },
          authoredOn: opened.toISOString(),
          lastModified: opened.toISOString(),
          performerType: [{ coding: [{ system: messagePoolSystem, code: pool }] }],
          restriction: { period: { end: addBusinessDays(opened, 2).toISOString() } },
        } satisfies Task,
        request: { method: 'POST', url: 'Task' },
      });
      const recent = t >= threads * 0.95;
      for (let m = 0; m < perThread; m++) {
        const fromPatient = m % 2 === 0;
        const read = !recent || m < perThread - 1;
        entries.push({
          resource: {
            resourceType: 'Communication',
            status: 'completed',
            category: [{ coding: [categoryCoding('message')] }],
            partOf: [{ reference: headerUrl }],
            subject: { reference: `Patient/${patient}` },
            sender: { reference: fromPatient ? `Patient/${patient}` : staffRef },
            ...(fromPatient ? {} : { recipient: [{ reference: `Patient/${patient}` }] }),
            sent: new Date(opened.getTime() + m * 60_000).toISOString(),
            payload: [{ contentString: `Mensaje ${m} de la conversación ${t}: texto de prueba de longitud razonable para medir.` }],
            // Each side has read its own messages and, except in the newest 5 % of conversations, the other side's.
            meta: {
              tag: [
                ...(read || !fromPatient ? [{ system: messageReadBySystem, code: staffRef }] : []),
                ...(read || fromPatient ? [{ system: messageReadBySystem, code: `Patient/${patient}` }] : []),
              ],
            },
          } satisfies Communication,
          request: { method: 'POST', url: 'Communication' },
        });
      }
    }
    const answer = await ctx.fhir.transaction({ resourceType: 'Bundle', type: 'transaction', entry: entries } satisfies Bundle);
    for (const [i, entry] of (answer.entry ?? []).entries()) {
      const resource = entries[i]!.resource as Communication;
      if (resource.resourceType === 'Communication' && !resource.partOf && resource.subject?.reference === `Patient/${portal.patientId}`) {
        patientThreadIds.push(entry.response!.location!.split('/')[1]!);
      }
    }
  }
  say(`Seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s.\n`);

  const staff = new HttpClient(portal.url, 'en');
  await staff.get('/staff/login');
  const step = Math.floor(Date.now() / 30_000);
  await staff.submit('/staff/login', { email: portal.staff.email, password: portal.staff.password, code: totpFor(portal.staff.totpSecret).generate({ timestamp: step * 30_000 }) });

  const measure = async (label: string, once: (i: number) => Promise<number>) => {
    const times: number[] = [];
    for (let i = 0; i <= rounds; i++) {
      const started = performance.now();
      const status = await once(i);
      const elapsed = performance.now() - started;
      if (status >= 400) throw new Error(`${label}: ${status}`);
      if (i > 0) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    say(`${label.padEnd(52)} ${quantile(times, 0.5).toFixed(0).padStart(8)} ${quantile(times, 0.95).toFixed(0).padStart(8)}`);
    return quantile(times, 0.95);
  };
  say(`Each: 1 warm-up, then ${rounds} requests, one at a time.\n`);
  say(`${'what'.padEnd(52)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`);
  const p95: number[] = [];
  p95.push(await measure('staff inbox, all pools (500 open conversations)', async () => (await staff.request('GET', '/staff/messages')).status));
  p95.push(await measure('staff inbox, care-team pool', async () => (await staff.request('GET', '/staff/messages?pool=care-team')).status));
  p95.push(
    await measure(`patient list (${patientThreads} conversations, ${patientThreads * perThread} messages)`, async () => (await portal.browser.request('GET', '/messages')).status),
  );
  const thread = patientThreadIds[0]!;
  p95.push(await measure(`patient conversation (${perThread} messages)`, async () => (await portal.browser.request('GET', `/messages/${thread}`)).status));
  p95.push(await measure(`staff conversation (${perThread} messages)`, async () => (await staff.request('GET', `/staff/messages/${thread}`)).status));
  p95.push(
    await measure('POST /fhir/Communication (a message, through the facade)', async (i) => {
      const response = await fetch(`${portal.url}/fhir/Communication`, {
        method: 'POST',
        headers: { authorization: `Bearer ${portal.accessToken}`, 'content-type': 'application/fhir+json', 'idempotency-key': `bench-${i}-${randomUUID()}` },
        body: JSON.stringify({
          resourceType: 'Communication',
          partOf: [{ reference: `Communication/${patientThreadIds[i % patientThreadIds.length]}` }],
          payload: [{ contentString: `Mensaje de medición ${i}` }],
        }),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  say(`\nslowest p95: ${Math.max(...p95).toFixed(0)} ms (goal ≤ 300 ms); machine: ${cpus().length} cores, Node ${process.version}`);
} finally {
  await portal.stop();
}
