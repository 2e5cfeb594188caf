import type { JobDefinition, ServiceContext } from '@obs/service-kit';
import type { TraceServiceConfig } from '../config.js';

const DAY_MS = 86_400_000;
/** Traces deleted per statement, so one run never holds a long lock or a huge transaction. */
const BATCH = 1_000;

/**
 * Deletes unpinned traces (their row and their spans) whose start is older than
 * TRACE_RETENTION_DAYS, by the injected clock. A pinned trace is kept as evidence until unpinned;
 * the pin is re-checked under the row lock, so a pin that lands mid-run wins.
 */
export class TraceRetention {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: TraceServiceConfig,
  ) {}

  asJob(): JobDefinition {
    return {
      name: 'trace-retention',
      intervalMs: this.config.retentionIntervalMs,
      singleActive: true,
      run: async () => {
        while ((await this.deleteBatch()) === BATCH) {
          // A full batch means more may be due.
        }
      },
    };
  }

  /** @returns how many traces were deleted. */
  async deleteBatch(): Promise<number> {
    const cutoff = this.ctx.clock() - this.config.retentionDays * DAY_MS;
    const traces = this.ctx.table('traces');
    const spans = this.ctx.table('spans');
    const rows: { n: string }[] = await this.ctx.dataSource.query(
      `WITH expired AS (
         SELECT tenant_id, trace_id FROM ${traces}
          WHERE pinned_at IS NULL AND start_ms < $1
          ORDER BY start_ms LIMIT $2 FOR UPDATE SKIP LOCKED
       ), gone AS (
         DELETE FROM ${traces} t USING expired e
          WHERE t.tenant_id = e.tenant_id AND t.trace_id = e.trace_id AND t.pinned_at IS NULL
         RETURNING t.tenant_id, t.trace_id
       ), spans_gone AS (
         DELETE FROM ${spans} s USING gone g
          WHERE s.tenant_id = g.tenant_id AND s.trace_id = g.trace_id
       )
       SELECT count(*) AS n FROM gone`,
      [cutoff, BATCH],
    );
    const deleted = Number(rows[0]?.n ?? 0);
    if (deleted < BATCH) {
      // The last batch of the run: operations no kept span was seen with lately are forgotten.
      await this.ctx.dataSource.query(
        `DELETE FROM ${this.ctx.table('operations')} WHERE last_seen_ms < $1`,
        [cutoff],
      );
    }
    return deleted;
  }
}
