import type { Config } from '../config/config.ts';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';
import type { Practice } from '../config/config.ts';

/** What the account services need; a narrow slice of the context, with a clock tests can move. */
export interface AccountsDeps {
  readonly db: Db;
  readonly fhir: FhirClient;
  readonly publicUrl: URL;
  readonly practice: Practice;
  readonly signIn: Config['signIn'];
  readonly now: () => Date;
}

/** Wrong dates of birth tolerated on one registration link before it freezes and staff must help. */
export const registrationBirthDateAttempts = 3;
