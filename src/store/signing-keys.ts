/**
 * The authorization server's signing keys live in the store so that every replica signs and
 * publishes the same keys, and a restart does not invalidate issued id_tokens.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { Queryable } from './db.ts';

export async function loadOrCreateSigningKeys(db: Queryable): Promise<JsonWebKey[]> {
  const existing = await db.query<{ jwk: JsonWebKey }>('SELECT jwk FROM signing_keys ORDER BY created_at DESC');
  if (existing.rows.length > 0) return existing.rows.map((r) => r.jwk);
  // RS256 is what SMART App Launch 2.2 requires every server to support for id_tokens.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  // Two replicas starting together: the first insert wins and both read it back.
  await db.query('INSERT INTO signing_keys (kid, jwk) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)', [jwk.kid, JSON.stringify(jwk)]);
  return (await db.query<{ jwk: JsonWebKey }>('SELECT jwk FROM signing_keys ORDER BY created_at DESC')).rows.map((r) => r.jwk);
}
