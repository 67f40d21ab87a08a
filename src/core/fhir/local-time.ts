/**
 * Practice-local time for FHIR dates, dateTimes and instants: the UTC offset of the practice's IANA zone at
 * an instant, the wall clock there, the instant a dateTime names (practice-local when it has no offset, as
 * seen in the wild), and the practice-local calendar day a date or dateTime falls on. Dates (`2019`,
 * `2019-04`, `2019-04-01`) stay calendar days with no zone. Shared by the exports (C-CDA times, date
 * ranges) and the facade ($everything's `start`/`end`).
 */
import { isFhirDate } from './dates.ts';

export const fhirDateTime = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

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

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
/** Offsets already looked up, per zone and quarter hour (zones change offset on quarter-hour boundaries). */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER_HOUR = 15 * 60_000;

/** The UTC offset of `timeZone` at `instant`, in minutes (Intl's longOffset: "GMT-05:00", "GMT+05:30", "GMT"). */
export function offsetAt(instant: Date, timeZone: string): number {
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
    offsetFormatters.set(timeZone, new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }));
  }
  const bucket = Math.floor(instant.getTime() / QUARTER_HOUR);
  let minutes = cache.get(bucket);
  if (minutes === undefined) {
    const name =
      offsetFormatters
        .get(timeZone)!
        .formatToParts(instant)
        .find((part) => part.type === 'timeZoneName')?.value ?? '';
    const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
    minutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? '0')) : 0;
    if (cache.size > 50_000) cache.clear();
    cache.set(bucket, minutes);
  }
  return minutes;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The wall clock and UTC offset of `instant` in `timeZone`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const minutes = offsetAt(instant, timeZone);
  const local = new Date(instant.getTime() + minutes * 60_000);
  const absolute = Math.abs(minutes);
  return {
    year: String(local.getUTCFullYear()).padStart(4, '0'),
    month: two(local.getUTCMonth() + 1),
    day: two(local.getUTCDate()),
    hour: two(local.getUTCHours()),
    minute: two(local.getUTCMinutes()),
    second: two(local.getUTCSeconds()),
    offset: `${minutes < 0 ? '-' : '+'}${two(Math.floor(absolute / 60))}${two(absolute % 60)}`,
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

/**
 * The practice-local calendar day (`YYYY-MM-DD`, or `YYYY` / `YYYY-MM` for partial dates) of a FHIR date or
 * dateTime, for comparing against a date range; undefined when unreadable.
 */
export function localDay(value: string | undefined, timeZone: string): string | undefined {
  if (!value) return undefined;
  const match = fhirDateTime.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour] = match;
  if (hour === undefined) return isFhirDate(value) ? [year, month, day].filter(Boolean).join('-') : undefined;
  const instant = instantOf(value, timeZone);
  if (!instant) return undefined;
  const clock = wallClock(instant, timeZone);
  return `${clock.year}-${clock.month}-${clock.day}`;
}
