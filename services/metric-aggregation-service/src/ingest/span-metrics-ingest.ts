import type { PayloadOf } from '@obs/event-envelope';
import type { ServiceContext, Transaction } from '@obs/service-kit';
import { CumulativeStreams } from './cumulative-streams.js';
import type { PointIngest } from './point-ingest.js';
import { spanMetricPoints, spanMetricStreams } from './span-metrics-points.js';

/**
 * Writes one SpanMetricsRecorded as points of traces.service.calls and traces.service.duration,
 * inside the consumer's transaction (with its inbox row): the streams' running totals are locked,
 * advanced and stored, and the points go through the same PointIngest as every other metric, so
 * windows, MetricAggregated, alert rules, SLOs and the Prometheus API see ordinary series.
 */
export class SpanMetricsIngest {
  private readonly totals: CumulativeStreams;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly points: PointIngest,
  ) {
    this.totals = new CumulativeStreams(ctx.table('cumulative_streams'));
  }

  async record(
    tx: Transaction,
    tenantId: string,
    payload: PayloadOf<'SpanMetricsRecorded'>,
  ): Promise<void> {
    const ids = payload.series.flatMap((series) => {
      const streams = spanMetricStreams(tenantId, series);
      return [streams.calls.id, streams.duration.id];
    });
    const last = await this.totals.lock(tx, tenantId, ids);
    const { points, totals } = spanMetricPoints(tenantId, payload, last);
    await this.totals.save(tx, totals);
    await this.points.ingest(tx, tenantId, points, this.ctx.clock());
  }
}
