/** What the config tests start from: a complete production environment, and the problems a ConfigError lists. */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';
import { readEnv } from '../../../src/config/env.ts';

export const productionEnv = {
  PUENTE_ENV: 'production',
  PUBLIC_URL: 'https://portal.clinic.example',
  FHIR_UPSTREAM_URL: 'http://hapi.internal:8080/fhir',
  SMTP_URL: 'smtps://relay.clinic.example:465',
  SECRET_KEYS: 'k'.repeat(40),
} as const;

export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(readEnv(env));
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}
