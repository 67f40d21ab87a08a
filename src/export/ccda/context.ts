/**
 * What every section builder shares: the language and its labels, the practice's time zone, a way to
 * say dates in words, and a resolver for the references between the caller's resources.
 */
import type { Reference, Resource } from '@medplum/fhirtypes';
import { type DateFormatter, dateFormatter } from '../../core/fhir/dates.ts';
import { hl7Time, instantOf } from './hl7-time.ts';
import { type Label, labelsFor } from './labels.ts';
import type { CcdInput, CcdLanguage, CcdResource } from './model.ts';

export type CcdResourceType = CcdResource['resourceType'];
export type ResourceOf<K extends CcdResourceType> = Extract<CcdResource, { resourceType: K }>;

/**
 * The resource a reference names, when the caller gave it: contained (`#id`, looked up in `from`), relative or
 * absolute (`[base/]Type/id[/_history/v]`) or a transaction bundle's `urn:uuid:<id>`. Undefined otherwise.
 */
export type Resolve = <K extends CcdResourceType>(reference: Reference | undefined, type: K, from?: Resource) => ResourceOf<K> | undefined;

const literal = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export function createResolver(resources: readonly CcdResource[]): Resolve {
  const byTypeAndId = new Map<string, CcdResource>();
  const byId = new Map<string, CcdResource[]>();
  for (const resource of resources) {
    if (!resource.id) continue;
    byTypeAndId.set(`${resource.resourceType}/${resource.id}`, resource);
    const same = byId.get(resource.id);
    if (same) same.push(resource);
    else byId.set(resource.id, [resource]);
  }
  return <K extends CcdResourceType>(reference: Reference | undefined, type: K, from?: Resource): ResourceOf<K> | undefined => {
    const text = reference?.reference;
    if (!text) return undefined;
    const isType = (candidate: Resource | undefined): candidate is ResourceOf<K> => candidate?.resourceType === type;
    if (text.startsWith('#')) {
      const contained = (from as { contained?: Resource[] } | undefined)?.contained?.find((c) => c.id === text.slice(1));
      return isType(contained) ? contained : undefined;
    }
    if (text.startsWith('urn:uuid:')) return byId.get(text.slice('urn:uuid:'.length))?.find(isType);
    const match = literal.exec(text);
    if (!match || match[1] !== type) return undefined;
    const found = byTypeAndId.get(`${type}/${match[2]}`);
    return isType(found) ? found : undefined;
  };
}

export interface BuildContext {
  readonly language: CcdLanguage;
  readonly label: Label;
  readonly timeZone: string;
  readonly resolve: Resolve;
  /** HL7 TS for a FHIR date/dateTime, in the practice's zone. */
  time(value: string | undefined): string | undefined;
  /** A FHIR date or dateTime said in words in the document's language ('' when absent). */
  dateText(value: string | undefined): string;
}

export function createContext(input: CcdInput): BuildContext {
  const dates: DateFormatter = dateFormatter(input.language, input.timeZone);
  // The same times recur (every observation of a visit): each is converted once per document.
  const times = new Map<string, string | undefined>();
  const texts = new Map<string, string>();
  return {
    language: input.language,
    label: labelsFor(input.language),
    timeZone: input.timeZone,
    resolve: createResolver(input.resources),
    time(value) {
      if (!value) return undefined;
      if (!times.has(value)) times.set(value, hl7Time(value, input.timeZone));
      return times.get(value);
    },
    dateText(value) {
      if (!value) return '';
      let text = texts.get(value);
      if (text === undefined) {
        const instant = instantOf(value, input.timeZone);
        text = instant ? dates.instant(instant) : dates.day(value);
        texts.set(value, text);
      }
      return text;
    },
  };
}
