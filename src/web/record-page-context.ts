/**
 * What every record page starts from: the session's record client (the facade, with the web app's
 * own token), the formatter for the visitor's language, and the patient for the banner (and the
 * proxy reading it, if any), read in parallel with the page's own data.
 */
import type { Request, Response } from 'express';
import type { Dispatcher } from 'undici';
import type { Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import type { Practice } from '../config/config.ts';
import { recordClientFor } from './record-session.ts';
import type { SectionContext } from '../record/section.ts';
import type { SessionManager } from '../http/session.ts';
import type { WebClient } from './web-client.ts';
import type { BannerPatient } from './views/record/record-layout.ts';
import type { BannerCache } from './banner-cache.ts';
import type { RecordClient } from '../record/record-client.ts';

export interface RecordPageDeps {
  readonly practice: Practice;
  readonly sessions: SessionManager;
  readonly webClient: WebClient;
  readonly fhirBase: string;
  readonly timeoutMs: number;
  /** The portal's HTTP connection pool (src/store/http-pool.ts). */
  readonly http: Dispatcher;
  readonly now?: () => Date;
  /** Banners kept for a minute (src/web/banner-cache.ts); without it every page reads the Patient. */
  readonly banners?: BannerCache;
}

/**
 * Loads the page's data and the banner: at the same time when the banner has to be read, or from the kept
 * banners once the page's own data came back from the facade (src/web/banner-cache.ts says why that is safe).
 */
export async function withRecord<T>(req: Request, res: Response, deps: RecordPageDeps, load: (ctx: SectionContext) => Promise<T>): Promise<{ patient: BannerPatient; data: T }> {
  const record = await recordClientFor(req, res, deps);
  let answered = false;
  const ctx: SectionContext = {
    record: noticingAnswers(record, () => {
      answered = true;
    }),
    fmt: { locale: req.locale, t: req.t, dates: dateFormatter(req.locale, deps.practice.timeZone) },
    now: deps.now?.() ?? new Date(),
    practicePhone: deps.practice.phone,
  };
  const kept = deps.banners?.get(record.patient, record.proxy);
  if (kept) {
    const data = await load(ctx);
    // A page that asked the facade nothing (an empty search form) has not shown the token still reaches the patient.
    if (answered) return { patient: kept, data };
    return { patient: await readBanner(record), data };
  }
  const [patient, data] = await Promise.all([readBanner(record), load(ctx)]);
  deps.banners?.set(record.patient, record.proxy, patient);
  return { patient, data };
}

/** The patient for the banner, and the proxy reading it, if any, from the facade. */
async function readBanner(record: RecordClient): Promise<BannerPatient> {
  // A proxy (family member, caregiver) sees whose record it is and as whom they are reading it.
  const [patient, proxy] = await Promise.all([
    record.read<Patient>(`Patient/${record.patient}`),
    record.proxy ? record.read<RelatedPerson>(record.proxy).catch(() => undefined) : undefined,
  ]);
  const proxyName = proxy ? displayName(proxy.name) : undefined;
  return { name: displayName(patient.name), birthDate: patient.birthDate, ...(proxyName ? { proxyName } : {}) };
}

/** The same client, calling `answered` whenever the facade answered a read or search for it. */
function noticingAnswers(record: RecordClient, answered: () => void): RecordClient {
  return {
    patient: record.patient,
    proxy: record.proxy,
    async read<R extends Resource>(path: string) {
      const resource = await record.read<R>(path);
      answered();
      return resource;
    },
    async search<R extends Resource>(path: string, options?: { maxPages?: number }) {
      const result = await record.search<R>(path, options);
      answered();
      return result;
    },
  };
}
