/**
 * The practice's policy for a parent's (or any proxy's) access to a minor's record (issue 13 point 5;
 * ../shared notes: practices differ, e.g. Arizona's ARS §1-602, so it is configuration, not code):
 *   - under MINORS_FULL_ACCESS_UNTIL_AGE (default 12): everything the Consent permits;
 *   - from that age until 18: the same, minus resources labelled confidential — `meta.security` R or V
 *     (v3 Confidentiality) — or carrying a code of MINORS_SENSITIVE_CODES in `meta.security`, `code` or
 *     `category` (default: HL7 v3 ActCode sensitivity codes for substance use, HIV, psychiatry, sexual
 *     assault and domestic violence, sexual and reproductive health, sexually transmitted disease).
 * Validated at start-up with every other variable (config.ts).
 */
import type { EnvName } from './env.ts';

export interface MinorsConfig {
  readonly fullAccessUntilAge: number;
  /** Parental access to the adolescent's record stops being full at fullAccessUntilAge; at adultAge the minors policy no longer applies. */
  readonly adultAge: number;
  readonly sensitiveCodes: readonly { readonly system: string; readonly code: string }[];
}

export const minorsEnvSchema = {
  MINORS_FULL_ACCESS_UNTIL_AGE: { type: 'integer', minimum: 0, maximum: 18 },
  MINORS_SENSITIVE_CODES: { type: 'string', pattern: '^[^|,\\s]+\\|[^|,\\s]+(,[^|,\\s]+\\|[^|,\\s]+){0,99}$' },
} as const;

const actCode = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const defaultSensitiveCodes = ['ETH', 'HIV', 'PSY', 'SDV', 'SEX', 'STD'].map((code) => `${actCode}|${code}`).join(',');

export function minorsConfig(get: <T>(name: EnvName) => T | undefined): MinorsConfig {
  const sensitiveCodes = (get<string>('MINORS_SENSITIVE_CODES') ?? defaultSensitiveCodes).split(',').map((pair) => {
    const [system, code] = pair.split('|') as [string, string];
    return { system, code };
  });
  return { fullAccessUntilAge: get<number>('MINORS_FULL_ACCESS_UNTIL_AGE') ?? 12, adultAge: 18, sensitiveCodes };
}
