/** A measurement over time (weight, one blood pressure series), as loaders hand it to the trend charts. */
export interface TrendPoint {
  /** FHIR dateTime or date (YYYY, YYYY-MM, YYYY-MM-DD or with a time). */
  readonly date: string;
  readonly value: number;
}

export interface TrendSeries {
  readonly label: string;
  readonly points: readonly TrendPoint[];
}
