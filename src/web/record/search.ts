/**
 * The search box over the record: every list section and the test results are loaded in parallel
 * and matched, accent- and case-insensitively, on what the patient reads (titles and facts).
 */
import { foldText } from './format.ts';
import { loadResults } from './results.ts';
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
  const [lists, results] = await Promise.all([Promise.all(listSections.map((section) => section.load(ctx))), loadResults(ctx)]);
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
  for (const report of results.reports) {
    for (const row of report.rows) {
      if (foldText(`${row.name} ${report.title}`).includes(needle)) {
        hits.push({ section: ctx.fmt.t('section.results'), sectionHref: row.trendHref ?? '/record/results', title: row.name, detail: `${report.date} · ${row.value}` });
      }
    }
  }
  return hits;
}
