/**
 * One read per row per request at the token endpoint. A code exchange or refresh used to read the same
 * rows several times: the account in oidc-provider's findAccount, again in extraTokenClaims and again in
 * the token audit; the grant's launch context in extraTokenClaims and again in the SMART token response;
 * the account's reach for the grant's patient and again for its fhirUser. The steps of one request now
 * share what the first of them read. A step run outside a request (oidc-provider passes no context when a
 * token is saved outside one) reads afresh each time. Nothing outlives the request (the
 * reads are keyed by its context object and dropped with it), so every exchange still reads the current
 * rows (DESIGN.md security model 8); nothing in one exchange writes these rows between the steps.
 */
import type { Db } from '../store/db.ts';
import { findAccount, type AccountRow } from '../store/accounts.ts';
import { findGrantContext, type GrantContext } from '../store/launch-context.ts';
import { reachOf, type Reach } from '../access/reach.ts';

export interface RequestReads {
  /** The account row, read at most once for this request. */
  account(ctx: object | undefined, accountId: string): Promise<AccountRow | undefined>;
  /** The launch context a grant was made with, read at most once for this request. */
  grantContext(ctx: object | undefined, grantId: string): Promise<GrantContext | undefined>;
  /** The patients the account acts for (src/access/reach.ts; a staff account's by staff rules), read at most once for this request. */
  reach(ctx: object | undefined, accountId: string): Promise<Reach>;
}

interface Kept {
  readonly accounts: Map<string, Promise<AccountRow | undefined>>;
  readonly grantContexts: Map<string, Promise<GrantContext | undefined>>;
  readonly reaches: Map<string, Promise<Reach>>;
}

const nothingKept = (): Kept => ({ accounts: new Map(), grantContexts: new Map(), reaches: new Map() });

/** Made once per provider (the composition root's instance); keeps nothing beyond each request's lifetime. */
export function createRequestReads(db: Db): RequestReads {
  const byRequest = new WeakMap<object, Kept>();
  const kept = (ctx: object | undefined): Kept => {
    if (ctx === undefined) return nothingKept();
    const existing = byRequest.get(ctx);
    if (existing) return existing;
    const entry = nothingKept();
    byRequest.set(ctx, entry);
    return entry;
  };
  const once = <T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let value = map.get(key);
    if (!value) {
      value = read();
      map.set(key, value);
      // A failed read is not kept: a later step asks the store again.
      value.catch(() => map.delete(key));
    }
    return value;
  };
  const reads: RequestReads = {
    account: (ctx, accountId) => once(kept(ctx).accounts, accountId, () => findAccount(db, accountId)),
    grantContext: (ctx, grantId) => once(kept(ctx).grantContexts, grantId, () => findGrantContext(db, grantId)),
    // Staff reach by staff rules (practice-wide, no one patient); the kind comes from this request's account read.
    reach: (ctx, accountId) =>
      once(kept(ctx).reaches, accountId, async () => reachOf(db, { kind: 'user', accountId, staff: (await reads.account(ctx, accountId))?.kind === 'staff' })),
  };
  return reads;
}
