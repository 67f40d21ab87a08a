/**
 * The record pages' banner (whose record, born when, read by whom) kept for a minute per replica, so a
 * page view costs the facade its own searches and not also a Patient read (and that read's AuditEvent):
 * the banner read was a third of the facade calls of the record pages under `npm run load`.
 *
 * Safe because a kept banner is shown only after the page's own data came back from the facade with the
 * same session's token for the same patient (record-page-context.ts): a token that is refused, a
 * family member whose access ended, a patient outside reach, all fail there first, whatever is kept.
 * The key is the patient and the proxy reading it, so a banner is only ever shown to someone who may
 * read that patient as that person. A renamed patient shows the new name within a minute.
 */
import type { BannerPatient } from './views/record/record-layout.ts';

export interface BannerCache {
  get(patient: string, proxy: string | undefined): BannerPatient | undefined;
  set(patient: string, proxy: string | undefined, banner: BannerPatient): void;
}

export function createBannerCache(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): BannerCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const kept = new Map<string, { banner: BannerPatient; until: number }>();
  const key = (patient: string, proxy: string | undefined) => `${patient}|${proxy ?? ''}`;
  return {
    get(patient, proxy) {
      const entry = kept.get(key(patient, proxy));
      if (!entry) return undefined;
      if (entry.until <= now()) {
        kept.delete(key(patient, proxy));
        return undefined;
      }
      return entry.banner;
    },
    set(patient, proxy, banner) {
      const k = key(patient, proxy);
      kept.delete(k);
      // Oldest first out: a Map iterates in insertion order.
      if (kept.size >= maxEntries) kept.delete(kept.keys().next().value!);
      kept.set(k, { banner, until: now() + ttlMs });
    },
  };
}
