/**
 * Writes to the patient's record through the public /fhir facade's write path (DESIGN.md "The facade's
 * write path") with the caller's own access token, exactly like a third-party SMART app: the secure-message
 * pages post conversations, messages and attachments this way, so the facade's checks (scope, subject and
 * sender forced to the token's, thread ownership, allow-listed fields, audit) apply to the portal too.
 */
import type { Resource } from '@medplum/fhirtypes';
import { request, type Dispatcher } from 'undici';
import { AppError, SignInRequired } from '../core/errors.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import type { RecordClientOptions } from './record-client.ts';

export interface RecordWriter {
  /** `POST [base]/[type]`; the created id, or WriteRefused with the facade's status (its text is never shown). */
  create(type: 'Communication' | 'Binary', body: Resource, options?: { idempotencyKey?: string }): Promise<{ readonly id: string }>;
}

/** The facade refused a create: 400 bad body, 403 not yours or not allowed, 409 closed (or the same key in flight), 413 too large, 422 key reused. */
export class WriteRefused extends AppError {
  readonly facadeStatus: number;
  constructor(facadeStatus: number) {
    super('bad_request', 422);
    this.name = 'WriteRefused';
    this.facadeStatus = facadeStatus;
  }
}

export function createRecordWriter(options: RecordClientOptions): RecordWriter {
  return {
    async create(type, body, createOptions = {}) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(`${options.fhirBase}/${type}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.accessToken}`,
            accept: 'application/fhir+json',
            'content-type': 'application/fhir+json',
            ...(createOptions.idempotencyKey ? { 'idempotency-key': createOptions.idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
          dispatcher: options.dispatcher,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch {
        throw new AppError('fhir_unavailable', 503);
      }
      await response.body.dump().catch(() => undefined);
      if (response.statusCode === 401) {
        await options.onUnauthorized?.();
        throw new SignInRequired();
      }
      if (response.statusCode !== 201) {
        if (response.statusCode >= 400 && response.statusCode < 500) throw new WriteRefused(response.statusCode);
        throw new AppError('fhir_unavailable', 503);
      }
      // The Location must be the facade's own (`[base]/[type]/[id]/_history/[vid]`): the id is taken from nothing else.
      const location = String(response.headers['location'] ?? '');
      const prefix = `${options.fhirBase}/${type}/`;
      const id = location.startsWith(prefix) ? location.slice(prefix.length).split('/')[0] : undefined;
      if (!isFhirId(id)) throw new AppError('fhir_unavailable', 503);
      return { id };
    },
  };
}
