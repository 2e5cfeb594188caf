import { startConsumerSpan, type JobDefinition, type ServiceContext } from '@obs/service-kit';
import { settledBefore, type SloServiceConfig } from '../config.js';
import type { SloStore } from '../slo-definition.repository.js';
import { observe } from '../slo-observation.js';

export const BURN_CLOCK_JOB = 'slo-burn-clock';
/** SLOs advanced per run at most; the next run continues. */
const MAX_SLOS_PER_RUN = 5_000;
const MINUTE_MS = 60_000;

interface DueRow {
  id: string;
  tenant_id: string;
}

/**
 * "Never wait for data that may not come": an SLO is evaluated when a metric window arrives, so a
 * metric that stops reporting would freeze its burn-rate alerts (a page that never clears, a
 * spike whose last minute never pairs). This job moves the evaluation time of every SLO that has
 * been evaluated before with the wall clock: at (now − lag) floored to the minute, when that is
 * later than its last evaluation. Windows that arrived in between are counted as the consumer
 * counts them (same `observe`, same pairing grace), so the job and the consumer agree; the job
 * publishes what the evaluation records (burn-rate alerts fired or resolved, a breach) through the
 * outbox in the same transaction. SLOs whose windows keep arriving are already evaluated past
 * (now − lag) by the consumer, so the job leaves them alone.
 */
export function burnClockJob(
  ctx: ServiceContext,
  store: SloStore,
  config: SloServiceConfig,
): JobDefinition {
  async function advance(row: DueRow, at: string, now: number): Promise<void> {
    const { span, context } = startConsumerSpan('advance slo burn clock', {});
    try {
      await ctx.uow.run({ context }, async (tx) => {
        const loaded = await store.loadForUpdate(tx, row.tenant_id, row.id);
        if (!loaded) return;
        const last = loaded.aggregate.lastEvaluatedAt;
        // The consumer may have moved it while this run waited for the lock.
        if (last === null || Date.parse(last) >= Date.parse(at)) return;
        const snapshot = loaded.aggregate.toSnapshot();
        const observation = await observe(ctx, tx, snapshot, at, settledBefore(now, config));
        loaded.aggregate.evaluate(observation, at);
        await store.save(tx, loaded.aggregate, loaded.version);
      });
    } finally {
      span.end();
    }
  }

  return {
    name: BURN_CLOCK_JOB,
    intervalMs: config.burnClockIntervalMs,
    // Row locks make concurrent runs safe, but one runner is enough and cheaper.
    singleActive: true,
    run: async () => {
      const now = ctx.clock();
      const atMs = Math.floor((now - config.burnClockLagMs) / MINUTE_MS) * MINUTE_MS;
      const at = new Date(atMs).toISOString();
      const due = await ctx.dataSource.query<DueRow[]>(
        `SELECT id, tenant_id FROM ${ctx.table('slos')}
          WHERE last_evaluated_at IS NOT NULL AND last_evaluated_at < $1::timestamptz
          ORDER BY id LIMIT ${MAX_SLOS_PER_RUN}`,
        [at],
      );
      for (const row of due) {
        try {
          await advance(row, at, now);
        } catch (err) {
          // One broken SLO must not hold back the others; it is retried on the next run.
          ctx.logger.error({ err, sloId: row.id }, 'advancing the SLO burn clock failed');
        }
      }
    },
  };
}
