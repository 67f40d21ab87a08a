/**
 * A demo Synthea patient with a real portal account, for the record-page suites: the bundle is
 * loaded into HAPI idempotently (as `npm run demo` does), the practice's care team, appointments
 * and visit note are added, and the account goes through the real authorization form and
 * registration with an email unique to this run.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import type { Context } from '../../src/context.ts';
import { recordAuthorization } from '../../src/accounts/record-authorization.ts';
import { completeRegistration } from '../../src/accounts/registration.ts';
import { createFhirClient } from '../../src/store/fhir-client.ts';
import { fromRoot } from '../../scripts/lib/paths.ts';
import { patientOf, readBundle, toIdempotentTransaction } from '../../scripts/lib/synthea.ts';
import { practiceBundle } from '../../scripts/demo/practice-resources.ts';
import { staffMember } from './onboard.ts';
import { seedPhysician } from './seed.ts';

export interface RecordUser {
  readonly patientId: string;
  readonly name: string;
  readonly birthDate: string;
  readonly email: string;
  readonly password: string;
}

export async function loadSyntheaPatient(ctx: Context, prefix: string): Promise<Patient> {
  const file = readdirSync(fromRoot('data/synthea')).find((f) => f.startsWith(`${prefix}_`) && f.endsWith('.json'));
  if (!file) throw new Error(`data/synthea has no ${prefix} bundle`);
  const bundle = readBundle(join(fromRoot('data/synthea'), file));
  // A large record takes HAPI longer than the portal's per-call timeout to store: a client of its own.
  const loader = createFhirClient({ baseUrl: ctx.config.fhir.upstreamUrl.toString().replace(/\/$/, ''), timeoutMs: 180_000 });
  await loader.transaction(toIdempotentTransaction(bundle));
  const patient = patientOf(bundle);
  await loader.transaction(practiceBundle([patient], ctx.accounts.now()));
  return patient;
}

/** Registers a portal account for an existing Patient (or for a designee acting for them) through the real getting-started services. */
export async function registerAccountFor(ctx: Context, patient: Patient, options: { designee?: { name: string; relationship: string } } = {}): Promise<RecordUser> {
  const staff = await staffMember(ctx);
  const email = `record-${randomUUID().slice(0, 8)}@example.org`;
  const signer = options.designee ? { kind: 'designee' as const, ...options.designee, email } : { kind: 'patient' as const };
  const { accountId } = await recordAuthorization(
    ctx.accounts,
    staff,
    { patientId: patient.id!, signer, patientEmail: options.designee ? `patient-${email}` : email, physicianId: await seedPhysician(ctx), identityConfirmed: true, locale: 'es' },
    '127.0.0.1',
  );
  const mail = await ctx.db.query<{ text: string }>(
    `SELECT o.payload->>'text' AS text FROM invitations i JOIN outbox o ON o.id = i.outbox_id WHERE i.account_id = $1 ORDER BY i.created_at DESC LIMIT 1`,
    [accountId],
  );
  const token = /\/register\?t=([A-Za-z0-9_-]+)/.exec(mail.rows[0]?.text ?? '')?.[1] ?? '';
  const password = 'el expediente completo de la familia';
  const outcome = await completeRegistration(ctx.accounts, { token, birthDate: patient.birthDate!, password, clientAddress: '127.0.0.1' });
  if (outcome.status !== 'registered') throw new Error(`registration failed: ${outcome.status}`);
  const name = patient.name?.[0];
  return { patientId: patient.id!, name: [...(name?.given ?? []), name?.family].filter(Boolean).join(' '), birthDate: patient.birthDate!, email, password };
}
