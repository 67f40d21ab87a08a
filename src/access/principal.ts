/**
 * Who is asking, as the FHIR facade knows it once a bearer token has been checked (src/auth/bearer.ts):
 * the account and client behind the token, the launch context's patient and the granted scopes. What
 * the principal may reach is decided from it by reach.ts (whose patients) and scopes.ts (which data).
 */
export interface Principal {
  /** 'user': a person's token (patient context); 'system': a backend client's token (SMART Backend Services). */
  readonly kind: 'user' | 'system';
  readonly accountId: string;
  readonly clientId: string;
  /** Patient/…, RelatedPerson/… or Practitioner/… */
  readonly fhirUser: string | undefined;
  /** The launch context's patient id; absent means no patient data may be read (fail closed). */
  readonly patient: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** A staff member's token (EHR launch from the staff console): the only kind whose user/ scopes count. */
  readonly staff?: boolean;
  /** The access epoch at which this token was found live: the request's audit write must still see it (router.ts). */
  readonly accessEpoch?: string;
  /**
   * A family member's limited Consent for the token's patient: the parts of the record it permits
   * (src/access/family-access.ts). Absent: everything the patient sees. The facade narrows the scopes to it.
   */
  readonly consentParts?: readonly string[];
  /**
   * Conversations (thread headers, `Communication/<id>`) the patient has marked not shared with this family
   * member (their Consent's deny provisions, cached on the link). Absent: none. The facade withholds them.
   */
  readonly hiddenThreads?: readonly string[];
}
