/**
 * Family and caregivers in the store (migration 0009): the patient's invitations waiting to be accepted,
 * and the proxy links (account_patients) that cache each accepted RelatedPerson + Consent pair. The
 * links are what the one definition of reach (account_reach) reads; every write that ends or narrows one
 * moves the access epoch through account_patients' trigger (migration 0006), so it acts on the next request.
 */
import type { Queryable } from './db.ts';
import { deactivateDesignee } from './accounts.ts';

export interface NewFamilyInvitation {
  /** The invited person's account: the pending one made for this invitation, or the one that already held the email. */
  readonly accountId: string;
  /** The 'proxy' link of an invitation accepted signed in (an existing account); null when registration accepts it (migration 0011). */
  readonly link: string | null;
  readonly patient: string;
  readonly invitedBy: string;
  readonly name: string;
  readonly relationship: string;
  readonly email: string;
  readonly parts: readonly string[] | null;
  readonly endsAt: Date | null;
  readonly locale: 'es' | 'en';
  readonly relatedPerson: string;
  readonly consent: string;
  readonly document: string;
  readonly signature: string;
  readonly clientAddress: string;
  readonly now: Date;
}

export interface FamilyInvitationRow {
  readonly id: string;
  readonly account_id: string;
  readonly patient: string;
  readonly invited_by: string;
  readonly name: string;
  readonly relationship: string;
  readonly email: string;
  readonly parts: string[] | null;
  readonly ends_at: Date | null;
  readonly locale: 'es' | 'en';
  readonly related_person: string;
  readonly consent: string;
  readonly document: string;
  readonly signature: string;
  readonly client_address: string;
  readonly created_at: Date;
  readonly accepted_at: Date | null;
  readonly cancelled_at: Date | null;
  readonly link: string | null;
}

/** A FamilyInvitationRow's columns of family_invitations. */
const invitationColumnNames = [
  'id',
  'account_id',
  'patient',
  'invited_by',
  'name',
  'relationship',
  'email',
  'parts',
  'ends_at',
  'locale',
  'related_person',
  'consent',
  'document',
  'signature',
  'client_address',
  'created_at',
  'accepted_at',
  'cancelled_at',
  'link',
] as const satisfies readonly (keyof FamilyInvitationRow)[];
const invitationColumns = invitationColumnNames.join(', ');
/** The same columns of family_invitations aliased `f`, for queries that join it. */
const invitationColumnsOfF = invitationColumnNames.map((column) => `f.${column}`).join(', ');

export async function insertFamilyInvitation(db: Queryable, row: NewFamilyInvitation): Promise<string> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO family_invitations (account_id, patient, invited_by, name, relationship, email, parts, ends_at, locale, related_person, consent, document, signature, client_address, created_at, link)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
    [
      row.accountId,
      row.patient,
      row.invitedBy,
      row.name,
      row.relationship,
      row.email.toLowerCase(),
      row.parts ? [...row.parts] : null,
      row.endsAt,
      row.locale,
      row.relatedPerson,
      row.consent,
      row.document,
      row.signature,
      row.clientAddress,
      row.now,
      row.link,
    ],
  );
  return result.rows[0]!.id;
}

/**
 * The open (not accepted, not cancelled) family invitation a pending account's registration accepts; `forUpdate`
 * locks it for the acceptance. Invitations to be accepted signed in (with their own link) are not among them: a
 * pending account invited by a second patient registers for the first, then signs in to accept the second.
 */
export async function openFamilyInvitationOf(db: Queryable, accountId: string, forUpdate = false): Promise<FamilyInvitationRow | undefined> {
  const result = await db.query<FamilyInvitationRow>(
    `SELECT ${invitationColumns} FROM family_invitations WHERE account_id = $1 AND link IS NULL AND accepted_at IS NULL AND cancelled_at IS NULL
      ORDER BY created_at DESC LIMIT 1${forUpdate ? ' FOR UPDATE' : ''}`,
    [accountId],
  );
  return result.rows[0];
}

/** The family invitation emailed with this 'proxy' link (accepted signed in), open or not; `forUpdate` locks it. */
export async function familyInvitationByLink(db: Queryable, linkId: string, forUpdate = false): Promise<FamilyInvitationRow | undefined> {
  const result = await db.query<FamilyInvitationRow>(`SELECT ${invitationColumns} FROM family_invitations WHERE link = $1${forUpdate ? ' FOR UPDATE' : ''}`, [linkId]);
  return result.rows[0];
}

/** An open invitation with the emailed link that carries it now (the newest, after "send again"). */
export interface OpenFamilyInvitationRow extends FamilyInvitationRow {
  /** When that link was emailed, and until when it works; null when there is no link at all. */
  readonly link_sent_at: Date | null;
  readonly link_expires_at: Date | null;
  /** The link was used, voided (email change, deactivation, "send again") or frozen (wrong dates of birth). */
  readonly link_closed: boolean;
}

/**
 * A patient's invitations still waiting for the invited person (newest first), each with its link: the 'proxy'
 * link it names, or (link NULL) the newest registration link of the pending account made for it.
 */
export async function openFamilyInvitationsFor(db: Queryable, patient: string): Promise<OpenFamilyInvitationRow[]> {
  return (
    await db.query<OpenFamilyInvitationRow>(
      `SELECT ${invitationColumnsOfF}, l.created_at AS link_sent_at, l.expires_at AS link_expires_at,
              COALESCE(l.consumed_at IS NOT NULL OR l.voided_at IS NOT NULL OR l.frozen_at IS NOT NULL, false) AS link_closed
         FROM family_invitations f
         LEFT JOIN LATERAL (
           SELECT i.created_at, i.expires_at, i.consumed_at, i.voided_at, i.frozen_at FROM invitations i
            WHERE i.id = f.link OR (f.link IS NULL AND i.account_id = f.account_id AND i.purpose = 'registration')
            ORDER BY i.created_at DESC LIMIT 1) l ON true
        WHERE f.patient = $1 AND f.accepted_at IS NULL AND f.cancelled_at IS NULL ORDER BY f.created_at DESC`,
      [patient],
    )
  ).rows;
}

/** Whether an open invitation's link can still be used: an invitation whose link expired no longer holds its email. */
export const invitationLinkWorks = (row: OpenFamilyInvitationRow, now: Date): boolean => !!row.link_expires_at && row.link_expires_at > now && !row.link_closed;

/** Whether a family link still gives access at `now`: not ended, and before its end date (account_reach's link conditions, on a row already read). */
export const isLiveFamilyLink = (row: Pick<FamilyLinkRow, 'revoked_at' | 'ends_at'>, now: Date): boolean => !row.revoked_at && (!row.ends_at || row.ends_at > now);

/** One of the patient's open invitations, locked for the caller's transaction (cancel, send again). */
export async function lockOpenFamilyInvitation(tx: Queryable, id: string, patient: string): Promise<FamilyInvitationRow | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const result = await tx.query<FamilyInvitationRow>(
    `SELECT ${invitationColumns} FROM family_invitations WHERE id = $1 AND patient = $2 AND accepted_at IS NULL AND cancelled_at IS NULL FOR UPDATE`,
    [id, patient],
  );
  return result.rows[0];
}

/** Points an invitation at the link just emailed for it ('proxy'), or at none (NULL: the pending account's registration link). */
export async function setFamilyInvitationLink(tx: Queryable, id: string, link: string | null): Promise<void> {
  await tx.query('UPDATE family_invitations SET link = $2 WHERE id = $1', [id, link]);
}

/** Whether another open invitation (not this one) waits for this account's registration. */
export async function otherInvitationAwaitsRegistration(tx: Queryable, accountId: string, exceptId: string): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM family_invitations WHERE account_id = $1 AND id <> $2 AND link IS NULL AND accepted_at IS NULL AND cancelled_at IS NULL', [
    accountId,
    exceptId,
  ]);
  return rows.rows.length > 0;
}

export async function markFamilyInvitationAccepted(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('UPDATE family_invitations SET accepted_at = $2 WHERE id = $1', [id, now]);
}

export async function cancelFamilyInvitation(db: Queryable, id: string, patient: string, now: Date): Promise<FamilyInvitationRow | undefined> {
  const result = await db.query<FamilyInvitationRow>(
    `UPDATE family_invitations SET cancelled_at = $3 WHERE id = $1 AND patient = $2 AND accepted_at IS NULL AND cancelled_at IS NULL RETURNING ${invitationColumns}`,
    [id, patient, now],
  );
  return result.rows[0];
}

export interface NewFamilyLink {
  readonly accountId: string;
  readonly patient: string;
  readonly relatedPerson: string;
  readonly consent: string;
  readonly parts: readonly string[] | null;
  readonly endsAt: Date | null;
  readonly name: string;
  readonly relationship: string;
  readonly now: Date;
}

/**
 * The cache row of an accepted RelatedPerson + Consent pair (a new link only widens reach: no epoch move needed).
 * Accepting again after access ended replaces the old row whole: the new Consent has no deny provisions, so
 * the conversations the patient kept from the old link are shared again (hidden_threads empty), as the Consent says.
 */
export async function insertFamilyLink(db: Queryable, link: NewFamilyLink): Promise<void> {
  await db.query(
    `INSERT INTO account_patients (account_id, patient, related_person, consent, parts, ends_at, name, relationship, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (account_id, patient) DO UPDATE SET related_person = $3, consent = $4, parts = $5, ends_at = $6, name = $7, relationship = $8,
       created_at = $9, revoked_at = NULL, ended_by = NULL, hidden_threads = '{}'`,
    [link.accountId, link.patient, link.relatedPerson, link.consent, link.parts ? [...link.parts] : null, link.endsAt, link.name, link.relationship, link.now],
  );
}

/**
 * A FamilyLinkRow's columns but last_access, from account_patients `l` joined to its account `a`; followed by the
 * last access (familyLinksOf) or by `noLastAccess` where it is not asked.
 */
const familyLinkColumns = 'l.account_id, l.patient, l.related_person, l.consent, l.parts, l.ends_at, l.name, l.relationship, l.created_at, l.revoked_at, l.ended_by, a.email';
const noLastAccess = 'NULL::timestamptz AS last_access';

export interface FamilyLinkRow {
  readonly account_id: string;
  readonly patient: string;
  readonly related_person: string | null;
  readonly consent: string | null;
  readonly parts: string[] | null;
  readonly ends_at: Date | null;
  readonly name: string | null;
  readonly relationship: string | null;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
  readonly ended_by: string | null;
  readonly email: string;
  readonly last_access: Date | null;
}

/**
 * Everyone who acts for a patient through a proxy link, live or ended (newest first), with the time of
 * their last audited access of this patient's record (the store's copy of the AuditEvents, agent = their RelatedPerson).
 */
export async function familyLinksOf(db: Queryable, patient: string): Promise<FamilyLinkRow[]> {
  return (
    await db.query<FamilyLinkRow>(
      `SELECT ${familyLinkColumns},
              (SELECT max(e.recorded_at) FROM audit_events e WHERE e.patient = l.patient AND e.agent = l.related_person) AS last_access
         FROM account_patients l JOIN accounts a ON a.id = l.account_id
        WHERE l.patient = $1 AND l.related_person IS NOT NULL
        ORDER BY l.created_at DESC`,
      [patient],
    )
  ).rows;
}

/**
 * Ends one link (the Consent becomes inactive); moves the access epoch. The ended row, if it was live. A
 * paper-form designee's account exists only to act for that patient (it reaches through accounts.patient),
 * so ending its link deactivates the account too, in the same statement's transaction.
 */
export async function endFamilyLink(db: Queryable, patient: string, relatedPerson: string, endedBy: string, now: Date): Promise<FamilyLinkRow | undefined> {
  await deactivateDesignee(db, patient, relatedPerson, now);
  const result = await db.query<FamilyLinkRow>(
    `UPDATE account_patients l SET revoked_at = $4, ended_by = $3 FROM accounts a
      WHERE a.id = l.account_id AND l.patient = $1 AND l.related_person = $2 AND l.revoked_at IS NULL
      RETURNING ${familyLinkColumns}, ${noLastAccess}`,
    [patient, relatedPerson, endedBy, now],
  );
  return result.rows[0];
}

/** Changes what a live link permits (NULL: everything); moves the access epoch. */
export async function setFamilyLinkParts(db: Queryable, patient: string, relatedPerson: string, parts: readonly string[] | null): Promise<boolean> {
  const result = await db.query('UPDATE account_patients SET parts = $3 WHERE patient = $1 AND related_person = $2 AND revoked_at IS NULL', [
    patient,
    relatedPerson,
    parts ? [...parts] : null,
  ]);
  return result.affectedRows > 0;
}

/** When an account's proxy access to a patient began: its family link, else (a paper-form designee) its account. */
export async function proxyGrantedAt(db: Queryable, accountId: string, patient: string): Promise<Date | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(accountId)) return undefined;
  const rows = await db.query<{ at: Date }>(
    `SELECT COALESCE((SELECT l.created_at FROM account_patients l WHERE l.account_id = a.id AND l.patient = $2), a.created_at) AS at
       FROM accounts a WHERE a.id = $1`,
    [accountId, patient],
  );
  return rows.rows[0]?.at;
}

/** Every live family link (not revoked, in period), with its member's email and language: the minors sweep's work list. */
export async function liveFamilyLinks(db: Queryable): Promise<(FamilyLinkRow & { locale: 'es' | 'en' })[]> {
  return (
    await db.query<FamilyLinkRow & { locale: 'es' | 'en' }>(
      `SELECT ${familyLinkColumns}, a.locale, ${noLastAccess}
         FROM account_patients l JOIN accounts a ON a.id = l.account_id
        WHERE l.related_person IS NOT NULL AND l.revoked_at IS NULL AND (l.ends_at IS NULL OR l.ends_at > now())`,
    )
  ).rows;
}

/** Whether the 30-day notice of the end at 18 was already sent for this family member and patient. */
export async function noticeRecorded(db: Queryable, patient: string, relatedPerson: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM audit_events WHERE patient = $1 AND agent = $2 AND resource->'subtype' @> '[{"code": "minor-age-notice"}]'::jsonb LIMIT 1`, [
    patient,
    relatedPerson,
  ]);
  return rows.rows.length > 0;
}

/** What the store holds now for a link's RelatedPerson (the family FHIR job's check that a change is still the latest). */
export async function familyLinkStateOf(db: Queryable, relatedPerson: string): Promise<{ parts: string[] | null; hidden_threads: string[]; revoked_at: Date | null } | undefined> {
  const rows = await db.query<{ parts: string[] | null; hidden_threads: string[]; revoked_at: Date | null }>(
    'SELECT parts, hidden_threads, revoked_at FROM account_patients WHERE related_person = $1 ORDER BY created_at DESC LIMIT 1',
    [relatedPerson],
  );
  return rows.rows[0];
}

/** Links past their end date and not yet ended in the store (so their FHIR pair is not yet ended either): the sweep ends each once. */
export async function expiredFamilyLinks(db: Queryable, now: Date): Promise<FamilyLinkRow[]> {
  return (
    await db.query<FamilyLinkRow>(
      `SELECT ${familyLinkColumns}, ${noLastAccess}
         FROM account_patients l JOIN accounts a ON a.id = l.account_id
        WHERE l.related_person IS NOT NULL AND l.revoked_at IS NULL AND l.ends_at <= $1`,
      [now],
    )
  ).rows;
}

/**
 * Locks a live link's row for the rest of the caller's transaction (true when it is still live): two sweeps
 * deciding about the same link take turns, and the second sees what the first committed.
 */
export async function lockLiveFamilyLink(tx: Queryable, patient: string, relatedPerson: string): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM account_patients WHERE patient = $1 AND related_person = $2 AND revoked_at IS NULL FOR UPDATE', [patient, relatedPerson]);
  return rows.rows.length > 0;
}
