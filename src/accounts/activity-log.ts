/**
 * The account activity log (ONC §170.315(e)(1)(ii): view, download and transmit with date, time, user
 * and addressee): the AuditEvents of one patient the signed-in account reaches, as plain rows in the
 * visitor's language — what was done, when (practice time zone, zone named), and by whom (the patient,
 * a family member by name, the practice and its staff member, an app by its registered name). A burst
 * of facade reads by the same person and app within a minute is one "viewed the record" row with a count.
 */
import type { AuditEvent, Patient, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { mayActFor } from '../access/reach.ts';
import { transmitEventSystem, type TransmitMethod } from '../core/fhir/audit-event.ts';
import { dateFormatter, type DateFormatter } from '../core/fhir/dates.ts';
import { displayName } from '../core/fhir/names.ts';
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';
import { patientActivity, type ActivityCursor, type ActivityKind, type StoredActivity } from '../store/activity.ts';
import { clientName } from '../store/oauth-clients.ts';
import type { AccountsDeps } from './deps.ts';

export type { ActivityKind };
export const activityKinds: readonly ActivityKind[] = ['all', 'views', 'messages', 'downloads', 'sent', 'signins'];
export const activityPageSize = 50;
/** Facade reads this close to the burst's newest one, by the same person and app, are one row. */
const burstMs = 60_000;

export interface ActivityRow {
  readonly id: string;
  /** When, in the practice's time zone with the zone named. */
  readonly when: string;
  /** The same instant, for a <time datetime>. */
  readonly at: string;
  readonly action: string;
  readonly who: string;
}

/** What the row builder needs to say names: references (Patient/…, RelatedPerson/…, Practitioner/…) and client ids, resolved. */
export interface ActivityNames {
  readonly people: ReadonlyMap<string, string>;
  readonly apps: ReadonlyMap<string, string>;
  /** The portal's own web app: its reads are the record pages, said without an app name. */
  readonly firstPartyClientId: string;
}

type Parsed =
  | { readonly kind: 'view'; readonly person?: string; readonly app?: string }
  | { readonly kind: 'download'; readonly person?: string; readonly format: string; readonly mimeType: string; readonly range: string; readonly visit: boolean }
  | {
      readonly kind: 'transmit';
      readonly person?: string;
      readonly method: TransmitMethod;
      readonly addressee: string;
      readonly formats: readonly string[];
      readonly range: string;
      readonly visit: boolean;
    }
  | { readonly kind: 'signin' | 'signout'; readonly person?: string }
  | { readonly kind: 'message'; readonly person?: string }
  | { readonly kind: 'app-connected' | 'app-disconnected'; readonly person?: string; readonly app?: string };

const requestor = (event: AuditEvent) => event.agent?.find((a) => a.requestor)?.who?.reference;
const appOf = (event: AuditEvent) => event.agent?.find((a) => a.who?.identifier?.system === 'urn:puente:client-id')?.who?.identifier?.value;
const subtypeCodes = (event: AuditEvent) => (event.subtype ?? []).map((s) => s.code);
const detailOf = (event: AuditEvent, type: string) => event.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === type)?.valueString;
const humanOf = (event: AuditEvent) => event.agent?.find((a) => a.type?.coding?.some((c) => c.code === 'humanuser'))?.who?.reference;

/** What one AuditEvent says, or undefined for an event the log does not show. */
function parse(event: AuditEvent, firstParty: string): Parsed | undefined {
  if (event.outcome && event.outcome !== '0') return undefined;
  const person = humanOf(event) ?? requestor(event);
  const code = event.type?.code;
  const subtypes = subtypeCodes(event);
  // A secure message (create audited with a `message` detail): sent by the patient side, or received from staff.
  if (code === 'rest' && subtypes.includes('create')) {
    return event.entity?.some((e) => e.detail?.some((d) => d.type === 'message')) ? { kind: 'message', ...(person ? { person } : {}) } : undefined;
  }
  if (code === 'rest' && subtypes.includes('update')) return undefined;
  if (code === 'rest' && !subtypes.includes('capabilities')) {
    const app = appOf(event);
    return { kind: 'view', ...(person ? { person } : {}), ...(app && app !== firstParty ? { app } : {}) };
  }
  const transmit = event.subtype?.find((s) => s.system === transmitEventSystem)?.code as TransmitMethod | undefined;
  if (code === '110106' && transmit) {
    return {
      kind: 'transmit',
      ...(person ? { person } : {}),
      method: transmit,
      addressee: detailOf(event, 'addressee') ?? '',
      formats: event.entity?.flatMap((e) => e.detail ?? []).flatMap((d) => (d.type === 'format' && d.valueString ? [d.valueString] : [])) ?? [],
      range: detailOf(event, 'range') ?? 'all',
      visit: detailOf(event, 'visit') !== undefined,
    };
  }
  if (code === '110106') {
    return {
      kind: 'download',
      ...(person ? { person } : {}),
      format: detailOf(event, 'format') ?? '',
      mimeType: detailOf(event, 'mimeType') ?? '',
      range: detailOf(event, 'range') ?? 'all',
      visit: detailOf(event, 'visit') !== undefined,
    };
  }
  if (subtypes.includes('110122')) return { kind: 'signin', ...(person ? { person } : {}) };
  if (subtypes.includes('110123')) return { kind: 'signout', ...(person ? { person } : {}) };
  const app = appOf(event);
  if (subtypes.includes('app-disconnected')) return { kind: 'app-disconnected', ...(person ? { person } : {}), ...(app ? { app } : {}) };
  if (subtypes.includes('token-issued') && detailOf(event, 'grant_type') === 'authorization_code' && app && app !== firstParty) {
    return { kind: 'app-connected', ...(person ? { person } : {}), app };
  }
  return undefined;
}

const formatKey = (format: string, mimeType: string): MessageKey => {
  if (/c-cda|ccd/i.test(format) || /xml/.test(mimeType)) return 'activity.format.ccda';
  if (/fhir/i.test(format) || /json/.test(mimeType)) return 'activity.format.fhir';
  if (/pdf/.test(mimeType) || /summary/i.test(format)) return 'activity.format.summary';
  return 'activity.format.other';
};

function rangeInWords(t: (key: MessageKey, params?: Record<string, string | number>) => string, dates: DateFormatter, range: string, visit: boolean): string {
  if (visit) return t('activity.range.visit');
  if (range === 'all' || !range.includes('/')) return t('activity.range.all');
  const [from = '', to = ''] = range.split('/');
  if (from && to) return t('activity.range.between', { from: dates.day(from), to: dates.day(to) });
  if (from) return t('activity.range.from', { from: dates.day(from) });
  if (to) return t('activity.range.to', { to: dates.day(to) });
  return t('activity.range.all');
}

const transmitKeys: Record<TransmitMethod, MessageKey> = {
  direct: 'activity.sentDirect',
  email: 'activity.sentEmail',
  'share-link': 'activity.sharedLink',
  'share-link-opened': 'activity.openedLink',
};

export interface BuiltRows {
  readonly rows: ActivityRow[];
  /** For each row, the oldest stored event it covers (the next page starts strictly before it). */
  readonly oldest: readonly ActivityCursor[];
}

/**
 * Stored events (newest first) into rows. Pure: names are resolved beforehand. A burst of views by the
 * same person through the same app, each within a minute of the burst's newest read, is one row.
 */
export function activityRows(events: readonly StoredActivity[], locale: Locale, timeZone: string, names: ActivityNames): BuiltRows {
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  const dates = dateFormatter(locale, timeZone);
  const personName = (ref: string | undefined): string => {
    const name = ref ? names.people.get(ref) : undefined;
    if (ref?.startsWith('Practitioner/')) return name ? t('activity.who.staff', { name }) : t('activity.who.practice');
    return name ?? t('activity.who.unknown');
  };
  const appName = (id: string | undefined) => (id ? (names.apps.get(id) ?? id) : t('activity.who.unknown'));
  const rows: ActivityRow[] = [];
  const oldest: ActivityCursor[] = [];
  let burst: { parsed: Parsed & { kind: 'view' }; newest: StoredActivity; count: number; index: number } | undefined;
  for (const stored of events) {
    const parsed = parse(stored.resource, names.firstPartyClientId);
    if (!parsed) continue;
    const cursor = { recordedAt: stored.recordedAt.toISOString(), id: stored.id };
    if (
      parsed.kind === 'view' &&
      burst &&
      burst.index === rows.length - 1 &&
      burst.parsed.person === parsed.person &&
      burst.parsed.app === parsed.app &&
      burst.newest.recordedAt.getTime() - stored.recordedAt.getTime() <= burstMs
    ) {
      burst.count += 1;
      const viewed = burst.parsed.app
        ? t(burst.count > 1 ? 'activity.viewedAppMany' : 'activity.viewedApp', { app: appName(burst.parsed.app), count: burst.count })
        : t(burst.count > 1 ? 'activity.viewedMany' : 'activity.viewed', { count: burst.count });
      rows[burst.index] = { ...rows[burst.index]!, action: viewed };
      oldest[burst.index] = cursor;
      continue;
    }
    let action: string;
    switch (parsed.kind) {
      case 'view':
        action = parsed.app ? t('activity.viewedApp', { app: appName(parsed.app), count: 1 }) : t('activity.viewed', { count: 1 });
        break;
      case 'download':
        action = t('activity.downloaded', { what: t(formatKey(parsed.format, parsed.mimeType)), range: rangeInWords(t, dates, parsed.range, parsed.visit) });
        break;
      case 'transmit': {
        const what = parsed.formats.map((format) => t(formatKey(format, ''))).join(t('activity.and'));
        const range = rangeInWords(t, dates, parsed.range, parsed.visit);
        action = t(transmitKeys[parsed.method], { what, range, addressee: parsed.addressee });
        break;
      }
      case 'message':
        action = t(parsed.person?.startsWith('Practitioner/') ? 'activity.messageReceived' : 'activity.messageSent');
        break;
      case 'signin':
        action = t('activity.signedIn');
        break;
      case 'signout':
        action = t('activity.signedOut');
        break;
      case 'app-connected':
        action = t('activity.appConnected', { app: appName(parsed.app) });
        break;
      case 'app-disconnected':
        action = t('activity.appDisconnected', { app: appName(parsed.app) });
        break;
    }
    // An opened share link was opened by someone outside the portal: named by the name they typed.
    const who = parsed.kind === 'transmit' && parsed.method === 'share-link-opened' ? t('activity.who.recipient', { name: parsed.addressee }) : personName(parsed.person);
    rows.push({ id: stored.id, when: dates.instant(stored.recordedAt), at: stored.recordedAt.toISOString(), action, who });
    oldest.push(cursor);
    burst = parsed.kind === 'view' ? { parsed, newest: stored, count: 1, index: rows.length - 1 } : undefined;
  }
  return { rows, oldest };
}

/** The references and client ids a set of events names, to be resolved once per page. */
function namedIn(events: readonly StoredActivity[]): { people: Set<string>; apps: Set<string> } {
  const people = new Set<string>();
  const apps = new Set<string>();
  for (const { resource } of events) {
    const person = humanOf(resource) ?? requestor(resource);
    if (person && /^(Patient|RelatedPerson|Practitioner)\/[A-Za-z0-9\-.]{1,64}$/.test(person)) people.add(person);
    const app = appOf(resource);
    if (app) apps.add(app);
  }
  return { people, apps };
}

export const encodeCursor = (cursor: ActivityCursor): string => Buffer.from(`${cursor.recordedAt}|${cursor.id}`).toString('base64url');

/** A cursor from the query string; anything malformed is no cursor (the newest page). */
export function decodeCursor(value: unknown): ActivityCursor | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const [recordedAt, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !recordedAt || !id) return undefined;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(recordedAt) || Number.isNaN(Date.parse(recordedAt))) return undefined;
  return { recordedAt, id };
}

export interface ActivityPage {
  readonly rows: ActivityRow[];
  /** The cursor of the next (older) page, when there is one. */
  readonly older?: string;
}

export interface ActivityRequest {
  readonly accountId: string;
  /** The patient id the session acts for; checked against the account's reach. */
  readonly patient: string;
  readonly kind: ActivityKind;
  readonly before?: ActivityCursor;
  readonly locale: Locale;
  readonly firstPartyClientId: string;
}

const chunk = 500;
const maxChunks = 20;

/** One page of a patient's activity, for an account that reaches the patient; none otherwise. */
export async function accountActivity(deps: Pick<AccountsDeps, 'db' | 'fhir' | 'practice'>, request: ActivityRequest): Promise<ActivityPage> {
  if (!(await mayActFor(deps.db, { kind: 'user', accountId: request.accountId, staff: false }, request.patient))) return { rows: [] };
  // Read in chunks until one row more than a page is formed (so the page's last burst is complete).
  const events: StoredActivity[] = [];
  let before = request.before;
  let built: BuiltRows = { rows: [], oldest: [] };
  const people = new Map<string, string>();
  const apps = new Map<string, string>();
  for (let i = 0; i < maxChunks; i++) {
    const next = await patientActivity(deps.db, { patient: request.patient, kind: request.kind, ...(before ? { before } : {}), limit: chunk });
    events.push(...next);
    const last = next.at(-1);
    if (last) before = { recordedAt: last.recordedAt.toISOString(), id: last.id };
    await resolveNames(deps, next, people, apps);
    built = activityRows(events, request.locale, deps.practice.timeZone, { people, apps, firstPartyClientId: request.firstPartyClientId });
    if (built.rows.length > activityPageSize || next.length < chunk) break;
  }
  const more = built.rows.length > activityPageSize;
  const rows = built.rows.slice(0, activityPageSize);
  return { rows, ...(more ? { older: encodeCursor(built.oldest[activityPageSize - 1]!) } : {}) };
}

/** Names for the page, each read once (the FHIR system client; a name that cannot be read is said as "someone"). */
async function resolveNames(deps: Pick<AccountsDeps, 'db' | 'fhir'>, events: readonly StoredActivity[], people: Map<string, string>, apps: Map<string, string>): Promise<void> {
  const named = namedIn(events);
  await Promise.all([
    ...[...named.people]
      .filter((ref) => !people.has(ref))
      .map(async (ref) => {
        const [type, id] = ref.split('/') as ['Patient' | 'RelatedPerson' | 'Practitioner', string];
        try {
          const resource = await deps.fhir.read<Patient | RelatedPerson | Practitioner>(type, id);
          const name = displayName(resource.name);
          if (name) people.set(ref, name);
        } catch {
          // Unreadable (deleted, server down): the row says "someone with access" rather than failing the page.
        }
      }),
    ...[...named.apps].filter((id) => !apps.has(id)).map(async (id) => apps.set(id, await clientName(deps.db, id))),
  ]);
}
