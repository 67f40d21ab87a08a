/**
 * FHIR date/dateTime/instant → HL7 V3 TS (`YYYYMMDDHHMMSS±ZZZZ`), keeping the precision the record has.
 * Dates (`2019`, `2019-04`, `2019-04-01`) stay calendar days with no zone. Instants are written as the
 * practice's wall-clock time with the offset the practice's IANA zone has at that instant (C-CDA US Realm
 * Date and Time, CONF:81-10128: a time more precise than the day carries its offset). A FHIR dateTime
 * with a time but no offset (not valid FHIR, seen in the wild) is read as practice-local time.
 */
import { isFhirDate } from '../../core/fhir/dates.ts';
import { fhirDateTime, instantOf, wallClock } from '../../core/fhir/local-time.ts';

// The practice-local time helpers live in core/fhir/local-time.ts (the facade uses them too).
export { instantOf, localDay, offsetAt, wallClock } from '../../core/fhir/local-time.ts';

/** HL7 TS for a FHIR date, dateTime or instant; undefined when the text is not one. */
export function hl7Time(value: string | undefined, timeZone: string): string | undefined {
  if (!value) return undefined;
  const match = fhirDateTime.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, , second] = match;
  if (hour === undefined) return isFhirDate(value) ? `${year}${month ?? ''}${day ?? ''}` : undefined;
  const instant = instantOf(value, timeZone);
  if (!instant) return undefined;
  const clock = wallClock(instant, timeZone);
  return `${clock.year}${clock.month}${clock.day}${clock.hour}${clock.minute}${second === undefined ? '' : clock.second}${clock.offset}`;
}

/** HL7 TS for a JavaScript instant, to the second, in the practice's zone. */
export function hl7Instant(instant: Date, timeZone: string): string {
  const clock = wallClock(instant, timeZone);
  return `${clock.year}${clock.month}${clock.day}${clock.hour}${clock.minute}${clock.second}${clock.offset}`;
}
