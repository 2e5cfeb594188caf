import type {
  OtlpIngestResult,
  OtlpMetricsRequest,
  ServiceContext,
  Transaction,
} from '@obs/service-kit';
import { startConsumerSpan } from '@obs/service-kit';
import type { MetricServiceConfig } from '../config.js';
import { cumulativeDelta, type CumulativePoint, type CumulativeState } from './cumulative.js';
import { CumulativeStreams } from './cumulative-streams.js';
import {
  exponentialDistribution,
  histogramDistribution,
  summaryDistribution,
} from './otlp-distributions.js';
import { parseOtlpMetrics, type OtlpPoint } from './otlp-metrics.js';
import type { PointIngest } from './point-ingest.js';
import type { PreparedPoint } from './prepared-point.js';

/** The most errors named in partialSuccess.errorMessage (the rest are counted only). */
const MAX_REASONS = 10;

/**
 * OTLP metrics → points: cumulative points become deltas per stream against the last point
 * stored in `cumulative_streams`, in the same transaction as the points and windows (so a crash
 * can neither lose a delta nor count one twice), then everything goes through PointIngest.
 */
export class OtlpMetricsIngest {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: MetricServiceConfig,
    private readonly points: PointIngest,
  ) {}

  async ingest(request: OtlpMetricsRequest, tenantId: string): Promise<OtlpIngestResult> {
    const now = this.ctx.clock();
    const parsed = parseOtlpMetrics(request, tenantId, now, this.config.maxFutureMs);
    if (parsed.points.length > 0) {
      const { span, context } = startConsumerSpan('ingest OTLP metrics', {});
      try {
        await this.ctx.uow.run({ context }, async (tx) => {
          const prepared = await this.toDeltas(tx, tenantId, parsed.points);
          await this.points.ingest(tx, tenantId, prepared, now);
        });
      } finally {
        span.end();
      }
    }
    const reasons = parsed.reasons.slice(0, MAX_REASONS).join('; ');
    return reasons === ''
      ? { rejected: parsed.rejected }
      : { rejected: parsed.rejected, errorMessage: reasons };
  }

  private async toDeltas(
    tx: Transaction,
    tenantId: string,
    points: readonly OtlpPoint[],
  ): Promise<PreparedPoint[]> {
    const cumulative = new Map<string, OtlpPoint[]>();
    const prepared: PreparedPoint[] = [];
    for (const p of points) {
      if (p.temporality === 'cumulative') {
        const list = cumulative.get(p.stream.id) ?? [];
        list.push(p);
        cumulative.set(p.stream.id, list);
      } else {
        prepared.push(this.prepare(p, p.state));
      }
    }
    if (cumulative.size === 0) return prepared;
    const ids = [...cumulative.keys()].sort();
    const streams = new CumulativeStreams(this.ctx.table('cumulative_streams'));
    const last = await streams.lock(tx, tenantId, ids);
    const updated: { id: string; point: CumulativePoint }[] = [];
    for (const id of ids) {
      const list = (cumulative.get(id) ?? []).sort((a, b) =>
        a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0,
      );
      let previous = last.get(id);
      for (const p of list) {
        const point: CumulativePoint = {
          startNs: p.startNs,
          timeNs: p.timeNs,
          state: p.state as CumulativeState,
        };
        const outcome = cumulativeDelta(previous, point);
        if (outcome.kind === 'dropped') continue;
        prepared.push(this.prepare(p, outcome.delta));
        previous = point;
      }
      if (previous !== undefined && previous !== last.get(id))
        updated.push({ id, point: previous });
    }
    await streams.save(tx, updated);
    return prepared;
  }

  /** A point with its (delta) state as what it adds to its windows. */
  private prepare(p: OtlpPoint, state: OtlpPoint['state']): PreparedPoint {
    const base = {
      stream: p.stream,
      at: p.at,
      traceId: p.exemplars[0]?.traceId ?? null,
      prom: promValueOf(p),
    };
    switch (state.kind) {
      case 'gauge':
      case 'sum':
        return {
          ...base,
          value: state.value,
          detail: null,
          contribution: { kind: 'value', value: state.value },
        };
      case 'histogram':
        return {
          ...base,
          value: state.sum,
          detail: state,
          contribution: {
            kind: 'distribution',
            distribution: histogramDistribution(state, p, p.exemplars),
          },
        };
      case 'exponential_histogram':
        return {
          ...base,
          value: state.sum,
          detail: state,
          contribution: {
            kind: 'distribution',
            distribution: exponentialDistribution(state, p, p.exemplars),
          },
        };
      case 'summary':
        return {
          ...base,
          value: state.sum,
          detail: { ...state, quantiles: p.quantiles ?? [] },
          contribution: {
            kind: 'distribution',
            distribution: summaryDistribution(state.count, state.sum, p.quantiles ?? []),
          },
        };
    }
  }
}

/**
 * A cumulative point's value as Prometheus reads it (the stream's `raw_points.prom`): a counter's
 * total as received, a histogram's cumulative count, sum and buckets, a summary's or exponential
 * histogram's count and sum. The windows count the delta; Prometheus' rate() wants the total.
 */
function promValueOf(p: OtlpPoint): unknown {
  if (p.temporality !== 'cumulative' || p.stream.promType === null) return undefined;
  const s = p.state;
  switch (s.kind) {
    case 'sum':
      return p.stream.promType === 'counter' ? s.value : undefined;
    case 'histogram':
      return { count: s.count, sum: s.sum, bounds: s.bounds, buckets: s.buckets };
    case 'exponential_histogram':
    case 'summary':
      return { count: s.count, sum: s.sum };
    default:
      return undefined;
  }
}
