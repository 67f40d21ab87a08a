/**
 * One read per row per request at the token endpoint. A code exchange or refresh used to read the same
 * rows several times: the account in oidc-provider's findAccount, again in extraTokenClaims and again in
 * the token audit; the grant's launch context in extraTokenClaims and again in the SMART token response.
 * The steps of one request now share what the first of them read. Nothing outlives the request (the
 * reads are keyed by its context object and dropped with it), so every exchange still reads the current
 * rows (DESIGN.md security model 8); nothing in one exchange writes these rows between the steps.
 */
import type { Db } from '../store/db.ts';
import { findAccount, type AccountRow } from '../store/accounts.ts';
import { findGrantContext, type GrantContext } from '../store/launch-context.ts';

export interface RequestReads {
  /** The account row, read at most once for this request. */
  account(ctx: object, accountId: string): Promise<AccountRow | undefined>;
  /** The launch context a grant was made with, read at most once for this request. */
  grantContext(ctx: object, grantId: string): Promise<GrantContext | undefined>;
}

interface Kept {
  readonly accounts: Map<string, Promise<AccountRow | undefined>>;
  readonly grantContexts: Map<string, Promise<GrantContext | undefined>>;
}

/** Made once per provider (the composition root's instance); keeps nothing beyond each request's lifetime. */
export function createRequestReads(db: Db): RequestReads {
  const byRequest = new WeakMap<object, Kept>();
  const kept = (ctx: object): Kept => {
    const existing = byRequest.get(ctx);
    if (existing) return existing;
    const entry: Kept = { accounts: new Map(), grantContexts: new Map() };
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
  return {
    account: (ctx, accountId) => once(kept(ctx).accounts, accountId, () => findAccount(db, accountId)),
    grantContext: (ctx, grantId) => once(kept(ctx).grantContexts, grantId, () => findGrantContext(db, grantId)),
  };
}
