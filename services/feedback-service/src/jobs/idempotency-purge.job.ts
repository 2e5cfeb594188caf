import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { IdempotencyKeys } from '../idempotency-keys.js';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-purge';
const HOURLY_MS = 60 * 60_000;

/** Forgets Idempotency-Keys past their TTL, so the table holds about one day of POSTs. */
export function idempotencyPurgeJob(ctx: ServiceContext, keys: IdempotencyKeys): JobDefinition {
  return {
    name: IDEMPOTENCY_PURGE_JOB,
    intervalMs: HOURLY_MS,
    // A DELETE by age is safe to run twice at once.
    singleActive: false,
    run: async () => {
      await keys.purge(ctx.dataSource, new Date(ctx.clock()));
    },
  };
}
