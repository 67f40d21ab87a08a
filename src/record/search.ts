/**
 * The search box over the record: every list section and the newest lab results are loaded in
 * parallel (one round trip each) and matched, accent- and case-insensitively, on what the patient
 * reads (titles and facts).
 */
import type { Observation } from '@medplum/fhirtypes';
import { conceptText, dateText, foldText } from './format.ts';
import { effectiveDate, resultCode, valueText } from './observation-values.ts';
import { trendHref } from './results.ts';
import type { SectionContext } from './section.ts';
import { listSections } from './sections.ts';

export interface SearchHit {
  readonly section: string;
  readonly sectionHref: string;
  readonly title: string;
  readonly detail: string;
}

export const minQueryLength = 2;

export async function searchRecord(ctx: SectionContext, query: string): Promise<SearchHit[]> {
  const needle = foldText(query.trim());
  if (needle.length < minQueryLength) return [];
  const [lists, labs] = await Promise.all([
    Promise.all(listSections.map((section) => section.load(ctx))),
    ctx.record.search<Observation>(`Observation?patient=${ctx.record.patient}&category=laboratory&_count=100&_sort=-date`, { maxPages: 1 }),
  ]);
  const hits: SearchHit[] = [];
  listSections.forEach((section, index) => {
    for (const group of lists[index]!) {
      for (const item of group.items) {
        // Only the words a patient reads are matched (never markup of rich facts).
        const words = item.facts.filter((f) => typeof f.value === 'string').map((f) => `${f.label}: ${f.value as string}`);
        if (foldText(`${item.title} ${words.join(' ')}`).includes(needle)) {
          hits.push({ section: ctx.fmt.t(section.titleKey), sectionHref: `/record/${section.slug}`, title: item.title, detail: words.slice(0, 2).join(' · ') });
        }
      }
    }
  });
  for (const o of labs.matches) {
    const name = conceptText(o.code);
    if (!foldText(name).includes(needle)) continue;
    const code = resultCode(o);
    hits.push({
      section: ctx.fmt.t('section.results'),
      sectionHref: code && o.valueQuantity ? trendHref(code) : '/record/results',
      title: name,
      detail: `${dateText(ctx.fmt, effectiveDate(o))} · ${valueText(ctx.fmt, o)}`,
    });
  }
  return hits;
}
