/**
 * The record client a section's loader reads through, noting every search that had more pages than the
 * client follows (`complete: false`). The list loaders show what they got; the summary must also say when
 * that was not everything, without the loaders changing what they read.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { RecordClient, SearchResult } from '../../record/record-client.ts';

export interface TrackedRecord {
  readonly record: RecordClient;
  /** The searches (path up to `?` is the resource type) that came back incomplete. */
  readonly incomplete: readonly string[];
}

export function trackedRecord(record: RecordClient): TrackedRecord {
  const incomplete: string[] = [];
  return {
    incomplete,
    record: {
      patient: record.patient,
      proxy: record.proxy,
      read: <T extends Resource>(path: string) => record.read<T>(path),
      async search<T extends Resource>(path: string, options?: { maxPages?: number }): Promise<SearchResult<T>> {
        const result = await record.search<T>(path, options);
        if (!result.complete) incomplete.push(path);
        return result;
      },
    },
  };
}
