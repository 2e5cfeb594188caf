import { ensure } from '../kernel/domain-error.js';
import { tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { dimensionKey, type TelemetryDimensions } from '../kernel/telemetry-dimensions.js';
import { parseInstant } from '../kernel/time.js';
import {
  TRACE_RECORD_AGGREGATE_TYPE,
  type SpanMetricsRecorded,
  type SpanMetricsSeries,
} from './trace-record.events.js';
import type { TraceStatus } from './trace-status.js';

/*
 * RED metrics (rate, errors, duration) from spans, as Tempo's metrics-generator and the
 * OpenTelemetry Collector's spanmetrics connector compute them (and Jaeger's SPM reads them): per
 * service (the span's resource, all eleven dimensions), span name, span kind and status code, a
 * call count and a duration histogram with explicit buckets. Errors are the calls whose status
 * code is STATUS_CODE_ERROR, a label, not a metric of their own, as in both.
 */

/** The spanmetrics connector's default buckets, in milliseconds (its `histogram.explicit`). */
export const SPAN_METRICS_DURATION_BOUNDS_MS: readonly number[] = [
  2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1_000, 1_400, 2_000, 5_000, 10_000, 15_000,
];

/** OTLP SpanKind by its number, spelled as the spanmetrics connector labels it. */
export const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
export type SpanKindLabel = (typeof SPAN_KINDS)[number];

export const SPAN_STATUS_CODES = [
  'STATUS_CODE_UNSET',
  'STATUS_CODE_OK',
  'STATUS_CODE_ERROR',
] as const;
export type SpanStatusCodeLabel = (typeof SPAN_STATUS_CODES)[number];

const STATUS_LABELS: Readonly<Record<TraceStatus, SpanStatusCodeLabel>> = {
  unset: 'STATUS_CODE_UNSET',
  ok: 'STATUS_CODE_OK',
  error: 'STATUS_CODE_ERROR',
};

/**
 * Series per event: an event stays well below a Kafka record's 1 MB (a series is about 700 bytes
 * of JSON); a batch with more is published as several events.
 */
export const MAX_SERIES_PER_EVENT = 500;

/** What a span contributes: its identity (to count it once), its labels and its duration. */
export interface MeteredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  /** OTLP SpanKind number (0 unspecified … 5 consumer); anything else counts as unspecified. */
  readonly kind: number;
  readonly status: TraceStatus;
  readonly durationMs: number;
  /** The span's resource: its service and the other ten dimensions. */
  readonly dimensions: TelemetryDimensions;
}

interface SeriesState {
  readonly dimensions: TelemetryDimensions;
  readonly spanName: string;
  readonly spanKind: SpanKindLabel;
  readonly statusCode: SpanStatusCodeLabel;
  calls: number;
  durationSumMs: number;
  durationMinMs: number;
  durationMaxMs: number;
  readonly bucketCounts: number[];
}

/**
 * The RED metrics of the spans one assembly run saw for the first time, for one tenant. Each span
 * counts once by (traceId, spanId): an exporter's retried copy within the batch adds nothing, and
 * assembly gives it only the spans its trace did not hold yet, so a span is counted by exactly one
 * batch. `recorded` turns the batch into SpanMetricsRecorded events (none when empty).
 */
export class SpanMetricsBatch {
  private readonly series = new Map<string, SeriesState>();
  private readonly counted = new Set<string>();

  private constructor(readonly tenantId: TenantId) {}

  static forTenant(tenantId: string): SpanMetricsBatch {
    return new SpanMetricsBatch(toTenantId(tenantId));
  }

  /** Spans counted so far (distinct). */
  get spanCount(): number {
    return this.counted.size;
  }

  /** Counts a span once; a second copy of the same (traceId, spanId) is ignored. */
  count(span: MeteredSpan): void {
    ensure(
      span.dimensions.tenantId === this.tenantId,
      'trace.span_metrics_tenant_mismatch',
      "a span's metrics are counted for its own tenant only",
      { tenantId: span.dimensions.tenantId, batchTenantId: this.tenantId },
    );
    ensure(
      Number.isFinite(span.durationMs) && span.durationMs >= 0,
      'trace.invalid_duration',
      'a span duration must be a finite number of milliseconds, at least 0',
      { durationMs: span.durationMs },
    );
    const identity = `${span.traceId}/${span.spanId}`;
    if (this.counted.has(identity)) return;
    this.counted.add(identity);
    const spanKind = SPAN_KINDS[span.kind] ?? 'SPAN_KIND_UNSPECIFIED';
    const statusCode = STATUS_LABELS[span.status];
    const key = `${dimensionKey({ ...span.dimensions })}\u0000${span.name}\u0000${spanKind}\u0000${statusCode}`;
    let state = this.series.get(key);
    if (state === undefined) {
      state = {
        dimensions: span.dimensions,
        spanName: span.name,
        spanKind,
        statusCode,
        calls: 0,
        durationSumMs: 0,
        durationMinMs: Infinity,
        durationMaxMs: -Infinity,
        bucketCounts: new Array<number>(SPAN_METRICS_DURATION_BOUNDS_MS.length + 1).fill(0),
      };
      this.series.set(key, state);
    }
    state.calls += 1;
    state.durationSumMs += span.durationMs;
    state.durationMinMs = Math.min(state.durationMinMs, span.durationMs);
    state.durationMaxMs = Math.max(state.durationMaxMs, span.durationMs);
    const bucket = bucketOf(span.durationMs);
    state.bucketCounts[bucket] = (state.bucketCounts[bucket] as number) + 1;
  }

  /** The series so far, in a stable order (by key). */
  toSeries(): SpanMetricsSeries[] {
    return [...this.series.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => ({
        dimensions: s.dimensions,
        spanName: s.spanName,
        spanKind: s.spanKind,
        statusCode: s.statusCode,
        calls: s.calls,
        durationSumMs: s.durationSumMs,
        durationMinMs: s.durationMinMs,
        durationMaxMs: s.durationMaxMs,
        bucketCounts: [...s.bucketCounts],
      }));
  }

  /**
   * The batch as events of one aggregate `batchId` (one per MAX_SERIES_PER_EVENT series, in
   * order); `observedAt` is the assembly time, the time the points are written at.
   */
  recorded(batchId: string, observedAt: string): SpanMetricsRecorded[] {
    ensure(batchId.trim() !== '', 'trace.invalid_batch_id', 'a span metrics batch needs an id');
    parseInstant(observedAt, 'observedAt');
    const all = this.toSeries();
    const events: SpanMetricsRecorded[] = [];
    for (let i = 0; i < all.length; i += MAX_SERIES_PER_EVENT) {
      const series = all.slice(i, i + MAX_SERIES_PER_EVENT);
      events.push({
        eventType: 'SpanMetricsRecorded',
        aggregateType: TRACE_RECORD_AGGREGATE_TYPE,
        aggregateId: batchId,
        tenantId: this.tenantId,
        traceId: null,
        occurredAt: observedAt,
        payload: {
          observedAt,
          part: events.length + 1,
          spanCount: series.reduce((sum, s) => sum + s.calls, 0),
          durationBoundsMs: [...SPAN_METRICS_DURATION_BOUNDS_MS],
          series,
        },
      });
    }
    return events;
  }
}

/** The explicit bucket a duration falls in: bucket i holds (bounds[i-1], bounds[i]], as OTLP. */
export function bucketOf(durationMs: number): number {
  const bounds = SPAN_METRICS_DURATION_BOUNDS_MS;
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (durationMs <= (bounds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
