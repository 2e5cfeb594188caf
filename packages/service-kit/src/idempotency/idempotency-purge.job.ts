import type { DataSource } from 'typeorm';
import type { JobDefinition } from '../jobs/job-runner.js';
import { IdempotencyKeys } from './idempotency-keys.js';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-purge';
const HOURLY_MS = 60 * 60_000;

/** Forgets expired Idempotency-Keys, so the table holds about one TTL of creates. */
export function idempotencyPurgeJob(
  dataSource: DataSource,
  table: string,
  clock: () => number,
): JobDefinition {
  const keys = new IdempotencyKeys(table);
  return {
    name: IDEMPOTENCY_PURGE_JOB,
    intervalMs: HOURLY_MS,
    // A DELETE by expiry is safe to run twice at once.
    singleActive: false,
    run: async () => {
      await keys.purge(dataSource, new Date(clock()));
    },
  };
}
