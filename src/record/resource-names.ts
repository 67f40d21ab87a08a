/** Names of the people and places a record refers to, from the resources a search included. */
import type { Location, Organization, Practitioner, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';

export function namesOf(resources: readonly Resource[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id}`;
    if (resource.resourceType === 'Practitioner' || resource.resourceType === 'RelatedPerson' || resource.resourceType === 'Patient') {
      const person = resource as Practitioner | RelatedPerson;
      const name = person.name?.[0];
      const full = [...(name?.prefix ?? []), displayName(person.name), ...(name?.suffix ?? [])].filter(Boolean).join(' ');
      if (full) names.set(key, name?.text ?? full);
    } else if (resource.resourceType === 'Organization' || resource.resourceType === 'Location') {
      const name = (resource as Organization | Location).name;
      if (name) names.set(key, name);
    }
  }
  return names;
}
