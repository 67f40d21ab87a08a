/**
 * A proxy's access to a minor's record (issue 13 point 5; the practice's policy is config.minors,
 * src/config/minors-config.ts): whose age decides, and which resources an adolescent keeps from a parent.
 * Pure functions of the birth date, the clock and the policy, so tests move the clock across each birthday.
 */
import type { Resource } from '@medplum/fhirtypes';

export interface MinorsPolicy {
  readonly fullAccessUntilAge: number;
  readonly adultAge: number;
  readonly sensitiveCodes: readonly { readonly system: string; readonly code: string }[];
}

/** 'child': full access; 'adolescent': confidential resources hidden from proxies; 'adult': the minors policy no longer applies. */
export type MinorStage = 'child' | 'adolescent' | 'adult';

/** Whole years from a FHIR birth date (YYYY-MM-DD; partial dates count from their first day) to `now`, by the calendar (UTC days). */
export function ageOn(birthDate: string, now: Date): number | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
  let age = now.getUTCFullYear() - year;
  const beforeBirthday = now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age;
}

/** The stage of a patient's record for their proxies; an unknown birth date is treated as an adolescent's (fail closed). */
export function minorStage(birthDate: string | undefined, now: Date, policy: MinorsPolicy): MinorStage {
  const age = birthDate ? ageOn(birthDate, now) : undefined;
  if (age === undefined) return 'adolescent';
  if (age >= policy.adultAge) return 'adult';
  return age < policy.fullAccessUntilAge ? 'child' : 'adolescent';
}

const confidentiality = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

type Coded = { system?: string; code?: string };
const codings = (value: unknown): Coded[] => {
  const concepts = (Array.isArray(value) ? value : value ? [value] : []) as { coding?: Coded[] }[];
  return concepts.flatMap((concept) => concept?.coding ?? []);
};

/** Labelled confidential (meta.security R or V), or carrying a sensitive code in meta.security, code or category. */
export function isConfidential(resource: Resource, policy: MinorsPolicy): boolean {
  const security = (resource.meta?.security ?? []) as Coded[];
  if (security.some((c) => c.system === confidentiality && (c.code === 'R' || c.code === 'V'))) return true;
  const record = resource as { code?: unknown; category?: unknown };
  const all = [...security, ...codings(record.code), ...codings(record.category)];
  return all.some((c) => policy.sensitiveCodes.some((s) => s.system === c.system && s.code === c.code));
}

/** The instant of the patient's 18th (adultAge-th) birthday, UTC midnight of that calendar day; undefined for an unreadable date. */
export function adulthoodOn(birthDate: string, policy: MinorsPolicy): Date | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate);
  if (!match) return undefined;
  return new Date(Date.UTC(Number(match[1]) + policy.adultAge, Number(match[2] ?? 1) - 1, Number(match[3] ?? 1)));
}

/** A proxy's access given while the patient was a minor ends by itself at their 18th birthday (a parent's access; a guardianship is proven to the practice, which records a new authorization). */
export const parentalAccessEnded = (birthDate: string | undefined, grantedAt: Date, now: Date, policy: MinorsPolicy): boolean => {
  const adult = birthDate ? adulthoodOn(birthDate, policy) : undefined;
  return !!adult && grantedAt < adult && now >= adult;
};
