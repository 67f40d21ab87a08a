/**
 * Turns the raw environment into a validated, typed Config, once.
 * Every problem is collected and reported together, each with its variable's name
 * (issue #2 point 5); start-up stops on any of them.
 */
import { Ajv } from 'ajv';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isTimeZone } from '../core/fhir/dates.ts';
import type { Env, EnvName } from './env.ts';
import { messagesConfig, messagesEnvSchema, type MessagesConfig } from './messages-config.ts';
import { minorsConfig, minorsEnvSchema, type MinorsConfig } from './minors-config.ts';
import { devSecretKey, parseSecretKeys } from './secrets.ts';

export type PuenteEnvironment = 'production' | 'development';

/** The practice as patients see it: its name and phone on every page, email and PDF. */
export interface Practice {
  readonly name: string;
  readonly phone: string;
  /** IANA time zone in which times are said on pages, PDFs and emails (PRACTICE_TIME_ZONE). */
  readonly timeZone: string;
  /** The office's postal address (PRACTICE_ADDRESS), printed on the summary and written in the C-CDA; absent when not configured. */
  readonly address?: PracticeAddress;
}

/** A US postal address: street lines, city, two-letter state, ZIP code. */
export interface PracticeAddress {
  readonly lines: readonly string[];
  readonly city: string;
  readonly state: string;
  readonly postalCode: string;
}

/** "street[, street…], city, ST, ZIP" → the address; undefined when it does not read that way. */
export function parsePracticeAddress(text: string): PracticeAddress | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length < 4 || parts.length > 7 || parts.some((part) => part === '')) return undefined;
  const [postalCode, state, city] = [parts.at(-1)!, parts.at(-2)!, parts.at(-3)!];
  if (!/^[A-Z]{2}$/.test(state) || !/^\d{5}(?:-\d{4})?$/.test(postalCode)) return undefined;
  return { lines: parts.slice(0, -3), city, state, postalCode };
}

export interface Config {
  readonly environment: PuenteEnvironment;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: URL;
  readonly fhir: {
    readonly upstreamUrl: URL;
    readonly timeoutMs: number;
    /**
     * After how long a facade write's Idempotency-Key still 'pending' is taken to belong to a replica that died
     * mid-write and may be taken over (src/fhir/create-pipeline.ts). The claim is re-stamped just before the one
     * FHIR transaction, which ends within timeoutMs: twice that plus 30 s is a wide margin over it.
     */
    readonly writeClaimStaleMs: number;
  };
  readonly store: { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dataDir: string };
  readonly mail: { readonly smtpUrl: string; readonly from: string };
  readonly secretKeys: readonly string[];
  readonly logLevel: string;
  readonly trustProxy: number;
  readonly practice: Practice;
  readonly sessions: { readonly idleMs: number; readonly maxMs: number };
  /** RFC 7591 dynamic registration's initial access token; undefined keeps registration closed. */
  readonly clientRegistrationToken: string | undefined;
  readonly signIn: {
    readonly invitationTtlMs: number;
    readonly resetTtlMs: number;
    readonly maxFailures: number;
    readonly lockoutMs: number;
  };
  readonly outbox: {
    readonly pollMs: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    readonly deadAfterMs: number;
  };
  /** Graceful shutdown on SIGTERM (src/http/graceful-shutdown.ts). */
  readonly shutdown: { readonly drainMs: number; readonly timeoutMs: number };
  /** The Prometheus listener (src/http/metrics-server.ts); absent when METRICS_PORT is unset. */
  readonly metrics?: { readonly host: string; readonly port: number; readonly token: string | undefined };
  /** Secure messages: topics and pools, answer time, practice hours (src/config/messages-config.ts). */
  readonly messages: MessagesConfig;
  /** A proxy's access to a minor's record (issue 13 point 5; src/config/minors-config.ts). */
  readonly minors: MinorsConfig;
  /** Direct secure messaging (issue 12); absent when DIRECT_SMTP_URL is unset, and then Direct is off. */
  readonly direct?: DirectConfig;
}

/** Where the practice's Direct relay, identity and trust live; every file was checked to load at start-up. */
export interface DirectConfig {
  readonly smtpUrl: string;
  /** The practice's Direct address, the From of every message. */
  readonly address: string;
  readonly certificatePath: string;
  readonly privateKeyPath: string;
  readonly certsDir: string;
  readonly trustAnchorsPath: string;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Defaults that are only acceptable on a developer's machine; production must set its own. */
export const developmentDefaults = {
  PUBLIC_URL: 'http://localhost:3000',
  SMTP_URL: 'smtp://127.0.0.1:1025',
} as const;

const integer = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });
const url = { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://' };

// JSON Schema of the environment (strings coerced to numbers where a number is expected).
const envSchema = {
  type: 'object',
  properties: {
    PUENTE_ENV: { enum: ['production', 'development'] },
    HOST: { type: 'string', minLength: 1 },
    PORT: integer(0, 65535),
    PUBLIC_URL: url,
    FHIR_UPSTREAM_URL: url,
    FHIR_TIMEOUT_MS: integer(100, 300000),
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    PGLITE_DATA_DIR: { type: 'string', minLength: 1 },
    SMTP_URL: { type: 'string', pattern: '^smtps?://' },
    MAIL_FROM: { type: 'string', minLength: 3 },
    SECRET_KEYS: { type: 'string' },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    TRUST_PROXY: integer(0, 10),
    PRACTICE_NAME: { type: 'string', minLength: 1, maxLength: 200 },
    PRACTICE_PHONE: { type: 'string', pattern: '^[+0-9 ().-]{3,40}$' },
    PRACTICE_TIME_ZONE: { type: 'string', minLength: 1, maxLength: 64 },
    PRACTICE_ADDRESS: { type: 'string', minLength: 1, maxLength: 300 },
    SESSION_IDLE_MINUTES: integer(1, 1440),
    SESSION_MAX_HOURS: integer(1, 720),
    INVITATION_TTL_HOURS: integer(1, 720),
    RESET_TTL_MINUTES: integer(5, 1440),
    SIGN_IN_MAX_FAILURES: integer(2, 100),
    SIGN_IN_LOCKOUT_MINUTES: integer(1, 1440),
    CLIENT_REGISTRATION_TOKEN: { type: 'string', minLength: 32 },
    OUTBOX_POLL_MS: integer(50, 600000),
    OUTBOX_RETRY_BASE_MS: integer(10, 3600000),
    OUTBOX_RETRY_MAX_MS: integer(10, 86400000),
    OUTBOX_DEAD_AFTER_HOURS: { type: 'number', exclusiveMinimum: 0, maximum: 8760 },
    SHUTDOWN_DRAIN_MS: integer(0, 600000),
    SHUTDOWN_TIMEOUT_MS: integer(1000, 3600000),
    METRICS_PORT: integer(0, 65535),
    METRICS_HOST: { type: 'string', minLength: 1 },
    METRICS_TOKEN: { type: 'string', minLength: 32 },
    ...messagesEnvSchema,
    ...minorsEnvSchema,
    DIRECT_SMTP_URL: { type: 'string', pattern: '^smtps?://' },
    DIRECT_ADDRESS: { type: 'string', pattern: '^[^@\\s<>(),;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$', maxLength: 254 },
    DIRECT_CERT: { type: 'string', minLength: 1 },
    DIRECT_KEY: { type: 'string', minLength: 1 },
    DIRECT_CERTS_DIR: { type: 'string', minLength: 1 },
    DIRECT_TRUST_ANCHORS: { type: 'string', minLength: 1 },
  },
} as const;

const validateEnv = new Ajv({ allErrors: true, coerceTypes: true, strict: true }).compile(envSchema);

/** Validates the environment; throws one ConfigError listing every problem by variable name. */
export function loadConfig(rawEnv: Env): Config {
  const env: Record<string, unknown> = { ...rawEnv };
  const problems: string[] = [];
  if (!validateEnv(env)) {
    for (const error of validateEnv.errors ?? []) {
      const name = error.instancePath.replace(/^\//, '') || String(error.params['missingProperty'] ?? '');
      problems.push(`${name}: ${describe(error.keyword, error.params, error.message)}`);
    }
  }
  const get = <T>(name: EnvName) => (problems.some((p) => p.startsWith(`${name}:`)) ? undefined : (env[name] as T | undefined));
  const environment = get<PuenteEnvironment>('PUENTE_ENV') ?? 'production';
  const production = environment === 'production';

  const required = (name: EnvName, devDefault?: string): string | undefined => {
    const value = get<string>(name);
    if (value !== undefined) return value;
    if (!production && devDefault !== undefined) return devDefault;
    if (!problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name}: is required${devDefault ? ' outside development' : ''}`);
    return undefined;
  };

  const publicUrlText = required('PUBLIC_URL', developmentDefaults.PUBLIC_URL);
  const publicUrl = parseUrl('PUBLIC_URL', publicUrlText, problems);
  if (publicUrl && production && publicUrl.protocol !== 'https:') problems.push('PUBLIC_URL: must use https outside development');
  if (publicUrl && (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash)) {
    problems.push('PUBLIC_URL: must be an origin only (no path, query or fragment)');
  }
  const fhirUrl = parseUrl('FHIR_UPSTREAM_URL', required('FHIR_UPSTREAM_URL', 'http://127.0.0.1:8091/fhir'), problems);

  const smtpUrl = required('SMTP_URL', developmentDefaults.SMTP_URL);
  const smtpHost = smtpUrl ? safeUrl(smtpUrl)?.hostname : undefined;
  if (production && smtpHost !== undefined && isLoopback(smtpHost) && smtpUrl?.startsWith('smtp://')) {
    problems.push('SMTP_URL: a plain-text loopback SMTP server is a development mail catcher; use the practice relay in production');
  }

  const secretKeysText = get<string>('SECRET_KEYS');
  let secretKeys: string[] = [];
  if (secretKeysText === undefined) {
    if (production) problems.push('SECRET_KEYS: is required outside development');
    else secretKeys = [devSecretKey];
  } else {
    const parsed = parseSecretKeys(secretKeysText);
    problems.push(...parsed.problems.map((p) => `SECRET_KEYS: ${p}`));
    if (production && parsed.keys.includes(devSecretKey)) problems.push('SECRET_KEYS: the development key is not allowed outside development');
    secretKeys = parsed.keys;
  }

  const retryBaseMs = get<number>('OUTBOX_RETRY_BASE_MS') ?? 5000;
  const retryMaxMs = get<number>('OUTBOX_RETRY_MAX_MS') ?? 900000;
  if (retryMaxMs < retryBaseMs) problems.push('OUTBOX_RETRY_MAX_MS: must not be smaller than OUTBOX_RETRY_BASE_MS');

  const timeZone = get<string>('PRACTICE_TIME_ZONE') ?? 'UTC';
  if (!isTimeZone(timeZone)) problems.push('PRACTICE_TIME_ZONE: must be an IANA time zone name, e.g. America/Chicago');
  const addressText = get<string>('PRACTICE_ADDRESS');
  const address = addressText === undefined ? undefined : parsePracticeAddress(addressText);
  if (addressText !== undefined && !address) problems.push('PRACTICE_ADDRESS: must read "street, city, ST, ZIP", e.g. "100 Main St, Suite 2, Springfield, IL, 62701"');

  const direct = directConfig(get, problems);
  const messages = messagesConfig(get, problems);
  const minors = minorsConfig(get);

  const drainMs = get<number>('SHUTDOWN_DRAIN_MS') ?? 5000;
  const shutdownTimeoutMs = get<number>('SHUTDOWN_TIMEOUT_MS') ?? 30000;
  if (shutdownTimeoutMs <= drainMs) problems.push('SHUTDOWN_TIMEOUT_MS: must be larger than SHUTDOWN_DRAIN_MS (in-flight requests need time after the drain)');
  const metrics = metricsConfig(get, problems);

  if (problems.length > 0 || !publicUrl || !fhirUrl || !smtpUrl) throw new ConfigError(problems);

  const databaseUrl = get<string>('DATABASE_URL');
  const fhirTimeoutMs = get<number>('FHIR_TIMEOUT_MS') ?? 10000;
  return {
    environment,
    host: get<string>('HOST') ?? '0.0.0.0',
    port: get<number>('PORT') ?? 3000,
    publicUrl,
    fhir: { upstreamUrl: fhirUrl, timeoutMs: fhirTimeoutMs, writeClaimStaleMs: 2 * fhirTimeoutMs + 30_000 },
    store: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir: get<string>('PGLITE_DATA_DIR') ?? 'var/pglite' },
    mail: { smtpUrl, from: get<string>('MAIL_FROM') ?? `Puente <no-reply@${publicUrl.hostname}>` },
    secretKeys,
    logLevel: get<string>('LOG_LEVEL') ?? 'info',
    trustProxy: get<number>('TRUST_PROXY') ?? 0,
    practice: { name: get<string>('PRACTICE_NAME') ?? 'Puente Demo Clinic', phone: get<string>('PRACTICE_PHONE') ?? '+1 555 0100', timeZone, ...(address ? { address } : {}) },
    clientRegistrationToken: get<string>('CLIENT_REGISTRATION_TOKEN'),
    sessions: {
      idleMs: (get<number>('SESSION_IDLE_MINUTES') ?? 15) * 60_000,
      maxMs: (get<number>('SESSION_MAX_HOURS') ?? 12) * 3600_000,
    },
    signIn: {
      invitationTtlMs: (get<number>('INVITATION_TTL_HOURS') ?? 96) * 3600_000,
      resetTtlMs: (get<number>('RESET_TTL_MINUTES') ?? 60) * 60_000,
      maxFailures: get<number>('SIGN_IN_MAX_FAILURES') ?? 5,
      lockoutMs: (get<number>('SIGN_IN_LOCKOUT_MINUTES') ?? 15) * 60_000,
    },
    outbox: {
      pollMs: get<number>('OUTBOX_POLL_MS') ?? 1000,
      retryBaseMs,
      retryMaxMs,
      deadAfterMs: (get<number>('OUTBOX_DEAD_AFTER_HOURS') ?? 72) * 3600_000,
    },
    shutdown: { drainMs, timeoutMs: shutdownTimeoutMs },
    ...(metrics ? { metrics } : {}),
    messages,
    minors,
    ...(direct ? { direct } : {}),
  };
}

/**
 * The metrics listener is off unless METRICS_PORT is set. It is a separate listener so the public
 * port never serves /metrics; bound to loopback by default, and any other address (a pod IP for a
 * Prometheus scrape) must carry a bearer token, so exposing it takes two deliberate settings.
 */
function metricsConfig(get: <T>(name: EnvName) => T | undefined, problems: string[]): Config['metrics'] {
  const port = get<number>('METRICS_PORT');
  const host = get<string>('METRICS_HOST') ?? '127.0.0.1';
  const token = get<string>('METRICS_TOKEN');
  if (port === undefined) {
    for (const name of ['METRICS_HOST', 'METRICS_TOKEN'] as const) {
      if (get<string>(name) !== undefined) problems.push(`${name}: only takes effect with METRICS_PORT (metrics are off); set both or neither`);
    }
    return undefined;
  }
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  if (!loopback && token === undefined) problems.push('METRICS_TOKEN: is required when METRICS_HOST is not a loopback address');
  const publicPort = get<number>('PORT') ?? 3000;
  if (port !== 0 && port === publicPort) problems.push('METRICS_PORT: must differ from PORT (metrics never share the public listener)');
  return { host, port, token };
}

const directFileVariables = ['DIRECT_ADDRESS', 'DIRECT_CERT', 'DIRECT_KEY', 'DIRECT_CERTS_DIR', 'DIRECT_TRUST_ANCHORS'] as const;

/**
 * Direct is on when DIRECT_SMTP_URL is set; then the address, the practice's certificate and key, the
 * recipients' directory and the trust anchors are all required, and the files must load now rather
 * than at the first send (habit 9). config/ may not import the export code that uses them, so the
 * checks here use node:crypto directly: the certificate parses, the key is its key, the certificate
 * names the address (SAN email or domain), and the anchor bundle holds at least one certificate.
 * Problems name the variable, never a file's content.
 */
function directConfig(get: <T>(name: EnvName) => T | undefined, problems: string[]): DirectConfig | undefined {
  // A malformed DIRECT_SMTP_URL is already reported; checking the rest against it would only add noise.
  if (problems.some((p) => p.startsWith('DIRECT_SMTP_URL:'))) return undefined;
  const smtpUrl = get<string>('DIRECT_SMTP_URL');
  if (smtpUrl === undefined) {
    for (const name of directFileVariables) {
      if (get<string>(name) !== undefined) problems.push(`${name}: only takes effect with DIRECT_SMTP_URL (Direct is off); set both or neither`);
    }
    return undefined;
  }
  const values: Partial<Record<(typeof directFileVariables)[number], string>> = {};
  for (const name of directFileVariables) {
    const value = get<string>(name);
    if (value !== undefined) values[name] = value;
    else if (!problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name}: is required when DIRECT_SMTP_URL is set`);
  }
  const { DIRECT_ADDRESS: address, DIRECT_CERT: certificatePath, DIRECT_KEY: privateKeyPath, DIRECT_CERTS_DIR: certsDir, DIRECT_TRUST_ANCHORS: trustAnchorsPath } = values;

  let certificate: X509Certificate | undefined;
  if (certificatePath !== undefined) {
    try {
      certificate = new X509Certificate(readFileSync(certificatePath));
    } catch (error) {
      problems.push(`DIRECT_CERT: ${fileProblem(error, 'is not a PEM certificate')}`);
    }
  }
  if (certificate && address !== undefined) {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (certificate.checkEmail(address) === undefined && certificate.checkHost(domain, { subject: 'never', wildcards: false }) === undefined) {
      problems.push('DIRECT_CERT: does not name DIRECT_ADDRESS (neither its email nor its domain)');
    }
    if (new Date(certificate.validTo) < new Date()) problems.push('DIRECT_CERT: has expired');
  }
  if (privateKeyPath !== undefined) {
    try {
      const key = createPrivateKey(readFileSync(privateKeyPath));
      if (certificate && !certificate.checkPrivateKey(key)) problems.push('DIRECT_KEY: is not the private key of DIRECT_CERT');
      else if (key.asymmetricKeyType !== 'rsa') problems.push('DIRECT_KEY: must be an RSA key (Direct uses RSA key transport)');
    } catch (error) {
      problems.push(`DIRECT_KEY: ${fileProblem(error, 'is not an unencrypted PEM private key')}`);
    }
  }
  if (certsDir !== undefined) {
    try {
      if (!statSync(certsDir).isDirectory()) problems.push('DIRECT_CERTS_DIR: is not a directory');
    } catch (error) {
      problems.push(`DIRECT_CERTS_DIR: ${fileProblem(error, 'cannot be read')}`);
    }
  }
  if (trustAnchorsPath !== undefined) {
    try {
      const pem = readFileSync(trustAnchorsPath, 'latin1');
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      for (const block of blocks) new X509Certificate(block);
      if (blocks.length === 0) problems.push('DIRECT_TRUST_ANCHORS: holds no PEM certificate');
    } catch (error) {
      problems.push(`DIRECT_TRUST_ANCHORS: ${fileProblem(error, 'holds a certificate that does not parse')}`);
    }
  }
  if (address === undefined || certificatePath === undefined || privateKeyPath === undefined || certsDir === undefined || trustAnchorsPath === undefined) return undefined;
  return { smtpUrl, address, certificatePath, privateKeyPath, certsDir, trustAnchorsPath };
}

/** A missing or unreadable file says so; anything else is the caller's description of bad content. */
function fileProblem(error: unknown, badContent: string): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'file cannot be read (permissions)';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return badContent;
}

function parseUrl(name: EnvName, text: string | undefined, problems: string[]): URL | undefined {
  if (text === undefined) return undefined;
  const parsed = safeUrl(text);
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) problems.push(`${name}: must be an http(s) URL`);
  return parsed;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]';
}

// Ajv's messages mention JSON Schema terms; these read better to an operator.
function describe(keyword: string, params: Record<string, unknown>, fallback: string | undefined): string {
  switch (keyword) {
    case 'type':
      return params['type'] === 'integer' ? 'must be a whole number' : `must be a ${String(params['type'])}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `must be at least ${String(params['limit'])}`;
    case 'maximum':
      return `must be at most ${String(params['limit'])}`;
    case 'enum':
      return `must be one of ${(params['allowedValues'] as string[]).join(', ')}`;
    case 'pattern':
      return 'has the wrong format';
    case 'minLength':
      return `must be at least ${String(params['limit'])} characters long`;
    default:
      return fallback ?? 'is invalid';
  }
}
