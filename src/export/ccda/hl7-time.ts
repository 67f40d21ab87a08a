/**
 * FHIR date/dateTime/instant → HL7 V3 TS (`YYYYMMDDHHMMSS±ZZZZ`), keeping the precision the record has.
 * Dates (`2019`, `2019-04`, `2019-04-01`) stay calendar days with no zone. Instants are written as the
 * practice's wall-clock time with the offset the practice's IANA zone has at that instant (C-CDA US Realm
 * Date and Time, CONF:81-10128: a time more precise than the day carries its offset). A FHIR dateTime
 * with a time but no offset (not valid FHIR, seen in the wild) is read as practice-local time.
 */
import { isFhirDate } from '../../core/fhir/dates.ts';

const fhirDateTime = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

interface WallClock {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
  /** `+hhmm` / `-hhmm`. */
  readonly offset: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock and UTC offset of `instant` in `timeZone`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  // longOffset is "GMT-05:00", "GMT+05:30" or plain "GMT" for UTC itself.
  const offsetMatch = /GMT([+-])(\d{2}):?(\d{2})?/.exec(parts['timeZoneName'] ?? '');
  const offset = offsetMatch ? `${offsetMatch[1]}${offsetMatch[2]}${offsetMatch[3] ?? '00'}` : '+0000';
  return {
    year: (parts['year'] ?? '').padStart(4, '0'),
    month: parts['month'] ?? '',
    day: parts['day'] ?? '',
    hour: parts['hour'] ?? '',
    minute: parts['minute'] ?? '',
    second: parts['second'] ?? '',
    offset,
  };
}

const offsetMinutes = (offset: string) => (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));

/** The instant a FHIR dateTime with a time names (practice-local when it has no offset); undefined for dates or unreadable text. */
export function instantOf(value: string, timeZone: string): Date | undefined {
  const match = fhirDateTime.exec(value);
  if (!match || match[4] === undefined) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}`;
  if (zone) {
    const instant = new Date(`${iso}${zone === 'Z' ? 'Z' : zone}`);
    return Number.isNaN(instant.getTime()) ? undefined : instant;
  }
  const asUtc = new Date(`${iso}Z`);
  if (Number.isNaN(asUtc.getTime())) return undefined;
  // The zone's offset near that wall time, applied once and checked once (enough except inside a DST gap).
  let instant = new Date(asUtc.getTime() - offsetMinutes(wallClock(asUtc, timeZone).offset) * 60_000);
  instant = new Date(asUtc.getTime() - offsetMinutes(wallClock(instant, timeZone).offset) * 60_000);
  return instant;
}

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

/**
 * The practice-local calendar day (`YYYY-MM-DD`, or `YYYY` / `YYYY-MM` for partial dates) of a FHIR date or
 * dateTime, for comparing against a date range; undefined when unreadable.
 */
export function localDay(value: string | undefined, timeZone: string): string | undefined {
  const time = hl7Time(value, timeZone);
  if (!time) return undefined;
  const parts = [time.slice(0, 4), time.slice(4, 6), time.slice(6, 8)].filter(Boolean);
  return parts.join('-');
}
