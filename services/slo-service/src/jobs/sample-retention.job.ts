import { BURN_ALERT_LOOKBACK_MINUTES } from '@obs/domain';
import type { JobDefinition, ServiceContext } from '@obs/service-kit';

export const SAMPLE_RETENTION_JOB = 'slo-sample-retention';
const HOUR_MS = 60 * 60_000;
/** Rows deleted per statement, and statements per run: a run stays short whatever the backlog. */
const BATCH = 5_000;
const MAX_BATCHES = 20;

/**
 * Deletes counted metric windows that no evaluation can read again: those that ended before the
 * SLO's last evaluation minus the longer of its window and the 3-day window of the ticket
 * burn-rate alert. Evaluation time only moves forward (event time), so such a sample never
 * counts again. Bounded per run.
 */
export function sampleRetentionJob(ctx: ServiceContext, intervalMs = HOUR_MS): JobDefinition {
  return {
    name: SAMPLE_RETENTION_JOB,
    intervalMs,
    // Idempotent deletes of disjoint batches: two runners at once only share the work.
    singleActive: false,
    async run() {
      for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
        const result = await ctx.dataSource.query<[unknown[], number]>(
          `DELETE FROM ${ctx.table('slo_samples')} AS s
            WHERE s.ctid IN (
              SELECT x.ctid FROM ${ctx.table('slo_samples')} AS x
                JOIN ${ctx.table('slos')} AS d ON d.id = x.slo_id
               WHERE d.last_evaluated_at IS NOT NULL
                 AND x.window_end <= d.last_evaluated_at
                       - make_interval(mins => greatest(d.window_minutes, ${BURN_ALERT_LOOKBACK_MINUTES}))
               LIMIT ${BATCH}
               FOR UPDATE OF x SKIP LOCKED)`,
        );
        if (!Array.isArray(result) || Number(result[1] ?? 0) < BATCH) return;
      }
    },
  };
}
