/**
 * Typed errors with stable codes. The code is also the i18n key of the message a user sees
 * (DESIGN.md "Habits" 3); each surface renders errors its own way and never shows upstream
 * diagnostics or stack traces.
 */

export type ErrorCode =
  | 'not_found'
  | 'bad_request'
  | 'payload_too_large'
  | 'forbidden'
  | 'csrf'
  | 'misdirected_request'
  | 'internal_error'
  | 'service_unavailable'
  | 'fhir_unavailable'
  | 'fhir_timeout'
  | 'fhir_not_found'
  | 'fhir_rejected'
  | 'fhir_conflict'
  | 'fhir_error'
  | 'store_unavailable';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, status: number, options?: { cause?: unknown }) {
    super(code, options);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/**
 * The caller must sign in (again): no session, or the facade refused its token (revoked, expired,
 * account ended). Web surfaces answer it with a redirect to sign-in that comes back to the page.
 */
export class SignInRequired extends Error {
  constructor() {
    super('sign_in_required');
    this.name = 'SignInRequired';
  }
}
