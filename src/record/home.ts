/** What's new on the home page: the latest results, the next appointments and the newest documents. */
import type { Appointment, DiagnosticReport, DocumentReference } from '@medplum/fhirtypes';
import { conceptText, dateText, dateTimeText } from './format.ts';
import { documentTitle } from './documents.ts';
import { downloadableAttachment } from './attachments.ts';
import type { SectionContext } from './section.ts';

export interface HomeLine {
  readonly title: string;
  readonly when: string;
  readonly href?: string;
}

export interface HomeModel {
  readonly results: readonly HomeLine[];
  readonly appointments: readonly HomeLine[];
  readonly documents: readonly HomeLine[];
}

export async function loadHome({ record, fmt, now }: SectionContext): Promise<HomeModel> {
  const today = now.toISOString().slice(0, 10);
  const [reports, appointments, documents] = await Promise.all([
    record.search<DiagnosticReport>(`DiagnosticReport?patient=${record.patient}&_count=3&_sort=-date`, { maxPages: 1 }),
    record.search<Appointment>(`Appointment?patient=${record.patient}&date=ge${today}&_count=3&_sort=date`, { maxPages: 1 }),
    record.search<DocumentReference>(`DocumentReference?patient=${record.patient}&status=current&_count=5&_sort=-date`, { maxPages: 1 }),
  ]);
  return {
    results: reports.matches.map((r) => ({ title: conceptText(r.code), when: dateText(fmt, r.effectiveDateTime ?? r.issued), href: '/record/results' })),
    appointments: appointments.matches
      .filter((a) => a.status !== 'cancelled' && a.status !== 'entered-in-error')
      .map((a) => ({ title: a.description ?? (conceptText(a.serviceType?.[0]) || fmt.t('appointments.untitled')), when: dateTimeText(fmt, a.start) })),
    documents: documents.matches.map((d) => ({
      title: documentTitle(d),
      when: dateText(fmt, d.date),
      ...(downloadableAttachment(d) ? { href: `/documents/${d.id}` } : {}),
    })),
  };
}
