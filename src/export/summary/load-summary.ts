/**
 * The health summary: every section a patient needs to take to another doctor, read through the record
 * pages' own loaders (record/), so the summary says each thing exactly as the pages do: problems,
 * medications with their dosage in words, allergies with reactions and severity, test results with units,
 * reference ranges and the out-of-range word, vital signs, immunizations, procedures, visits, the care team,
 * and care plans with goals. Documents and appointments are not part of a clinical summary.
 *
 * A date range keeps the entries the rules in date-range.ts keep (the CCD's rules); the care team has no
 * dates and is always shown. A section whose reads were cut short says so in words (`incomplete`).
 * Sections load in parallel, one loader each, as the record search does.
 */
import type { MessageKey } from '../../core/i18n/translate.ts';
import type { RecordGroup, SectionContext } from '../../record/section.ts';
import { allSections, listSections } from '../../record/sections.ts';
import { checkRange, coversText, overlaps } from './date-range.ts';
import { summarizeResults } from './results-summary.ts';
import type { ListSummarySection, SummaryModel, SummaryRange, SummarySection, SummarySectionId } from './summary-model.ts';
import { trackedRecord } from './tracked-record.ts';
import { summarizeVitals } from './vitals-summary.ts';

/** The summary's sections, in the record menu's order (sections.ts). */
const summarySlugs: readonly SummarySectionId[] = ['problems', 'medications', 'allergies', 'results', 'vitals', 'immunizations', 'procedures', 'visits', 'care-team', 'care-plan'];

async function summarizeList(ctx: SectionContext, range: SummaryRange | undefined, id: SummarySectionId, title: string): Promise<ListSummarySection> {
  const { fmt } = ctx;
  const section = listSections.find((s) => s.slug === id)!;
  const tracked = trackedRecord(ctx.record);
  const groups = await section.load({ ...ctx, record: tracked.record });
  const read = groups.reduce((sum, group) => sum + group.items.length, 0);
  const kept = groups.map(
    (group): RecordGroup => ({
      heading: group.heading,
      items: group.items.filter((item) => overlaps(item.period, range)),
      empty: range ? fmt.t('healthSummary.noneInRange') : group.empty,
    }),
  );
  return {
    id,
    kind: 'list',
    title,
    incomplete: tracked.incomplete.length > 0 ? fmt.t('healthSummary.incomplete', { count: read }) : undefined,
    groups: kept,
  };
}

/**
 * Loads the summary in the language of `ctx.fmt`. `range` is checked first (`YYYY-MM-DD`, `from` ≤ `to`;
 * otherwise AppError bad_request, before anything is read).
 */
export async function loadSummary(ctx: SectionContext, range: SummaryRange | undefined): Promise<SummaryModel> {
  const checked = checkRange(range);
  const titleKeys = new Map<string, MessageKey>(allSections.map((s) => [s.slug, s.titleKey]));
  const sections: SummarySection[] = await Promise.all(
    summarySlugs.map((id) => {
      const title = ctx.fmt.t(titleKeys.get(id)!);
      if (id === 'results') return summarizeResults(ctx, checked, title);
      if (id === 'vitals') return summarizeVitals(ctx, checked, title);
      return summarizeList(ctx, checked, id, title);
    }),
  );
  return {
    locale: ctx.fmt.locale,
    range: checked,
    covers: coversText(ctx.fmt, checked),
    rangeRule: checked ? ctx.fmt.t('healthSummary.rangeRule') : undefined,
    sections,
    complete: sections.every((section) => section.incomplete === undefined),
  };
}
