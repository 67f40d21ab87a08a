/** Documents (DocumentReference), including the signed portal authorization; attachments download through the facade. */
import type { DocumentReference } from '@medplum/fhirtypes';
import { conceptText, dateText, referenceText } from './format.ts';
import { downloadableAttachment } from './attachments.ts';
import { namesOf } from './resource-names.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

export const documentTitle = (d: DocumentReference): string => d.description ?? (conceptText(d.type) || d.content?.[0]?.attachment?.title || d.id || '');

export async function loadDocuments({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches, included } = await record.search<DocumentReference>(`DocumentReference?patient=${record.patient}&_count=100&_sort=-date`);
  const names = namesOf(included);
  const shown = newestFirst(
    matches.filter((d) => d.status === 'current'),
    (d) => d.date,
  );
  const items = shown.map((d) => ({
    title: documentTitle(d),
    facts: facts(
      { label: fmt.t('fact.date'), value: dateText(fmt, d.date) },
      { label: fmt.t('fact.category'), value: conceptText(d.type) },
      {
        label: fmt.t('fact.author'),
        value: (d.author ?? [])
          .map((a) => referenceText(a, names))
          .filter(Boolean)
          .join(', '),
      },
    ),
    ...(downloadableAttachment(d) ? { link: { href: `/documents/${d.id}`, text: fmt.t('home.download') } } : {}),
  }));
  return [{ heading: fmt.t('documents.list'), items, empty: fmt.t('documents.none') }];
}
