/** The care team: each member with their role and how to reach them. */
import type { CareTeam, Practitioner, Resource } from '@medplum/fhirtypes';
import { conceptText, referenceText, statusText } from './format.ts';
import { namesOf } from './resource-names.ts';
import { facts, type RecordGroup, type RecordItem, type SectionContext } from './section.ts';

export async function loadCareTeam({ record, fmt }: SectionContext): Promise<RecordGroup[]> {
  const { matches, included } = await record.search<CareTeam>(`CareTeam?patient=${record.patient}&status=active&_include=CareTeam:participant&_count=50`);
  const names = namesOf(included);
  const byReference = new Map<string, Resource>(included.map((r) => [`${r.resourceType}/${r.id}`, r]));
  return matches
    .map((team) => {
      const members: RecordItem[] = (team.participant ?? [])
        // The patient is on their own care team; the page lists the people who care for them.
        .filter((p) => p.member?.reference !== `Patient/${record.patient}`)
        .map((p) => {
          const member = byReference.get(p.member?.reference ?? '') as Practitioner | undefined;
          const telecom = (member?.telecom ?? []).filter((c) => c.value && (c.system === 'phone' || c.system === 'email'));
          return {
            title: referenceText(p.member, names) || fmt.t('careTeam.unnamed'),
            facts: facts(
              { label: fmt.t('fact.role'), value: (p.role ?? []).map(conceptText).filter(Boolean).join(', ') },
              {
                label: fmt.t('fact.qualification'),
                value: (member?.qualification ?? [])
                  .map((q) => conceptText(q.code))
                  .filter(Boolean)
                  .join(', '),
              },
              { label: fmt.t('fact.contact'), value: telecom.map((c) => c.value!).join(', ') },
            ),
          };
        });
      return { heading: team.name ?? statusText(fmt, team.status), items: members, empty: fmt.t('careTeam.none') };
    })
    .concat(matches.length === 0 ? [{ heading: fmt.t('section.careTeam'), items: [], empty: fmt.t('careTeam.none') }] : []);
}
