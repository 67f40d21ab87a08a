import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { translate, type Locale, type MessageKey } from '../core/i18n/translate.ts';

/** The catalog keys of the facade's own refusal texts (src/core/i18n/catalog-*.ts, "facade." block). */
export type FacadeMessageKey = Extract<MessageKey, `facade.${string}`>;

/**
 * A refusal the facade answers as an OperationOutcome, with our own words (never upstream diagnostics).
 * It carries a stable message key and its parameters, not a text: the router renders `details.text` in
 * the caller's language (Accept-Language; Spanish by default, like every other answer of the portal).
 */
export class FacadeError extends Error {
  readonly status: number;
  readonly issueCode: OperationOutcomeIssue['code'];
  readonly auditOutcome: 'not-found' | 'forbidden' | 'invalid' | 'not-supported' | 'login' | 'transient';
  readonly key: FacadeMessageKey;
  /** Values for the text's `{name}` placeholders: identifiers the facade itself validated (resource types), never client text. */
  readonly params: Readonly<Record<string, string>>;
  constructor(status: number, issueCode: OperationOutcomeIssue['code'], auditOutcome: FacadeError['auditOutcome'], key: FacadeMessageKey, params: Record<string, string> = {}) {
    super(key);
    this.status = status;
    this.issueCode = issueCode;
    this.auditOutcome = auditOutcome;
    this.key = key;
    this.params = params;
  }

  /** The refusal's text in `locale`. */
  textIn(locale: Locale): string {
    return translate(locale, this.key, this.params);
  }
}

/** The one answer for "missing" and "outside your reach" alike (DESIGN.md security model 6). */
export const facadeNotFound = (): FacadeError => new FacadeError(404, 'not-found', 'not-found', 'facade.not_found');

/** RFC 6750: no live token for this request (or, issue 13 point 5, a parent's access that ended at 18). */
export const facadeUnauthenticated = (): FacadeError => new FacadeError(401, 'login', 'login', 'facade.token_required');
