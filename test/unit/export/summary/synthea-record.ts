/**
 * A data/synthea patient behind the in-memory record client (test/unit/record/fake-record.ts), with the
 * few search parameters the record loaders send answered the way the facade and HAPI answer them: the
 * bundle's urn:uuid references become Type/id (as HAPI stores a transaction), `category`, `code`,
 * `status` and `date` (ge, gt, le, lt on the written day) filter, `_sort` orders, `_include` brings the
 * referenced resources, and `_count` × pages cuts the matches short (`complete: false`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Appointment, Bundle, CareTeam, CodeableConcept, Encounter, MedicationRequest, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { fromRoot } from '../../../../scripts/lib/paths.ts';
import type { RecordClient, SearchResult } from '../../../../src/record/record-client.ts';
import { fakeRecord } from '../../record/fake-record.ts';

export interface SyntheaPatient {
  readonly patient: Patient;
  readonly resources: readonly Resource[];
  /** Every resource by Type/id. */
  readonly byReference: ReadonlyMap<string, Resource>;
}

export const syntheaFile = (prefix: string): string => {
  const file = readdirSync(fromRoot('data/synthea')).find((name) => name.startsWith(`${prefix}_`) && name.endsWith('.json'));
  if (!file) throw new Error(`data/synthea has no ${prefix} bundle`);
  return file;
};

const cache = new Map<string, SyntheaPatient>();

/** The bundle's resources with urn:uuid references rewritten to Type/id. */
export function readSynthea(prefix: string): SyntheaPatient {
  const cached = cache.get(prefix);
  if (cached) return cached;
  const bundle = JSON.parse(readFileSync(fromRoot('data/synthea', syntheaFile(prefix)), 'utf8')) as Bundle;
  const typeOf = new Map<string, string>();
  for (const entry of bundle.entry ?? []) if (entry.fullUrl && entry.resource) typeOf.set(entry.fullUrl, `${entry.resource.resourceType}/${entry.resource.id}`);
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, key === 'reference' && typeof inner === 'string' ? (typeOf.get(inner) ?? inner) : rewrite(inner)]),
      );
    }
    return value;
  };
  const loaded = patientRecord((bundle.entry ?? []).map((entry) => rewrite(entry.resource) as Resource));
  cache.set(prefix, loaded);
  return loaded;
}

/** A record from resources already in Type/id form (a hand-made record); the Patient is made up when absent. */
export function patientRecord(resources: readonly Resource[]): SyntheaPatient {
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient') ?? { resourceType: 'Patient', id: 'p1' };
  return { patient, resources, byReference: new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r])) };
}

/** The date each searched type is searched and sorted by (R4 search parameter `date`, MedicationRequest `authoredon`). */
function dateOf(resource: Resource): string | undefined {
  switch (resource.resourceType) {
    case 'Observation':
    case 'DiagnosticReport':
      return resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued;
    case 'Encounter':
    case 'CarePlan':
    case 'CareTeam':
      return resource.period?.start;
    case 'Procedure':
      return resource.performedDateTime ?? resource.performedPeriod?.start;
    case 'Immunization':
      return resource.occurrenceDateTime;
    case 'MedicationRequest':
      return resource.authoredOn;
    case 'Appointment':
      return resource.start;
    case 'DocumentReference':
      return resource.date;
    default:
      return undefined;
  }
}

/** What `_include=Type:param` follows, for the includes the loaders ask for. */
const includes: Record<string, (r: Resource) => (Reference | undefined)[]> = {
  'MedicationRequest:medication': (r) => [(r as MedicationRequest).medicationReference],
  'Encounter:participant': (r) => ((r as Encounter).participant ?? []).map((p) => p.individual),
  'Encounter:location': (r) => ((r as Encounter).location ?? []).map((l) => l.location),
  'Encounter:service-provider': (r) => [(r as Encounter).serviceProvider],
  'CareTeam:participant': (r) => ((r as CareTeam).participant ?? []).map((p) => p.member),
  'Appointment:actor': (r) => ((r as Appointment).participant ?? []).map((p) => p.actor),
};

/** The codes (`code` and `system|code`) of a resource's CodeableConcept element, one or many. */
function tokens(resource: Resource, element: 'category' | 'code'): Set<string> {
  const value = (resource as unknown as Record<string, CodeableConcept | CodeableConcept[] | undefined>)[element];
  const found = new Set<string>();
  for (const concept of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
    for (const coding of concept.coding ?? []) {
      if (coding.code) {
        found.add(coding.code);
        found.add(`${coding.system}|${coding.code}`);
      }
    }
  }
  return found;
}

function matches(resource: Resource, params: URLSearchParams): boolean {
  const category = params.get('category');
  if (category && !tokens(resource, 'category').has(category)) return false;
  const code = params.get('code');
  if (code && !code.split(',').some((wanted) => tokens(resource, 'code').has(wanted))) return false;
  const status = params.get('status');
  if (status && (resource as { status?: string }).status !== status) return false;
  for (const condition of params.getAll('date')) {
    const [, prefix, day = ''] = /^(ge|gt|le|lt)?(.*)$/.exec(condition)!;
    const written = dateOf(resource)?.slice(0, 10);
    if (!written) return false;
    if (prefix === 'ge' && !(written >= day)) return false;
    if (prefix === 'gt' && !(written > day)) return false;
    if (prefix === 'le' && !(written <= day)) return false;
    if (prefix === 'lt' && !(written < day)) return false;
    if (!prefix && written !== day) return false;
  }
  return true;
}

/** Pages the real client follows by default (record/record-client.ts). */
const defaultMaxPages = 10;

export function syntheaRecord(patient: SyntheaPatient): RecordClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    patient: patient.patient.id!,
    proxy: undefined,
    asked,
    read: <T extends Resource>(path: string) => fakeRecord(patient.resources).read<T>(path),
    async search<T extends Resource>(path: string, options: { maxPages?: number } = {}): Promise<SearchResult<T>> {
      asked.push(path);
      const [type, query = ''] = path.split('?');
      const params = new URLSearchParams(query);
      let found = patient.resources.filter((r) => r.resourceType === type && matches(r, params));
      const sort = params.get('_sort');
      if (sort) {
        const descending = sort.startsWith('-');
        found = [...found].sort((a, b) => (dateOf(a) ?? '').localeCompare(dateOf(b) ?? '') * (descending ? -1 : 1));
      }
      const limit = Number(params.get('_count') ?? 100) * (options.maxPages ?? defaultMaxPages);
      const shown = found.slice(0, limit);
      const included = new Map<string, Resource>();
      for (const include of params.getAll('_include')) {
        for (const resource of shown) {
          for (const reference of includes[include]?.(resource) ?? []) {
            const target = reference?.reference ? patient.byReference.get(reference.reference) : undefined;
            if (target) included.set(reference!.reference!, target);
          }
        }
      }
      // The shared fake answers with matches of the type and everything else as included.
      const answer = await fakeRecord([...shown, ...included.values()], { complete: () => found.length <= limit }).search<T>(path);
      return answer;
    },
  };
}
