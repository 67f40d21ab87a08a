/**
 * `npm run staff:create-admin -- --email <email> --given <name> --family <name>`
 * Creates the first administrator of a new portal (later staff are created by admins in the
 * console at /staff/admin). Uses the same environment as the portal (DATABASE_URL or
 * PGLITE_DATA_DIR, FHIR_UPSTREAM_URL, …). Prints a temporary password and the TOTP enrollment
 * (key, otpauth URI and a QR code drawn in the terminal) once.
 */
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { loadConfig, ConfigError, type Config } from '../src/config/config.ts';
import { readEnv } from '../src/config/env.ts';
import { openDb } from '../src/store/open-db.ts';
import { migrate } from '../src/store/migrate.ts';
import { createFhirClient } from '../src/store/fhir-client.ts';
import { createStaffMember } from '../src/accounts/manage-staff.ts';
import { trimBase } from '../src/core/fhir/base-url.ts';

const { values } = parseArgs({ options: { email: { type: 'string' }, given: { type: 'string' }, family: { type: 'string' } } });
if (!values.email || !values.given || !values.family) {
  console.error('usage: npm run staff:create-admin -- --email <email> --given <given name> --family <family name>');
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig(readEnv());
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
const db = await openDb(config.store);
try {
  await migrate(db);
  const fhir = createFhirClient({ baseUrl: trimBase(config.fhir.upstreamUrl), timeoutMs: config.fhir.timeoutMs });
  const created = await createStaffMember({ db, fhir }, { email: values.email, givenName: values.given, familyName: values.family, admin: true });
  console.log(`Administrator ${created.email} created (linked to a new Practitioner).
Temporary password: ${created.temporaryPassword}
TOTP key:           ${created.totpSecret}
TOTP URI:           ${created.totpUri}
${await QRCode.toString(created.totpUri, { type: 'terminal', small: true })}
Sign in at ${new URL('/staff/login', config.publicUrl)} with the email, the password and a code from the authenticator app.`);
} catch (error) {
  console.error(`Could not create the administrator: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
