import { DomainError, telemetryDimensions } from '@obs/domain';
import type { PayloadOf } from '@obs/event-envelope';
import type { CumulativePoint, CumulativeState } from './cumulative.js';
import { metricStream, type MetricStream } from './metric-stream.js';
import { histogramDistribution } from './otlp-distributions.js';
import type { PreparedPoint } from './prepared-point.js';

/*
 * SpanMetricsRecorded → ordinary MetricSeries points (docs/services/metric-aggregation.md#red-metrics-from-spans).
 * Each event carries what one assembly run counted (deltas); the windows take the deltas, and the
 * stream's running total is kept in cumulative_streams so the Prometheus API answers a counter
 * (`traces_service_calls_total`) and a cumulative histogram, as Tempo's metrics-generator and the
 * spanmetrics connector expose them. Pure: the caller locks and stores the totals.
 */

type SpanMetricsRecordedPayload = PayloadOf<'SpanMetricsRecorded'>;
type SpanMetricsSeries = SpanMetricsRecordedPayload['series'][number];

/** Calls, a monotonic counter: errors are the calls labelled status.code=STATUS_CODE_ERROR. */
export const SPAN_CALLS_METRIC = 'traces.service.calls';
export const SPAN_CALLS_UNIT = '{call}';
/** Span duration, an explicit-bucket histogram in milliseconds. */
export const SPAN_DURATION_METRIC = 'traces.service.duration';
export const SPAN_DURATION_UNIT = 'ms';

/** The series' labels besides the dimensions, named as the spanmetrics connector names them. */
export function spanMetricAttributes(series: SpanMetricsSeries): Record<string, string> {
  return {
    'span.name': series.spanName,
    'span.kind': series.spanKind,
    'status.code': series.statusCode,
  };
}

export interface SpanMetricStreams {
  readonly calls: MetricStream;
  readonly duration: MetricStream;
}

/** The two streams of a series (validated: a series of another tenant is refused). */
export function spanMetricStreams(tenantId: string, series: SpanMetricsSeries): SpanMetricStreams {
  const dimensions = telemetryDimensions(series.dimensions);
  if (dimensions.tenantId !== tenantId) {
    throw new DomainError('telemetry.tenant_mismatch', 'span metrics of another tenant', {
      tenantId: dimensions.tenantId,
    });
  }
  const attributes = spanMetricAttributes(series);
  return {
    calls: metricStream({
      metricName: SPAN_CALLS_METRIC,
      unit: SPAN_CALLS_UNIT,
      kind: 'sum',
      dimensions,
      attributes,
      promType: 'counter',
    }),
    duration: metricStream({
      metricName: SPAN_DURATION_METRIC,
      unit: SPAN_DURATION_UNIT,
      kind: 'histogram',
      dimensions,
      attributes,
      promType: 'histogram',
    }),
  };
}

type HistogramState = Extract<CumulativeState, { kind: 'histogram' }>;

export interface SpanMetricPoints {
  readonly points: PreparedPoint[];
  /** Each stream's new running total, to store in cumulative_streams. */
  readonly totals: { readonly id: string; readonly point: CumulativePoint }[];
}

/**
 * The points of one event, given each stream's last total (`last`, undefined for a new stream).
 * A point's time is the event's observedAt, never before its stream's last point: events of
 * several assembling processes may arrive out of order, and a counter must not go back in time.
 */
export function spanMetricPoints(
  tenantId: string,
  payload: SpanMetricsRecordedPayload,
  last: ReadonlyMap<string, CumulativePoint | undefined>,
): SpanMetricPoints {
  const observedAt = Date.parse(payload.observedAt);
  const current = new Map(last);
  const points: PreparedPoint[] = [];
  // The stream's next total: its time, and where the total started (kept unless it restarts).
  const advance = (
    stream: MetricStream,
    add: (previous: CumulativeState | undefined) => { state: CumulativeState; restart: boolean },
  ): { at: number; point: CumulativePoint } => {
    const previous = current.get(stream.id);
    const at =
      previous === undefined
        ? observedAt
        : Math.max(observedAt, Number(previous.timeNs / 1_000_000n));
    const timeNs = BigInt(at) * 1_000_000n;
    const { state, restart } = add(previous?.state);
    const startNs = previous === undefined || restart ? timeNs : previous.startNs;
    const point: CumulativePoint = { startNs, timeNs, state };
    current.set(stream.id, point);
    return { at, point };
  };
  for (const series of payload.series) {
    const streams = spanMetricStreams(tenantId, series);
    const calls = advance(streams.calls, (previous) =>
      previous?.kind === 'sum'
        ? { state: { kind: 'sum', value: previous.value + series.calls }, restart: false }
        : { state: { kind: 'sum', value: series.calls }, restart: true },
    );
    points.push({
      stream: streams.calls,
      at: calls.at,
      value: series.calls,
      traceId: null,
      detail: null,
      contribution: { kind: 'value', value: series.calls },
      prom: (calls.point.state as { value: number }).value,
    });
    const delta: HistogramState = {
      kind: 'histogram',
      count: series.calls,
      sum: series.durationSumMs,
      bounds: payload.durationBoundsMs,
      buckets: series.bucketCounts,
    };
    const duration = advance(streams.duration, (previous) => addHistograms(previous, delta));
    const total = duration.point.state as HistogramState;
    points.push({
      stream: streams.duration,
      at: duration.at,
      value: delta.sum,
      traceId: null,
      detail: delta,
      contribution: {
        kind: 'distribution',
        distribution: histogramDistribution(
          delta,
          { min: series.durationMinMs, max: series.durationMaxMs },
          [],
        ),
      },
      prom: { count: total.count, sum: total.sum, bounds: total.bounds, buckets: total.buckets },
    });
  }
  const totals = [...current]
    .filter(
      (entry): entry is [string, CumulativePoint] =>
        entry[1] !== undefined && entry[1] !== last.get(entry[0]),
    )
    .map(([id, point]) => ({ id, point }));
  return { points, totals };
}

/**
 * The running histogram plus one run's: bucket by bucket. Other bounds than the total's (the
 * bucket layout changed with a release) start a new total, as a counter reset would.
 */
function addHistograms(
  total: CumulativeState | undefined,
  delta: HistogramState,
): { state: HistogramState; restart: boolean } {
  if (
    total?.kind !== 'histogram' ||
    total.bounds.length !== delta.bounds.length ||
    total.bounds.some((b, i) => b !== delta.bounds[i]) ||
    total.buckets.length !== delta.buckets.length
  ) {
    return { state: delta, restart: true };
  }
  return {
    state: {
      kind: 'histogram',
      count: total.count + delta.count,
      sum: total.sum + delta.sum,
      bounds: delta.bounds,
      buckets: delta.buckets.map((c, i) => c + (total.buckets[i] ?? 0)),
    },
    restart: false,
  };
}
