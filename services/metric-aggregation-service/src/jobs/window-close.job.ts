import { startConsumerSpan, type JobDefinition, type ServiceContext } from '@obs/service-kit';
import type { MetricServiceConfig } from '../config.js';
import { lockClosableWindows, markClosed, toMetricSeries } from '../metric-window.repository.js';

/** Windows closed per transaction; a run continues batch after batch up to MAX_BATCHES. */
const BATCH = 200;
const MAX_BATCHES = 50;

export interface CloseResult {
  readonly closed: number;
}

/**
 * Closes windows on an event-time watermark and emits MetricAggregated for each, in the same
 * transaction as the close (outbox). A tenant's watermark is the newest point timestamp it sent,
 * or the clock minus the idle timeout when that is later (so a tenant that went quiet still gets
 * its last windows). A window closes once the watermark reaches its end plus grace; the event's
 * time is exactly end + grace, so closing is a pure function of the data, whenever the job runs.
 */
export class WindowCloser {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: MetricServiceConfig,
  ) {}

  /** SKIP LOCKED makes two instances safe; a single active one keeps the outbox in window order. */
  asJob(): JobDefinition {
    return {
      name: 'window-close',
      intervalMs: this.config.closeIntervalMs,
      singleActive: true,
      run: async () => {
        await this.closeDue();
      },
    };
  }

  async closeDue(): Promise<CloseResult> {
    const idleWatermark = new Date(this.ctx.clock() - this.config.idleCloseMs);
    let closed = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const { span, context } = startConsumerSpan('close metric windows', {});
      try {
        const n = await this.ctx.uow.run({ context }, async (tx) => {
          const rows = await lockClosableWindows(
            tx,
            (name) => this.ctx.table(name),
            idleWatermark,
            this.config.graceMs,
            BATCH,
          );
          for (const row of rows) {
            const series = toMetricSeries(row, this.config.exemplars);
            const closesAt = new Date(row.windowEnd.getTime() + this.config.graceMs).toISOString();
            series.close(closesAt, this.config.graceMs);
            const version = row.version + 1;
            await markClosed(tx, row, closesAt, version);
            await tx.publish(series.pullEvents(), version);
          }
          return rows.length;
        });
        closed += n;
        if (n < BATCH) break;
      } finally {
        span.end();
      }
    }
    return { closed };
  }
}
