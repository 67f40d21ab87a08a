/**
 * The patient picker (SMART App Launch 2.2 standalone launch with `launch/patient`): an account that may
 * act for several patients chooses, on every authorization, whose record the app gets. The choice comes
 * back as the interaction result `select_patient`; it is re-checked against the store here before it
 * becomes the grant's launch context, so a forged choice can never widen reach. The portal's picker and
 * consent pages (src/web/interaction-router.ts) use these same functions; reach itself is
 * src/access/reach.ts.
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Patient } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import { findGrantContext, saveGrantContext } from '../store/launch-context.ts';
import { mayActFor, reachOf, reachedPatientIds } from '../access/reach.ts';

export const pickerPromptName = 'select_patient';

const scopesOf = (ctx: KoaContextWithOIDC) => String(ctx.oidc.params?.['scope'] ?? '').split(' ');

/** The patient named in an interaction result or submission (`{ select_patient: { patient } }`), unchecked. */
export const choiceIn = (submission: unknown): string | undefined => {
  const choice = (submission as { [pickerPromptName]?: { patient?: unknown } } | undefined)?.[pickerPromptName]?.patient;
  return typeof choice === 'string' ? choice : undefined;
};

/** The patient chosen in this authorization's picker, if one was. */
export const pickedPatient = (ctx: KoaContextWithOIDC): string | undefined => choiceIn(ctx.oidc.result);

/** The patient ids an account may pick from, in the picker's order (own record first). */
export const pickablePatients = async (db: Db, accountId: string): Promise<string[]> => reachedPatientIds(await reachOf(db, { kind: 'user', accountId }));

/** A patient as the picker and the consent screen name them. */
export interface PickablePatient {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string | undefined;
}

/** Name and birth date of a patient the account may pick (read with the portal's system credential, like the staff console). */
export async function describePatient(fhir: FhirClient, id: string): Promise<PickablePatient> {
  const patient = await fhir.read<Patient>('Patient', id);
  return { id: patient.id!, name: displayName(patient.name), birthDate: patient.birthDate };
}

/** True when the account may pick this patient id: checked against the store, whatever the browser sent. */
export const mayPick = (db: Db, accountId: string, choice: string): Promise<boolean> => mayActFor(db, { kind: 'user', accountId }, choice);

/** True when this authorization needs a patient chosen: a standalone launch/patient request by an account acting for several. */
async function needsPicker(db: Db, ctx: KoaContextWithOIDC): Promise<boolean> {
  const accountId = ctx.oidc.session?.accountId;
  if (!accountId || ctx.oidc.params?.['launch'] !== undefined || !scopesOf(ctx).includes('launch/patient')) return false;
  return (await pickablePatients(db, accountId)).length > 1;
}

/** The picker prompt, after login and before consent. */
export function pickerPrompt(db: Db) {
  return new interactionPolicy.Prompt(
    { name: pickerPromptName, requestable: false },
    new interactionPolicy.Check('patient_not_chosen', 'the patient whose record the app gets must be chosen', async (ctx) =>
      (await needsPicker(db, ctx)) && !pickedPatient(ctx) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
}

/** The patient id chosen in `submission`, if the account may (still) act for it; else undefined. */
export async function verifiedSubmission(db: Db, accountId: string | undefined, submission: unknown): Promise<string | undefined> {
  const choice = choiceIn(submission);
  if (!choice || !accountId) return undefined;
  return (await mayPick(db, accountId, choice)) ? choice : undefined;
}

/** The chosen patient id, if the account may act for it (checked against the store, not the browser). */
export const verifiedChoice = (db: Db, ctx: KoaContextWithOIDC): Promise<string | undefined> => verifiedSubmission(db, ctx.oidc.session?.accountId, ctx.oidc.result);

/** An existing grant may serve this authorization only if it was made for the patient just chosen. */
export async function grantFitsChoice(db: Db, grantId: string, choice: string | undefined): Promise<boolean> {
  if (!choice) return true;
  return (await findGrantContext(db, grantId))?.patient === choice;
}

export const savePickedContext = (db: Db, grantId: string, patient: string) => saveGrantContext(db, grantId, { patient, needPatientBanner: false, smartStyle: false });
