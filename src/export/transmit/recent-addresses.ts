/** The Direct addresses a patient's record went to most recently, offered again on the send page. */
import type { Queryable } from '../../store/db.ts';
import { recentDirectAddresses as recentInStore } from '../../store/transmissions.ts';

export const recentDirectAddresses = (db: Queryable, patient: string): Promise<string[]> => recentInStore(db, `Patient/${patient}`);
