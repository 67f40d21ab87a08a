/**
 * Secure messages' settings (issue #14, docs/messages.md): the topics a conversation may have and the staff
 * pool each goes to, the usual answer time patients are promised, the practice's hours (a message
 * outside them gets one automatic reply per conversation saying when it will be read), and who is emailed
 * when a patient's message arrives in a pool.
 */
import type { EnvName } from './env.ts';

export interface MessagesConfig {
  /** In the order the new-conversation form lists them. */
  readonly topics: readonly { readonly code: string; readonly pool: string }[];
  /** Business days (Monday–Friday) within which the practice usually answers (MESSAGE_ANSWER_DAYS). */
  readonly answerBusinessDays: number;
  /** Opening hours in the practice's time zone (PRACTICE_HOURS): days 0 = Sunday … 6 = Saturday, minutes after midnight. */
  readonly hours: { readonly days: readonly number[]; readonly open: number; readonly close: number };
  /** Who is emailed (no PHI) when a patient-side message arrives in a pool (MESSAGE_POOL_EMAILS); a pool not named tells no one. */
  readonly poolEmails: ReadonlyMap<string, readonly string[]>;
}

export const messagesEnvSchema = {
  MESSAGE_TOPICS: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}:[a-z][a-z0-9-]{0,39}(,[a-z][a-z0-9-]{0,39}:[a-z][a-z0-9-]{0,39}){0,19}$' },
  MESSAGE_ANSWER_DAYS: { type: 'integer', minimum: 1, maximum: 30 },
  MESSAGE_POOL_EMAILS: { type: 'string', maxLength: 4000 },
  PRACTICE_HOURS: { type: 'string', pattern: '^(sun|mon|tue|wed|thu|fri|sat)-(sun|mon|tue|wed|thu|fri|sat) ([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-3]):[0-5]\\d$' },
} as const;

export const defaultMessageTopics = 'doctor:care-team,appointments:front-desk,refill:care-team,results:care-team,other:front-desk';
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function messagesConfig(get: <T>(name: EnvName) => T | undefined, problems: string[]): MessagesConfig {
  const topics = (get<string>('MESSAGE_TOPICS') ?? defaultMessageTopics).split(',').map((pair) => {
    const [code, pool] = pair.split(':') as [string, string];
    return { code, pool };
  });
  if (new Set(topics.map((t) => t.code)).size !== topics.length) problems.push('MESSAGE_TOPICS: each topic may appear only once');
  const hoursText = get<string>('PRACTICE_HOURS') ?? 'mon-fri 08:00-17:00';
  const [range, times] = hoursText.split(' ') as [string, string];
  const [from, to] = range.split('-').map((d) => dayNames.indexOf(d)) as [number, number];
  const days: number[] = [];
  for (let day = from; ; day = (day + 1) % 7) {
    days.push(day);
    if (day === to) break;
  }
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const [open, close] = times.split('-').map(minutes) as [number, number];
  if (close <= open) problems.push('PRACTICE_HOURS: the closing time must be after the opening time, e.g. "mon-fri 08:00-17:00"');
  return {
    topics,
    answerBusinessDays: get<number>('MESSAGE_ANSWER_DAYS') ?? 2,
    hours: { days, open, close },
    poolEmails: poolEmails(get<string>('MESSAGE_POOL_EMAILS'), topics, problems),
  };
}

const emailPattern = /^[^\s@,|:]+@[^\s@,|:]+\.[^\s@,|:]+$/;

/** `pool:address|address,pool:address`: each pool one of MESSAGE_TOPICS' and named once, each address an email. */
function poolEmails(text: string | undefined, topics: readonly { readonly pool: string }[], problems: string[]): ReadonlyMap<string, readonly string[]> {
  const emails = new Map<string, readonly string[]>();
  if (!text) return emails;
  const pools = new Set(topics.map((t) => t.pool));
  for (const pair of text.split(',')) {
    const [pool = '', list = ''] = pair.split(':');
    const addresses = list.split('|').map((a) => a.trim().toLowerCase());
    if (!pools.has(pool.trim())) problems.push(`MESSAGE_POOL_EMAILS: "${pool.trim()}" is not a pool of MESSAGE_TOPICS`);
    else if (emails.has(pool.trim())) problems.push(`MESSAGE_POOL_EMAILS: the pool "${pool.trim()}" may appear only once`);
    else if (addresses.some((a) => !emailPattern.test(a)))
      problems.push(`MESSAGE_POOL_EMAILS: the pool "${pool.trim()}" needs addresses separated by |, e.g. care-team:nurse@clinic.example|doctor@clinic.example`);
    else emails.set(pool.trim(), addresses);
  }
  return emails;
}
