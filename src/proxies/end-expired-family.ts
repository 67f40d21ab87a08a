/**
 * Access with an end date (issue 13): the facade stops honouring it at that instant without any write (the
 * store's reach view compares `ends_at` with now), but FHIR still shows an active Consent until someone says
 * otherwise. The daily sweep says so: each link past its end date and not yet ended is ended in the store as
 * 'expired' at its end date, with the outbox job that ends its FHIR pair at that instant (src/proxies/
 * family-fhir-job.ts), in one transaction. The store's end (revoked_at) is the mark that the job was queued,
 * so each link is queued once, however often or wherever the sweep runs.
 */
import { expiredFamilyLinks } from '../store/family.ts';
import { endFamilyAccessIn } from './manage-family.ts';
import type { ProxiesDeps } from './deps.ts';

/** Ends, in the store and (through the outbox) in FHIR, every link whose end date has passed; how many. */
export async function endExpiredFamilyAccess(deps: ProxiesDeps): Promise<number> {
  let ended = 0;
  for (const link of await expiredFamilyLinks(deps.db, deps.now())) {
    const row = await deps.db.transaction((tx) =>
      endFamilyAccessIn(tx, deps, {
        patient: link.patient,
        relatedPerson: link.related_person!,
        by: 'expired',
        actor: link.patient,
        accountId: link.account_id,
        clientAddress: '127.0.0.1',
        notify: false,
        patientName: '',
        at: link.ends_at!,
      }),
    );
    if (row) ended += 1;
  }
  return ended;
}
