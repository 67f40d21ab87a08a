/**
 * AuditEvents in the shape of IHE Basic Audit Log Patterns (BALP): the portal is the audit source,
 * the real user is the requesting agent, the patient is an entity. Account events (sign-in,
 * registration, reset, deactivation) use DICOM's security-alert and user-authentication types.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';

const dcm = 'http://dicom.nema.org/resources/ontology/DCM';
const balpAgentType = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';

export type AccountEvent =
  | 'authorization-recorded'
  | 'invitation-sent'
  | 'registration'
  | 'login'
  | 'logout'
  | 'lockout'
  | 'password-reset-requested'
  | 'password-reset'
  | 'email-changed'
  | 'deactivation'
  | 'share-link-revoked'
  | 'family-invited'
  | 'family-invitation-resent'
  | 'family-invitation-cancelled'
  | 'family-access-granted'
  | 'family-access-changed'
  | 'family-access-ended'
  | 'everything-ended'
  | 'minor-age-notice';

// Each event's type and subtype: logins are DCM 110114 User Authentication (110122 Login / 110123 Logout);
// account administration is DCM 110113 Security Alert, with a Puente-specific subtype naming the event.
const eventCodes: Record<AccountEvent, { type: Coding; action: AuditEvent['action'] }> = {
  'authorization-recorded': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'C' },
  'invitation-sent': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'C' },
  registration: { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  login: { type: { system: dcm, code: '110114', display: 'User Authentication' }, action: 'E' },
  logout: { type: { system: dcm, code: '110114', display: 'User Authentication' }, action: 'E' },
  lockout: { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'E' },
  'password-reset-requested': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'E' },
  'password-reset': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'email-changed': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  deactivation: { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'share-link-revoked': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'family-invited': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'C' },
  'family-invitation-resent': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'family-invitation-cancelled': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'family-access-granted': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'C' },
  'family-access-changed': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'family-access-ended': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'everything-ended': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'U' },
  'minor-age-notice': { type: { system: dcm, code: '110113', display: 'Security Alert' }, action: 'E' },
};

const subtypes: Partial<Record<AccountEvent, Coding>> = {
  login: { system: dcm, code: '110122', display: 'Login' },
  logout: { system: dcm, code: '110123', display: 'Logout' },
};

export interface AccountAuditInput {
  readonly event: AccountEvent;
  readonly success: boolean;
  /** Who acted: Patient/…, RelatedPerson/… or Practitioner/…; absent when the actor is unknown (failed sign-in). */
  readonly actor?: string;
  /** The account's id in the portal store, when known. */
  readonly accountId?: string;
  readonly patient?: string;
  readonly clientAddress?: string;
  readonly portalName: string;
  readonly recorded?: Date;
}

export function accountAuditEvent(input: AccountAuditInput): AuditEvent & { id: string } {
  const codes = eventCodes[input.event];
  const agent: AuditEventAgent[] = [
    {
      type: { coding: [{ system: balpAgentType, code: 'humanuser', display: 'human user' }] },
      requestor: true,
      ...(input.actor ? { who: { reference: input.actor } } : {}),
      ...(input.accountId ? { altId: input.accountId } : {}),
      ...(input.clientAddress ? { network: { address: input.clientAddress, type: '2' as const } } : {}),
    },
  ];
  const entity: AuditEventEntity[] = input.patient
    ? [{ what: { reference: input.patient }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' } }]
    : [];
  const subtype = subtypes[input.event] ?? { system: 'https://puente.example.org/fhir/CodeSystem/account-event', code: input.event };
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: codes.type,
    subtype: [subtype],
    action: codes.action,
    recorded: (input.recorded ?? new Date()).toISOString(),
    outcome: input.success ? '0' : '4',
    agent,
    source: { observer: { display: input.portalName }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity,
  };
}

export interface FhirAccessAuditInput {
  readonly interaction: 'read' | 'search-type' | 'capabilities' | 'unknown';
  /** FHIR outcome code: 0 success, 4 minor failure (refused, not found), 8 serious failure (upstream down). */
  readonly outcome: '0' | '4' | '8';
  readonly actor?: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly patient?: string;
  /** The request's path and query, as the client sent it (BALP records the query in entity.query). */
  readonly request: string;
  readonly clientAddress: string;
  readonly portalName: string;
}

/**
 * The agents of a facade request (reads and creates alike): the person as BALP's human-user requestor
 * (with their account as altId and their network address) and, when an app made the call, the app.
 */
export function restAgents(input: {
  readonly actor?: string | undefined;
  readonly accountId?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientAddress: string;
}): AuditEventAgent[] {
  return [
    {
      type: { coding: [{ system: balpAgentType, code: 'humanuser', display: 'human user' }] },
      requestor: true,
      ...(input.actor ? { who: { reference: input.actor } } : {}),
      ...(input.accountId ? { altId: input.accountId } : {}),
      network: { address: input.clientAddress, type: '2' },
    },
    ...(input.clientId
      ? [
          {
            type: { coding: [{ system: dcm, code: '110150', display: 'Application' }] },
            requestor: false,
            who: { identifier: { system: 'urn:puente:client-id', value: input.clientId } },
          },
        ]
      : []),
  ];
}

/**
 * BALP "RESTful activity" AuditEvent for a facade request: the person (and the app they use) as
 * agents, the patient and the query as entities. Denials are audited too.
 */
export function fhirAccessAuditEvent(input: FhirAccessAuditInput): AuditEvent & { id: string } {
  const restful = 'http://hl7.org/fhir/restful-interaction';
  const agent = restAgents(input);
  const entity: AuditEventEntity[] = [
    ...(input.patient ? [{ what: { reference: input.patient }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' } }] : []),
    { type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' }, query: Buffer.from(input.request).toString('base64') },
  ];
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: restful, code: input.interaction === 'unknown' ? 'search-type' : input.interaction === 'capabilities' ? 'capabilities' : input.interaction }],
    action: input.interaction === 'read' ? 'R' : 'E',
    recorded: new Date().toISOString(),
    outcome: input.outcome,
    agent,
    source: { observer: { display: input.portalName }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity,
  };
}

/**
 * What happened at the token or revocation endpoint, or to a whole grant: `app-disconnected` is the
 * patient ending an app's access on the connected-apps page (every token of the grant revoked).
 */
export type TokenEvent = 'token-issued' | 'token-refreshed' | 'token-revoked' | 'token-refused' | 'refresh-token-reuse' | 'revocation-refused' | 'app-disconnected';

export interface TokenAuditInput {
  readonly event: TokenEvent;
  /** FHIR outcome code: 0 success, 4 refused (bad code, bad client, reuse), 8 server failure. */
  readonly outcome: '0' | '4' | '8';
  /** The OAuth grant type asked for (authorization_code, refresh_token, client_credentials), when known. */
  readonly grantType?: string;
  /** The person the token acts for: Patient/…, RelatedPerson/… or Practitioner/…. */
  readonly actor?: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly patient?: string;
  /** Granted scopes (never a token value). */
  readonly scope?: string;
  /** The OAuth error code of a refusal (e.g. invalid_grant). */
  readonly error?: string;
  readonly clientAddress?: string;
  readonly portalName: string;
}

const tokenEventSystem = 'https://puente.example.org/fhir/CodeSystem/token-event';

/**
 * An authorization-server event in the shape of BALP / IHE IUA "Get Access Token" (ITI-71): type DCM
 * 110114 User Authentication for issuance and refresh, DCM 110113 Security Alert for revocation and
 * detected refresh-token reuse; agents are the person (when there is one) and the app; entities are the
 * patient (when there is one) and the request's grant type, scope and error. Token values never appear.
 */
export function tokenAuditEvent(input: TokenAuditInput): AuditEvent & { id: string } {
  const alert = input.event === 'token-revoked' || input.event === 'revocation-refused' || input.event === 'refresh-token-reuse' || input.event === 'app-disconnected';
  const agent: AuditEventAgent[] = [
    ...(input.actor || input.accountId
      ? [
          {
            type: { coding: [{ system: balpAgentType, code: 'humanuser', display: 'human user' }] },
            requestor: true,
            ...(input.actor ? { who: { reference: input.actor } } : {}),
            ...(input.accountId ? { altId: input.accountId } : {}),
            ...(input.clientAddress ? { network: { address: input.clientAddress, type: '2' as const } } : {}),
          },
        ]
      : []),
    {
      type: { coding: [{ system: dcm, code: '110150', display: 'Application' }] },
      // Without a person (backend services, or an unknown caller) the app is the requestor.
      requestor: !(input.actor || input.accountId),
      who: input.clientId ? { identifier: { system: 'urn:puente:client-id', value: input.clientId } } : { display: 'unidentified client' },
      ...(!(input.actor || input.accountId) && input.clientAddress ? { network: { address: input.clientAddress, type: '2' as const } } : {}),
    },
  ];
  const detail = [
    ...(input.grantType ? [{ type: 'grant_type', valueString: input.grantType }] : []),
    ...(input.scope ? [{ type: 'scope', valueString: input.scope }] : []),
    ...(input.error ? [{ type: 'error', valueString: input.error }] : []),
  ];
  const entity: AuditEventEntity[] = [
    ...(input.patient ? [{ what: { reference: input.patient }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' } }] : []),
    { type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' }, ...(detail.length > 0 ? { detail } : {}) },
  ];
  const issuance = input.event === 'token-issued' || input.event === 'token-refreshed' || input.event === 'token-refused';
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: alert ? { system: dcm, code: '110113', display: 'Security Alert' } : { system: dcm, code: '110114', display: 'User Authentication' },
    subtype: [...(issuance ? [{ system: 'urn:ihe:event-type-code', code: 'ITI-71', display: 'Get Access Token' }] : []), { system: tokenEventSystem, code: input.event }],
    action: input.event === 'token-revoked' || input.event === 'app-disconnected' ? 'D' : 'E',
    recorded: new Date().toISOString(),
    outcome: input.outcome,
    agent,
    source: { observer: { display: input.portalName }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity,
  };
}

export interface ExportAuditInput {
  /** Who downloaded: the signed-in person's fhirUser (Patient/… or RelatedPerson/…). */
  readonly actor: string;
  /** The patient whose record was exported (Patient/…). */
  readonly patient: string;
  /** What was produced, e.g. "C-CDA R2.1 CCD" or "FHIR R4 Bundle (collection)". */
  readonly format: string;
  readonly mimeType: string;
  /** The covered dates (inclusive), either end open; absent: the whole record. */
  readonly range?: { readonly from?: string; readonly to?: string };
  /** The one visit the document covers (Encounter/…), when one was chosen. */
  readonly visit?: string;
  readonly language?: string;
  readonly clientAddress: string;
  readonly portalName: string;
}

/**
 * A download of the patient's record (ONC (e)(1) "download"), as DICOM 110106 Export in the BALP shape:
 * the person as requesting agent, the portal as source, the patient as entity (role Patient) and what was
 * produced as a second entity (role Report) whose description and details say the format, range and language.
 */
export function exportAuditEvent(input: ExportAuditInput): AuditEvent & { id: string } {
  const range = input.range?.from || input.range?.to ? `${input.range.from ?? ''}/${input.range.to ?? ''}` : 'all';
  const detail = [
    { type: 'format', valueString: input.format },
    { type: 'mimeType', valueString: input.mimeType },
    { type: 'range', valueString: range },
    ...(input.visit ? [{ type: 'visit', valueString: input.visit }] : []),
    ...(input.language ? [{ type: 'language', valueString: input.language }] : []),
  ];
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: dcm, code: '110106', display: 'Export' },
    action: 'R',
    recorded: new Date().toISOString(),
    outcome: '0',
    agent: [humanRequestor(input.actor, input.clientAddress)],
    source: applicationServer(input.portalName),
    entity: patientAndReport(input.patient, `${input.format}, ${range === 'all' ? 'whole record' : `dates ${range}`}`, detail),
  };
}

/** The signed-in person who asked, as BALP's human-user requesting agent with their network address. */
const humanRequestor = (actor: string, clientAddress: string): AuditEventAgent => ({
  type: { coding: [{ system: balpAgentType, code: 'humanuser', display: 'human user' }] },
  requestor: true,
  who: { reference: actor },
  network: { address: clientAddress, type: '2' },
});

const applicationServer = (portalName: string): AuditEvent['source'] => ({
  observer: { display: portalName },
  type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
});

/** An Export's two entities: the patient (role Patient) and what was produced (role Report) with its details. */
const patientAndReport = (patient: string, description: string, detail: AuditEventEntity['detail']): AuditEventEntity[] => [
  {
    what: { reference: patient },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  },
  {
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
    description,
    detail,
  },
];

/** How the record left the portal for someone outside it (the subtype of a transmission's Export event). */
export type TransmitMethod = 'direct' | 'email' | 'share-link' | 'share-link-opened';
export const transmitEventSystem = 'https://puente.example.org/fhir/CodeSystem/transmit-event';

export interface TransmitAuditInput {
  /** Who sent or shared: Patient/… or RelatedPerson/…; for an opened share link, absent (the opener is outside the portal). */
  readonly actor?: string;
  readonly patient: string;
  readonly method: TransmitMethod;
  /** Where it went: the Direct or email address, or the name the viewer of a share link gave. */
  readonly addressee: string;
  /** What was sent, in the audit's words (the producers' formats). */
  readonly formats: readonly string[];
  readonly range?: { readonly from?: string; readonly to?: string };
  readonly visit?: string;
  readonly language?: string;
  /** The share link's id (never its key), so openings and the link can be told apart in the log. */
  readonly shareLink?: string;
  readonly clientAddress: string;
  readonly portalName: string;
}

/**
 * A transmission of the patient's record (ONC (e)(1) "transmit" and its addressee) as DICOM 110106 Export
 * in the BALP shape, with a subtype naming the method. The addressee is a second agent in the DICOM
 * "Destination Role ID" role, named by display only: outside doctors are not resources in this FHIR server.
 * An opened share link is the same event with the opener (the `recipient` they typed) as the destination
 * and no portal user as requestor.
 */
export function transmitAuditEvent(input: TransmitAuditInput): AuditEvent & { id: string } {
  const range = input.range?.from || input.range?.to ? `${input.range.from ?? ''}/${input.range.to ?? ''}` : 'all';
  const detail = [
    ...input.formats.map((format) => ({ type: 'format', valueString: format })),
    { type: 'range', valueString: range },
    { type: 'addressee', valueString: input.addressee },
    ...(input.visit ? [{ type: 'visit', valueString: input.visit }] : []),
    ...(input.language ? [{ type: 'language', valueString: input.language }] : []),
    ...(input.shareLink ? [{ type: 'shareLink', valueString: input.shareLink }] : []),
  ];
  const destination: AuditEventAgent = {
    type: { coding: [{ system: dcm, code: '110152', display: 'Destination Role ID' }] },
    requestor: input.actor === undefined,
    who: { display: input.addressee },
    ...(input.actor === undefined ? { network: { address: input.clientAddress, type: '2' as const } } : {}),
  };
  const agent: AuditEventAgent[] = input.actor ? [humanRequestor(input.actor, input.clientAddress), destination] : [destination];
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: dcm, code: '110106', display: 'Export' },
    subtype: [{ system: transmitEventSystem, code: input.method }],
    action: 'R',
    recorded: new Date().toISOString(),
    outcome: '0',
    agent,
    source: applicationServer(input.portalName),
    entity: patientAndReport(input.patient, `${input.formats.join(', ')}, ${range === 'all' ? 'whole record' : `dates ${range}`}, ${input.method}`, detail),
  };
}
