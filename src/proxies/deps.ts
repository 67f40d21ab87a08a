import type { Config, Practice } from '../config/config.ts';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';

/** What the family-access services need (the same slice of the context the account services get), with a clock tests can move. */
export interface ProxiesDeps {
  readonly db: Db;
  /** The portal's system credential to the FHIR server: the RelatedPerson + Consent pair is written with it. */
  readonly fhir: FhirClient;
  readonly publicUrl: URL;
  readonly practice: Practice;
  readonly signIn: Config['signIn'];
  readonly now: () => Date;
}

/** A refusal with a stable code; the code is also the catalog key `family.error.<code>` (DESIGN.md habit 3). */
export class FamilyError extends Error {
  readonly code: FamilyErrorCode;
  constructor(code: FamilyErrorCode) {
    super(code);
    this.code = code;
  }
}

export type FamilyErrorCode =
  | 'wrong_password'
  | 'not_your_record'
  | 'missing_name'
  | 'missing_signature'
  | 'relationship_unknown'
  | 'email_invalid'
  | 'inviting_self'
  | 'already_invited'
  | 'already_family'
  | 'end_date_invalid'
  | 'end_date_past'
  | 'parts_empty'
  | 'not_found'
  | 'invitation_not_found'
  | 'profile_invalid'
  | 'not_for_you';
