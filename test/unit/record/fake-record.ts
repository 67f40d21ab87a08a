/** An in-memory RecordClient for loader unit tests: answers searches from a list of resources by type and records what was asked. */
import type { Resource } from '@medplum/fhirtypes';
import { translate, type Locale, type MessageKey } from '../../../src/core/i18n/translate.ts';
import type { RecordClient, SearchResult } from '../../../src/record/record-client.ts';
import type { SectionContext } from '../../../src/record/section.ts';
import { dateFormatter } from '../../../src/core/fhir/dates.ts';

export function fakeRecord(resources: readonly Resource[], options: { complete?: (path: string) => boolean } = {}): RecordClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    patient: 'p1',
    proxy: undefined,
    asked,
    async read<T extends Resource>(path: string) {
      asked.push(path);
      const found = resources.find((r) => `${r.resourceType}/${r.id}` === path);
      if (!found) throw new Error(`not found: ${path}`);
      return found as T;
    },
    async search<T extends Resource>(path: string): Promise<SearchResult<T>> {
      asked.push(path);
      const type = path.split('?')[0];
      return {
        matches: resources.filter((r) => r.resourceType === type) as T[],
        included: resources.filter((r) => r.resourceType !== type),
        complete: options.complete?.(path) ?? true,
      };
    },
  };
}

export const sectionContext = (record: RecordClient, locale: Locale = 'en', now = new Date('2026-12-02T12:00:00Z')): SectionContext => ({
  record,
  fmt: { locale, t: (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params), dates: dateFormatter(locale, 'UTC') },
  now,
  practicePhone: '+1 555 0100',
});
