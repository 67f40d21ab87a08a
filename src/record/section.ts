/**
 * The shape every list-style record page shares: groups (e.g. current and past medications) of
 * items, each a title with labelled facts. Loaders map FHIR to this; one view renders it.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { RecordClient } from './record-client.ts';
import type { Formatter } from './format.ts';

/** One entry of a fact that is a list (a care plan's activities), with an optional note said after it. */
export interface FactListItem {
  readonly text: string;
  readonly note?: string | undefined;
}

export interface Fact {
  readonly label: string;
  /** Text, or a short list shown inline. View models carry data only: the views decide the markup. */
  readonly value: string | { readonly list: readonly FactListItem[] };
}

/**
 * When an item was true, as the record wrote it (FHIR date or dateTime): the dates a loader already
 * read, kept so a date range can be applied to what it shows (the export's "from … to"). The pages do
 * not show it; facts say the dates in words.
 */
export interface ClinicalPeriod {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  /** Still true (an active problem, a current medication): it lasts from its start to now. */
  readonly ongoing?: boolean | undefined;
}

export interface RecordItem {
  readonly title: string;
  readonly facts: readonly Fact[];
  /** A word that needs attention (e.g. "High risk"), shown as text beside the title, never by colour alone. */
  readonly flag?: string;
  readonly link?: { readonly href: string; readonly text: string };
  /** Its clinical dates; absent when the item has none (a care team member). */
  readonly period?: ClinicalPeriod;
}

export interface RecordGroup {
  readonly heading: string;
  readonly items: readonly RecordItem[];
  /** Said kindly when the group has no items. */
  readonly empty: string;
}

export interface SectionContext {
  readonly record: RecordClient;
  readonly fmt: Formatter;
  readonly now: Date;
  readonly practicePhone: string;
}

/** Keeps only the facts that have a value, so cards never show empty labels. */
export const facts = (...list: readonly (Fact | false | undefined)[]): Fact[] =>
  list.filter((fact): fact is Fact => !!fact && (typeof fact.value !== 'string' || fact.value !== ''));

/** Newest first by the given date (missing dates last). */
export const newestFirst = <T>(items: readonly T[], dateOf: (item: T) => string | undefined): T[] => [...items].sort((a, b) => (dateOf(b) ?? '').localeCompare(dateOf(a) ?? ''));

export const isType =
  <T extends Resource>(type: T['resourceType']) =>
  (resource: Resource): resource is T =>
    resource.resourceType === type;
