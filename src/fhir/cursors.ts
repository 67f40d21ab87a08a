/**
 * Paging belongs to the facade (DESIGN.md security model 5): HAPI's paging ids never reach a
 * client. A next/previous link carries an opaque cursor, HMAC-signed and bound to the account,
 * the patient, the client and the searched type (or the operation); every page is re-authorized and re-checked.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CursorBinding {
  readonly accountId: string;
  readonly patient: string;
  readonly clientId: string;
}

export interface CursorPage {
  readonly type: string;
  /** HAPI's `_getpages` id of a stored search (`$everything`); absent for an offset-mode search (src/fhir/offset-paging.ts). */
  readonly searchId?: string;
  /** An offset-mode search: the upstream query HAPI's paging link named, without `_offset`. */
  readonly query?: string;
  /** Where the page starts, and its size. */
  readonly offset: number;
  readonly count: number;
  /** Set when the pages are those of an operation (`Patient/{id}/$everything`), not of a search of `type`. */
  readonly operation?: 'everything';
  /** `$everything`'s `_since`, applied by the facade to every page (HAPI 8.8 ignores it). */
  readonly since?: string;
  /** `$everything`'s `start` / `end`, likewise applied by the facade to every page. */
  readonly start?: string;
  readonly end?: string;
}

interface Payload extends CursorBinding, CursorPage {
  readonly expires: number;
}

// HAPI keeps stored search results for 60 minutes; cursors die a little earlier (offset-mode ones too: one rule).
const lifetimeMs = 55 * 60_000;

export function createCursorCodec(secret: string) {
  const sign = (body: string) => createHmac('sha256', secret).update(`cursor:${body}`).digest('base64url');
  return {
    issue(binding: CursorBinding, page: CursorPage, now = Date.now()): string {
      const body = Buffer.from(JSON.stringify({ ...binding, ...page, expires: now + lifetimeMs } satisfies Payload)).toString('base64url');
      return `${body}.${sign(body)}`;
    },
    /** The page a cursor names, if it is authentic, unexpired and bound to exactly this caller; else undefined. */
    open(cursor: string, binding: CursorBinding, now = Date.now()): CursorPage | undefined {
      const [body, mac, extra] = cursor.split('.');
      if (!body || !mac || extra !== undefined) return undefined;
      const expected = Buffer.from(sign(body));
      const given = Buffer.from(mac);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let payload: Payload;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      } catch {
        return undefined;
      }
      const bound = payload.accountId === binding.accountId && payload.patient === binding.patient && payload.clientId === binding.clientId;
      if (!bound || payload.expires <= now) return undefined;
      return {
        type: payload.type,
        ...(typeof payload.searchId === 'string' ? { searchId: payload.searchId } : {}),
        ...(typeof payload.query === 'string' ? { query: payload.query } : {}),
        offset: payload.offset,
        count: payload.count,
        ...(payload.operation === 'everything' ? { operation: payload.operation } : {}),
        ...(typeof payload.since === 'string' ? { since: payload.since } : {}),
        ...(typeof payload.start === 'string' ? { start: payload.start } : {}),
        ...(typeof payload.end === 'string' ? { end: payload.end } : {}),
      };
    },
  };
}

export type CursorCodec = ReturnType<typeof createCursorCodec>;
