/**
 * What every record page starts from: the session's record client (the facade, with the web app's
 * own token), the formatter for the visitor's language, and the patient for the banner (and the
 * proxy reading it, if any), read in parallel with the page's own data.
 */
import type { Request, Response } from 'express';
import type { Dispatcher } from 'undici';
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';
import { displayName } from '../core/fhir/names.ts';
import { dateFormatter } from '../core/fhir/dates.ts';
import type { Practice } from '../config/config.ts';
import { recordClientFor } from './record-session.ts';
import type { SectionContext } from '../record/section.ts';
import type { SessionManager } from '../http/session.ts';
import type { WebClient } from './web-client.ts';
import type { BannerPatient } from './views/record/record-layout.ts';

export interface RecordPageDeps {
  readonly practice: Practice;
  readonly sessions: SessionManager;
  readonly webClient: WebClient;
  readonly fhirBase: string;
  readonly timeoutMs: number;
  /** The portal's HTTP connection pool (src/store/http-pool.ts). */
  readonly http: Dispatcher;
  readonly now?: () => Date;
}

/** Loads the banner patient and the page's data at the same time. */
export async function withRecord<T>(req: Request, res: Response, deps: RecordPageDeps, load: (ctx: SectionContext) => Promise<T>): Promise<{ patient: BannerPatient; data: T }> {
  const record = await recordClientFor(req, res, deps);
  const ctx: SectionContext = {
    record,
    fmt: { locale: req.locale, t: req.t, dates: dateFormatter(req.locale, deps.practice.timeZone) },
    now: deps.now?.() ?? new Date(),
    practicePhone: deps.practice.phone,
  };
  // A proxy (family member, caregiver) sees whose record it is and as whom they are reading it.
  const [patient, proxy, data] = await Promise.all([
    record.read<Patient>(`Patient/${record.patient}`),
    record.proxy ? record.read<RelatedPerson>(record.proxy).catch(() => undefined) : undefined,
    load(ctx),
  ]);
  const proxyName = proxy ? displayName(proxy.name) : undefined;
  return { patient: { name: displayName(patient.name), birthDate: patient.birthDate, ...(proxyName ? { proxyName } : {}) }, data };
}
