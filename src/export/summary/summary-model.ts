/**
 * The health summary a patient downloads (ONC §170.315(e)(1) "view, download, transmit"): the record's
 * sections as the record pages say them, in one language, for the whole record or a range of dates.
 * Plain data in words: the PDF (export/pdf/summary-pdf.ts) only lays it out.
 */
import type { Locale } from '../../core/i18n/translate.ts';
import type { RecordGroup } from '../../record/section.ts';

/**
 * The days a summary covers: FHIR dates `YYYY-MM-DD`, both inclusive; either end may be open. Absent
 * (or both ends open): the whole record. The same shape as the CCD's range (export/ccda/model.ts), so
 * one choice by the patient can drive the PDF, the CCD and sending.
 */
export interface SummaryRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export type SummarySectionId = 'problems' | 'medications' | 'allergies' | 'results' | 'vitals' | 'immunizations' | 'procedures' | 'visits' | 'care-team' | 'care-plan';

interface SectionBase {
  readonly id: SummarySectionId;
  readonly title: string;
  /**
   * Undefined when the section was read whole; otherwise the sentence that says it was not ("… shows
   * the newest 1000 entries only"): a summary is never silently cut short.
   */
  readonly incomplete: string | undefined;
}

/** A list-style section, grouped as its record page groups it (current and past medications …). */
export interface ListSummarySection extends SectionBase {
  readonly kind: 'list';
  readonly groups: readonly RecordGroup[];
}

export interface SummaryResultRow {
  readonly test: string;
  /** The value with its unit, as the results page says it ("5,4 mg/dL"). */
  readonly value: string;
  /** The reference range, or the record pages' "Not given". */
  readonly range: string;
  /** The results page's word for the "Within range?" column ("High", "No flag"). */
  readonly flag: string;
  readonly outOfRange: boolean;
  readonly date: string;
}

export interface SummaryReport {
  readonly title: string;
  readonly date: string;
  readonly rows: readonly SummaryResultRow[];
}

/** Test results: one table per lab report (and per day for results no report holds), newest first. */
export interface ResultsSummarySection extends SectionBase {
  readonly kind: 'results';
  readonly reports: readonly SummaryReport[];
  /** Said when there are no reports. */
  readonly empty: string;
}

export interface SummaryVitalRow {
  readonly measurement: string;
  /** With its unit; blood pressure as systolic/diastolic ("120/80 mmHg"). */
  readonly value: string;
  readonly date: string;
}

export interface SummaryVitalTable {
  readonly heading: string;
  readonly rows: readonly SummaryVitalRow[];
  readonly empty: string;
}

/** Vital signs as tables, no charts: the latest of each measurement, then every charted reading, newest first. */
export interface VitalsSummarySection extends SectionBase {
  readonly kind: 'vitals';
  readonly latest: SummaryVitalTable;
  readonly readings: SummaryVitalTable;
}

export type SummarySection = ListSummarySection | ResultsSummarySection | VitalsSummarySection;

export interface SummaryModel {
  /** The language every word of the model is in (the SectionContext's). */
  readonly locale: Locale;
  /** The range applied, as given; undefined for the whole record. */
  readonly range: SummaryRange | undefined;
  /** What it covers in words: "The whole record", "From June 1, 2019 to December 31, 2020". */
  readonly covers: string;
  /** With a range: which entries it keeps, in words (undefined for the whole record). */
  readonly rangeRule: string | undefined;
  readonly sections: readonly SummarySection[];
  /** True when every section was read whole (no section has `incomplete`). */
  readonly complete: boolean;
}
