/**
 * All SQL on share links (SMART Health Links, migration 0008): the link, its encrypted files and who
 * opened it. The decryption key is never here; the passcode only as a hash. "Live" means not revoked,
 * not disabled (passcode attempts used up) and not expired, checked in the same statement that acts.
 */
import type { Queryable } from './db.ts';

export interface NewShareLink {
  readonly id: string;
  readonly patient: string;
  readonly createdBy: string;
  readonly label: string;
  readonly passcodeHash: string;
  readonly attemptsLeft: number;
  readonly what: unknown;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  /** Compact JWE, in manifest order. */
  readonly files: readonly { readonly contentType: string; readonly jwe: string }[];
}

export interface LiveShareLink {
  readonly id: string;
  readonly patient: string;
  readonly passcodeHash: string;
  readonly attemptsLeft: number;
  readonly expiresAt: Date;
}

export interface StoredShareLinkFile {
  readonly position: number;
  readonly contentType: string;
  readonly jwe: string;
}

export interface PatientShareLink {
  readonly id: string;
  readonly label: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly disabledAt: Date | null;
  readonly what: unknown;
  /** Newest first. */
  readonly openings: readonly { readonly recipient: string; readonly at: Date }[];
}

const live = 'l.revoked_at IS NULL AND l.disabled_at IS NULL AND l.expires_at > $2';

/** The link and all its files in one statement, so it is atomic even outside a transaction. */
export async function insertShareLink(db: Queryable, link: NewShareLink): Promise<void> {
  await db.query(
    `WITH link AS (
       INSERT INTO share_links (id, patient, created_by, label, passcode_hash, attempts_left, what, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
       RETURNING id
     )
     INSERT INTO share_link_files (link_id, position, content_type, jwe)
     SELECT link.id, f.position, f.content_type, f.jwe
       FROM link, unnest($10::int[], $11::text[], $12::text[]) AS f (position, content_type, jwe)`,
    [
      link.id,
      link.patient,
      link.createdBy,
      link.label,
      link.passcodeHash,
      link.attemptsLeft,
      JSON.stringify(link.what ?? null),
      link.expiresAt,
      link.createdAt,
      link.files.map((_, i) => i),
      link.files.map((f) => f.contentType),
      link.files.map((f) => f.jwe),
    ],
  );
}

/** The link if it is live at `now`; undefined for unknown, expired, revoked and disabled alike. */
export async function readLiveShareLink(db: Queryable, id: string, now: Date): Promise<LiveShareLink | undefined> {
  const result = await db.query<{ id: string; patient: string; passcode_hash: string; attempts_left: number; expires_at: Date }>(
    `SELECT l.id, l.patient, l.passcode_hash, l.attempts_left, l.expires_at FROM share_links l WHERE l.id = $1 AND ${live}`,
    [id, now],
  );
  const row = result.rows[0];
  return row ? { id: row.id, patient: row.patient, passcodeHash: row.passcode_hash, attemptsLeft: row.attempts_left, expiresAt: new Date(row.expires_at) } : undefined;
}

/** A live link's files, in manifest order (empty when the link is not live). */
export async function readLiveShareLinkFiles(db: Queryable, id: string, now: Date): Promise<StoredShareLinkFile[]> {
  const result = await db.query<{ position: number; content_type: string; jwe: string }>(
    `SELECT f.position, f.content_type, f.jwe FROM share_link_files f JOIN share_links l ON l.id = f.link_id
      WHERE l.id = $1 AND ${live} ORDER BY f.position`,
    [id, now],
  );
  return result.rows.map((row) => ({ position: row.position, contentType: row.content_type, jwe: row.jwe }));
}

/** One file of a live link: a revoked, disabled or expired link's files are gone for every ticket. */
export async function readLiveShareLinkFile(db: Queryable, id: string, position: number, now: Date): Promise<StoredShareLinkFile | undefined> {
  const result = await db.query<{ position: number; content_type: string; jwe: string }>(
    `SELECT f.position, f.content_type, f.jwe FROM share_link_files f JOIN share_links l ON l.id = f.link_id
      WHERE l.id = $1 AND ${live} AND f.position = $3`,
    [id, now, position],
  );
  const row = result.rows[0];
  return row ? { position: row.position, contentType: row.content_type, jwe: row.jwe } : undefined;
}

/**
 * Counts one wrong passcode: a single UPDATE … RETURNING, so concurrent wrong guesses are serialized by
 * the row lock and can never take more than the attempts left. The link is disabled in the same
 * statement when the count reaches 0. Answers the attempts left, or undefined when the link was no
 * longer live (already disabled, revoked or expired).
 */
export async function recordPasscodeFailure(db: Queryable, id: string, now: Date): Promise<number | undefined> {
  const result = await db.query<{ attempts_left: number }>(
    `UPDATE share_links l
        SET attempts_left = l.attempts_left - 1,
            disabled_at = CASE WHEN l.attempts_left - 1 = 0 THEN $2::timestamptz ELSE NULL END
      WHERE l.id = $1 AND ${live} AND l.attempts_left > 0
      RETURNING l.attempts_left`,
    [id, now],
  );
  return result.rows[0]?.attempts_left;
}

/** Records who opened the link (the `recipient` the viewer gave), only while it is live; answers whether it was. */
export async function recordShareLinkOpening(db: Queryable, input: { id: string; recipient: string; now: Date }): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO share_link_openings (link_id, recipient, opened_at)
     SELECT l.id, $3::text, $2::timestamptz FROM share_links l WHERE l.id = $1 AND ${live}`,
    [input.id, input.now, input.recipient],
  );
  return result.affectedRows === 1;
}

/** A patient's links with their openings, newest link first. */
export async function listPatientShareLinks(db: Queryable, patient: string): Promise<PatientShareLink[]> {
  const result = await db.query<{
    id: string;
    label: string;
    created_by: string;
    created_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    disabled_at: Date | null;
    what: unknown;
    openings: { recipient: string; at: string }[];
  }>(
    `SELECT l.id, l.label, l.created_by, l.created_at, l.expires_at, l.revoked_at, l.disabled_at, l.what,
            COALESCE((SELECT json_agg(json_build_object('recipient', o.recipient, 'at', o.opened_at) ORDER BY o.opened_at DESC, o.id DESC)
                        FROM share_link_openings o WHERE o.link_id = l.id), '[]'::json) AS openings
       FROM share_links l WHERE l.patient = $1
      ORDER BY l.created_at DESC, l.id`,
    [patient],
  );
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return result.rows.map((row) => ({
    id: row.id,
    label: row.label,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    revokedAt: date(row.revoked_at),
    disabledAt: date(row.disabled_at),
    what: row.what,
    openings: (typeof row.openings === 'string' ? (JSON.parse(row.openings) as typeof row.openings) : row.openings).map((o) => ({
      recipient: o.recipient,
      at: new Date(o.at),
    })),
  }));
}

/** Revokes one of the patient's own links (never another patient's); true only when this call revoked it. */
export async function revokePatientShareLink(db: Queryable, input: { id: string; patient: string; now: Date }): Promise<boolean> {
  const result = await db.query('UPDATE share_links SET revoked_at = $3 WHERE id = $1 AND patient = $2 AND revoked_at IS NULL', [input.id, input.patient, input.now]);
  return result.affectedRows === 1;
}

/** Revokes every link of the patient not yet revoked; answers the ids revoked by this call. */
export async function revokeAllPatientShareLinks(db: Queryable, input: { patient: string; now: Date }): Promise<string[]> {
  const result = await db.query<{ id: string }>('UPDATE share_links SET revoked_at = $2 WHERE patient = $1 AND revoked_at IS NULL RETURNING id', [input.patient, input.now]);
  return result.rows.map((row) => row.id);
}
