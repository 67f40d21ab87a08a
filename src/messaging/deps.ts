/** What the secure-message services need, made by the composition root (src/context.ts) and passed down by the routers. */
import type { MessagesConfig } from '../config/messages-config.ts';
import type { Practice } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/db.ts';
import type { FhirClient } from '../store/fhir-client.ts';

export interface MessagingDeps {
  readonly db: Db;
  /** The portal's system credential to HAPI: staff-side reads and writes, read-state tags, automatic replies. */
  readonly fhir: FhirClient;
  readonly practice: Practice;
  readonly messages: MessagesConfig;
  readonly publicUrl: URL;
  /** The facade's public base (`<publicUrl>/fhir`): an attachment url on it names a local Binary, as on HAPI's. */
  readonly fhirBase: string;
  readonly now: () => Date;
  /** For what fails after a message is accepted (the pool's notice): ids and error classes only, never PHI. */
  readonly log: Logger;
}
