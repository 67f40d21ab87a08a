/**
 * The record of one patient read for a staff member (release of information from the console): the same
 * `RecordClient` the downloads take from the patient's own token, but reading HAPI with the portal's system
 * client, since staff act for the practice and are not narrowed to a compartment. Every search is for the
 * one patient named here (the downloads' own queries), and paging follows only HAPI's own `next` links for
 * that search (FhirClient.nextPage), never another URL.
 */
import type { Resource, ResourceType } from '@medplum/fhirtypes';
import type { RecordClient, SearchResult } from '../record/record-client.ts';
import type { FhirClient, SearchParams } from '../store/fhir-client.ts';

const defaultMaxPages = 10;

/** `Type?a=1&b=2&b=3` as the system client's type and parameters (a repeated parameter as a list). */
function parseSearch(path: string): { type: ResourceType; params: SearchParams } {
  const [type = '', query = ''] = path.split('?', 2);
  const params: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) params[key] = [...(params[key] ?? []), value];
  return { type: type as ResourceType, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.length === 1 ? v[0]! : v])) };
}

export function createStaffRecordClient(fhir: FhirClient, patient: string): RecordClient {
  return {
    patient,
    proxy: undefined,
    read: <T extends Resource>(path: string) => {
      const [type = '', id = ''] = path.split('/');
      return fhir.read<T>(type as T['resourceType'], decodeURIComponent(id));
    },
    async search<T extends Resource>(path: string, options: { maxPages?: number } = {}): Promise<SearchResult<T>> {
      const { type, params } = parseSearch(path);
      const matches: T[] = [];
      const included: Resource[] = [];
      let bundle = await fhir.search<Resource>(type, params);
      for (let page = 1; ; page++) {
        for (const entry of bundle.entry ?? []) {
          if (!entry.resource) continue;
          if (entry.search?.mode !== 'include' && entry.resource.resourceType === type) matches.push(entry.resource as T);
          else included.push(entry.resource);
        }
        const hasNext = bundle.link?.some((link) => link.relation === 'next') ?? false;
        if (!hasNext) return { matches, included, complete: true };
        if (page >= (options.maxPages ?? defaultMaxPages)) return { matches, included, complete: false };
        const next = await fhir.nextPage(bundle);
        if (!next) return { matches, included, complete: false };
        bundle = next;
      }
    },
  };
}
