/** Appointments: upcoming (soonest first) and past (newest first), with when, with whom and what for. */
import type { Appointment } from '@medplum/fhirtypes';
import { conceptText, dateTimeText, referenceText, statusText } from './format.ts';
import { namesOf } from './resource-names.ts';
import { facts, newestFirst, type RecordGroup, type SectionContext } from './section.ts';

const hidden = new Set(['entered-in-error']);

export async function loadAppointments({ record, fmt, now, practicePhone }: SectionContext): Promise<RecordGroup[]> {
  const { matches, included } = await record.search<Appointment>(`Appointment?patient=${record.patient}&_include=Appointment:actor&_count=100&_sort=-date`);
  const names = namesOf(included);
  const shown = matches.filter((a) => !hidden.has(a.status));
  const isUpcoming = (a: Appointment) => !!a.start && new Date(a.start) >= now && a.status !== 'cancelled' && a.status !== 'noshow' && a.status !== 'fulfilled';
  const item = (a: Appointment) => ({
    title: a.description ?? ((a.serviceType ?? []).map(conceptText).filter(Boolean)[0] || fmt.t('appointments.untitled')),
    ...(a.status === 'cancelled' ? { flag: statusText(fmt, 'cancelled') } : {}),
    facts: facts(
      { label: fmt.t('fact.time'), value: dateTimeText(fmt, a.start) },
      {
        label: fmt.t('fact.with'),
        value: (a.participant ?? [])
          .filter((p) => p.actor?.reference !== `Patient/${record.patient}` && !p.actor?.reference?.startsWith('Location/'))
          .map((p) => referenceText(p.actor, names))
          .filter(Boolean)
          .join(', '),
      },
      {
        label: fmt.t('fact.location'),
        value: (a.participant ?? [])
          .filter((p) => p.actor?.reference?.startsWith('Location/'))
          .map((p) => referenceText(p.actor, names))
          .join(', '),
      },
      { label: fmt.t('fact.status'), value: statusText(fmt, a.status) },
    ),
  });
  const upcoming = [...shown.filter(isUpcoming)].sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
  const past = newestFirst(
    shown.filter((a) => !isUpcoming(a)),
    (a) => a.start,
  );
  return [
    { heading: fmt.t('appointments.upcoming'), items: upcoming.map(item), empty: fmt.t('appointments.noneUpcoming', { phone: practicePhone }) },
    { heading: fmt.t('appointments.past'), items: past.map(item), empty: fmt.t('appointments.nonePast') },
  ];
}
