/**
 * Whether the practice is open (PRACTICE_HOURS, in PRACTICE_TIME_ZONE) and when it next opens: a message
 * that arrives while it is closed gets one automatic reply per conversation saying when it will be read.
 */
import { instantOf, wallClock } from '../core/fhir/local-time.ts';
import type { MessagesConfig } from '../config/messages-config.ts';

/** The next opening instant, or undefined when the practice is open at `now`. */
export function nextOpening(now: Date, hours: MessagesConfig['hours'], timeZone: string): Date | undefined {
  const clock = wallClock(now, timeZone);
  const today = new Date(Date.UTC(Number(clock.year), Number(clock.month) - 1, Number(clock.day)));
  const minutes = Number(clock.hour) * 60 + Number(clock.minute);
  if (hours.days.includes(today.getUTCDay()) && minutes >= hours.open && minutes < hours.close) return undefined;
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = new Date(today.getTime() + ahead * 86_400_000);
    if (!hours.days.includes(day.getUTCDay())) continue;
    if (ahead === 0 && minutes >= hours.open) continue;
    const hh = String(Math.floor(hours.open / 60)).padStart(2, '0');
    const mm = String(hours.open % 60).padStart(2, '0');
    return instantOf(`${day.toISOString().slice(0, 10)}T${hh}:${mm}:00`, timeZone);
  }
  return undefined;
}
