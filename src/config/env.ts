/**
 * The only module that reads process.env (DESIGN.md "Habits" 9: config is read once).
 * It copies the variables the portal knows into a plain object; validation happens in config.ts.
 */

/** Every environment variable the portal reads, with its README description. */
export const envVariables = {
  PUENTE_ENV: 'production (default) or development; development allows insecure local defaults',
  HOST: 'address to listen on (default 0.0.0.0; the demo uses 127.0.0.1)',
  PORT: 'TCP port to listen on (default 3000)',
  PUBLIC_URL: 'the portal’s public origin, e.g. https://portal.clinic.example (https required in production)',
  FHIR_UPSTREAM_URL: 'base URL of the clinic FHIR server (HAPI), e.g. http://127.0.0.1:8091/fhir',
  FHIR_TIMEOUT_MS: 'timeout for each call to the FHIR server in milliseconds (default 10000)',
  DATABASE_URL: 'postgres:// URL of the portal store; when unset the embedded PGlite store is used',
  PGLITE_DATA_DIR: 'data directory of the embedded PGlite store (default var/pglite)',
  SMTP_URL: 'smtp:// or smtps:// URL of the mail relay (required in production)',
  MAIL_FROM: 'From address of every email, e.g. "Clinic portal <portal@clinic.example>"',
  SECRET_KEYS: 'comma-separated secrets (32+ characters each, newest first) for cookies and signatures',
  LOG_LEVEL: 'pino log level: fatal, error, warn, info (default), debug, trace, silent',
  TRUST_PROXY: 'how many reverse proxies in front of the portal to trust for the client address (default 0)',
  PRACTICE_NAME: 'the practice name shown on pages and emails',
  PRACTICE_PHONE: 'the practice phone number patients are told to call',
  PRACTICE_ADDRESS: 'the office address on the summary PDF and the C-CDA, as "street, city, ST, ZIP" (unset: not printed)',
  PRACTICE_TIME_ZONE: 'IANA time zone of the practice, in which pages, PDFs and emails say times (default UTC), e.g. America/Chicago',
  SESSION_IDLE_MINUTES: 'a signed-in session ends after this many minutes without activity (default 15)',
  SESSION_MAX_HOURS: 'a signed-in session ends this many hours after sign-in, whatever the activity (default 12)',
  INVITATION_TTL_HOURS: 'how long a registration link stays valid (default 96 = 4 days)',
  RESET_TTL_MINUTES: 'how long a password reset link stays valid (default 60)',
  SIGN_IN_MAX_FAILURES: 'failed sign-ins per account or client address before a temporary lockout (default 5)',
  SIGN_IN_LOCKOUT_MINUTES: 'how long a lockout lasts (default 15)',
  CLIENT_REGISTRATION_TOKEN: 'initial access token for RFC 7591 dynamic client registration (32+ characters); unset = registration closed',
  OUTBOX_POLL_MS: 'how often the outbox worker looks for due messages (default 1000)',
  OUTBOX_RETRY_BASE_MS: 'first retry delay of a failed delivery; doubles each attempt (default 5000)',
  OUTBOX_RETRY_MAX_MS: 'longest delay between two delivery attempts (default 900000 = 15 min)',
  OUTBOX_DEAD_AFTER_HOURS: 'after this many hours of failures a message moves to dead-letter (default 72)',
  SHUTDOWN_DRAIN_MS: 'after SIGTERM, how long /readyz answers 503 while requests are still taken, so the load balancer stops sending (default 5000)',
  SHUTDOWN_TIMEOUT_MS: 'after SIGTERM, the longest the whole shutdown may take; then remaining connections are cut and the exit code is 1 (default 30000)',
  METRICS_PORT: 'TCP port of the Prometheus /metrics listener, separate from PORT; unset = no metrics listener',
  METRICS_HOST: 'address the metrics listener binds to (default 127.0.0.1); any other address requires METRICS_TOKEN',
  METRICS_TOKEN: 'bearer token (32+ characters) that /metrics requires; required when METRICS_HOST is not a loopback address',
  MESSAGE_TOPICS:
    'secure-message topics and the staff pool each goes to, as topic:pool pairs (default doctor:care-team,appointments:front-desk,refill:care-team,results:care-team,other:front-desk)',
  MESSAGE_ANSWER_DAYS: 'business days within which the practice usually answers a message: told to patients, and past it the staff inbox flags a conversation overdue (default 2)',
  MESSAGE_POOL_EMAILS:
    'staff addresses emailed (no health information, at most once an hour per pool) when a patient’s message arrives in a pool, as pool:address|address pairs separated by commas, e.g. care-team:nurse@clinic.example|doctor@clinic.example (unset: no pool emails)',
  PRACTICE_HOURS: 'the practice’s hours in its time zone, e.g. "mon-fri 08:00-17:00" (the default); a message outside them gets one automatic reply per conversation',
  MINORS_FULL_ACCESS_UNTIL_AGE:
    'age (0–18) until which a parent or other proxy sees everything the Consent permits in a minor’s record; from it until 18, resources labelled confidential or sensitive are hidden from them (default 12)',
  MINORS_SENSITIVE_CODES:
    'codes hidden from a proxy of a minor from MINORS_FULL_ACCESS_UNTIL_AGE, as system|code pairs separated by commas, matched in meta.security, code and category (default the v3 ActCode ETH, HIV, PSY, SDV, SEX, STD)',
  DIRECT_SMTP_URL: 'smtp:// or smtps:// URL of the practice’s Direct relay (its HISP); unset = Direct sending off',
  DIRECT_ADDRESS: 'the practice’s Direct address, the From of every Direct message (required with DIRECT_SMTP_URL)',
  DIRECT_CERT: 'PEM file of the practice’s Direct certificate, bound to DIRECT_ADDRESS (required with DIRECT_SMTP_URL)',
  DIRECT_KEY: 'PEM file of the private key of DIRECT_CERT (required with DIRECT_SMTP_URL)',
  DIRECT_CERTS_DIR: 'directory of recipients’ Direct certificates, PEM or DER, any file names (required with DIRECT_SMTP_URL)',
  DIRECT_TRUST_ANCHORS: 'PEM bundle of the CAs whose recipients’ certificates are trusted (required with DIRECT_SMTP_URL)',
} as const;

export type EnvName = keyof typeof envVariables;
export type Env = Partial<Record<EnvName, string>>;

/** Reads the known variables from a process environment; empty strings count as unset. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const env: Env = {};
  for (const name of Object.keys(envVariables) as EnvName[]) {
    const value = source[name];
    if (value !== undefined && value.trim() !== '') env[name] = value.trim();
  }
  return env;
}
