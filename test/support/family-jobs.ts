/**
 * Family access reaches FHIR through the outbox (kind 'family-fhir', src/proxies/family-fhir-job.ts): tests that
 * read the RelatedPerson or Consent after ending or changing access first let the worker deliver every such job.
 * The portal's own worker polls too, so this runs it and waits until none is left undelivered.
 */
import type { Context } from '../../src/context.ts';

export async function familyFhirDelivered(ctx: Pick<Context, 'db' | 'outbox'>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await ctx.outbox.runOnce();
    const left = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE kind = 'family-fhir' AND status IN ('pending', 'sending')");
    if (left.rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('family FHIR jobs still undelivered');
}
