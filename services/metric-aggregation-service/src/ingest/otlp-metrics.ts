import {
  DomainError,
  valueForUnit,
  type MetricExemplar,
  type TelemetryDimensions,
} from '@obs/domain';
import {
  attributesToRecord,
  resourceDimensions,
  type AttributeValue,
  type KeyValue,
  type OtlpExemplar,
  type OtlpMetric,
  type OtlpMetricsRequest,
} from '@obs/service-kit';
import type { CumulativeState } from './cumulative.js';
import {
  metricStream,
  type MetricKind,
  type MetricStream,
  type PromType,
} from './metric-stream.js';

/** OTLP AggregationTemporality. */
const DELTA = 1;
const CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: a staleness marker, not a value. */
const NO_RECORDED_VALUE = 1;
const NS_PER_MS = 1_000_000n;

/** One data point, validated, before temporality: a delta or gauge value, or a cumulative state. */
export interface OtlpPoint {
  readonly stream: MetricStream;
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly at: number;
  readonly exemplars: readonly MetricExemplar[];
  /** Delta (or gauge) points are used as they are; cumulative ones become deltas per stream. */
  readonly temporality: 'delta' | 'cumulative';
  readonly state: CumulativeState | { readonly kind: 'gauge'; readonly value: number };
  /** Exact extremes (delta histograms only: cumulative min/max span the whole start period). */
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** Summary quantiles, as reported. */
  readonly quantiles?: readonly { readonly quantile: number; readonly value: number }[];
}

export interface ParsedMetrics {
  readonly points: OtlpPoint[];
  readonly rejected: number;
  /** Distinct reasons, for partialSuccess.errorMessage. */
  readonly reasons: string[];
}

/** OTLP attribute values as label strings: scalars as written, arrays and maps as JSON. */
function labelOf(value: AttributeValue): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
}

function labels(attributes: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributesToRecord(attributes)))
    out[key] = labelOf(value);
  return out;
}

function nanos(value: string | undefined): bigint {
  return value === undefined ? 0n : BigInt(value);
}

function count(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}

function exemplarsOf(exemplars: readonly OtlpExemplar[] | undefined): MetricExemplar[] {
  return (exemplars ?? []).flatMap((e) => {
    const value = e.asDouble ?? (e.asInt === undefined ? undefined : Number(e.asInt));
    return e.traceId !== undefined && value !== undefined && Number.isFinite(value)
      ? [{ traceId: e.traceId, value }]
      : [];
  });
}

/**
 * Splits an OTLP metrics request into validated points. A resource without the eleven dimension
 * attributes (or of another tenant) rejects all its points, naming the attributes; a point with
 * no time, a value the unit cannot hold, a time too far ahead or an unspecified temporality is
 * rejected alone. Staleness markers (no recorded value) are skipped, not rejected.
 */
export function parseOtlpMetrics(
  request: OtlpMetricsRequest,
  tenantId: string,
  now: number,
  maxFutureMs: number,
): ParsedMetrics {
  const points: OtlpPoint[] = [];
  const reasons = new Set<string>();
  let rejected = 0;
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const dims = resourceDimensions(resourceMetrics.resource?.attributes, tenantId);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        if (!dims.ok) {
          rejected += dataPointCount(metric);
          reasons.add(dims.reason);
          continue;
        }
        const result = parseMetric(metric, dims.dimensions, now, maxFutureMs);
        points.push(...result.points);
        rejected += result.rejected;
        for (const reason of result.reasons) reasons.add(reason);
      }
    }
  }
  return { points, rejected, reasons: [...reasons] };
}

function dataPointCount(metric: OtlpMetric): number {
  return (
    (metric.gauge?.dataPoints?.length ?? 0) +
    (metric.sum?.dataPoints?.length ?? 0) +
    (metric.histogram?.dataPoints?.length ?? 0) +
    (metric.exponentialHistogram?.dataPoints?.length ?? 0) +
    (metric.summary?.dataPoints?.length ?? 0)
  );
}

interface PointContext {
  readonly metric: OtlpMetric;
  readonly kind: MetricKind;
  readonly promType: PromType | null;
  readonly dimensions: TelemetryDimensions;
  readonly now: number;
  readonly maxFutureMs: number;
  readonly streams: Map<string, MetricStream>;
}

function parseMetric(
  metric: OtlpMetric,
  dimensions: TelemetryDimensions,
  now: number,
  maxFutureMs: number,
): ParsedMetrics {
  const points: OtlpPoint[] = [];
  const reasons = new Set<string>();
  let rejected = 0;
  const streams = new Map<string, MetricStream>();
  const each = <
    P extends {
      attributes?: readonly KeyValue[];
      timeUnixNano?: string;
      startTimeUnixNano?: string;
      flags?: number;
      exemplars?: readonly OtlpExemplar[];
    },
  >(
    kind: MetricKind,
    promType: PromType | null,
    dataPoints: readonly P[] | undefined,
    temporality: number | undefined,
    build: (
      p: P,
      stream: MetricStream,
    ) => Omit<OtlpPoint, 'stream' | 'startNs' | 'timeNs' | 'at' | 'exemplars' | 'temporality'>,
  ) => {
    const context: PointContext = {
      metric,
      kind,
      promType,
      dimensions,
      now,
      maxFutureMs,
      streams,
    };
    for (const dataPoint of dataPoints ?? []) {
      if (((dataPoint.flags ?? 0) & NO_RECORDED_VALUE) !== 0) continue;
      try {
        const base = pointBase(context, dataPoint, temporality);
        points.push({ ...base, ...build(dataPoint, base.stream) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        rejected += 1;
        reasons.add(`${metric.name ?? '(unnamed)'}: ${error.message}`);
      }
    }
  };
  const unit = metric.unit ?? '';
  const checked = (value: number) => valueForUnit(value, unit);
  if (metric.gauge) {
    each('gauge', 'gauge', metric.gauge.dataPoints, DELTA, (p) => ({
      state: { kind: 'gauge', value: checked(numberValue(p)) },
    }));
  } else if (metric.sum) {
    const monotonic = metric.sum.isMonotonic === true;
    const temporality = metric.sum.aggregationTemporality;
    // A non-monotonic cumulative sum (an UpDownCounter) is a level, read as a gauge.
    const asGauge = !monotonic && temporality === CUMULATIVE;
    const promType = asGauge ? 'gauge' : monotonic && temporality === CUMULATIVE ? 'counter' : null;
    each('sum', promType, metric.sum.dataPoints, asGauge ? DELTA : temporality, (p) => {
      const value = numberValue(p);
      if (monotonic && value < 0) {
        throw new DomainError(
          'metric.negative_monotonic_sum',
          'a monotonic sum cannot be negative',
        );
      }
      return {
        state: asGauge
          ? { kind: 'gauge', value: checked(value) }
          : { kind: 'sum', value: checked(value) },
      };
    });
  } else if (metric.histogram) {
    const temporality = metric.histogram.aggregationTemporality;
    each(
      'histogram',
      temporality === CUMULATIVE ? 'histogram' : null,
      metric.histogram.dataPoints,
      temporality,
      (p) => {
        const bounds = [...(p.explicitBounds ?? [])];
        const buckets = (p.bucketCounts ?? []).map(count);
        if (buckets.length > 0 && buckets.length !== bounds.length + 1) {
          throw new DomainError(
            'metric.invalid_histogram',
            'bucketCounts must have one more entry than explicitBounds',
          );
        }
        if (bounds.some((b, i) => i > 0 && b <= (bounds[i - 1] as number))) {
          throw new DomainError('metric.invalid_histogram', 'explicitBounds must increase');
        }
        const total = count(p.count);
        if (buckets.length > 0 && buckets.reduce((a, b) => a + b, 0) !== total) {
          throw new DomainError('metric.invalid_histogram', 'bucketCounts must add up to count');
        }
        const delta = temporality === DELTA;
        return {
          state: {
            kind: 'histogram',
            count: total,
            sum: p.sum ?? 0,
            bounds,
            buckets: buckets.length > 0 ? buckets : [total],
          },
          min: delta ? p.min : undefined,
          max: delta ? p.max : undefined,
        };
      },
    );
  } else if (metric.exponentialHistogram) {
    const temporality = metric.exponentialHistogram.aggregationTemporality;
    each(
      'exponential_histogram',
      temporality === CUMULATIVE ? 'exponential_histogram' : null,
      metric.exponentialHistogram.dataPoints,
      temporality,
      (p) => {
        const side = (b: { offset?: number; bucketCounts?: readonly string[] } | undefined) =>
          (b?.bucketCounts ?? [])
            .map((c, i): [number, number] => [(b?.offset ?? 0) + i, count(c)])
            .filter(([, c]) => c > 0);
        const delta = temporality === DELTA;
        const scale = p.scale ?? 0;
        if (!Number.isInteger(scale) || scale < -10 || scale > 20) {
          throw new DomainError(
            'metric.invalid_histogram',
            'scale must be a whole number in [-10, 20]',
          );
        }
        return {
          state: {
            kind: 'exponential_histogram',
            count: count(p.count),
            sum: p.sum ?? 0,
            scale,
            zero: count(p.zeroCount),
            positive: side(p.positive),
            negative: side(p.negative),
          },
          min: delta ? p.min : undefined,
          max: delta ? p.max : undefined,
        };
      },
    );
  } else if (metric.summary) {
    // OTLP summaries are always cumulative.
    each('summary', 'summary', metric.summary.dataPoints, CUMULATIVE, (p) => ({
      state: { kind: 'summary', count: count(p.count), sum: p.sum ?? 0 },
      quantiles: (p.quantileValues ?? []).map((q) => ({
        quantile: q.quantile ?? 0,
        value: q.value ?? 0,
      })),
    }));
  }
  return { points, rejected, reasons: [...reasons] };
}

function numberValue(p: { asDouble?: number; asInt?: string }): number {
  const value = p.asDouble ?? (p.asInt === undefined ? undefined : Number(p.asInt));
  if (value === undefined || !Number.isFinite(value)) {
    throw new DomainError('metric.invalid_value', 'a data point needs a finite asDouble or asInt');
  }
  return value;
}

function pointBase(
  context: PointContext,
  dataPoint: {
    attributes?: readonly KeyValue[];
    timeUnixNano?: string;
    startTimeUnixNano?: string;
    exemplars?: readonly OtlpExemplar[];
  },
  temporality: number | undefined,
): Pick<OtlpPoint, 'stream' | 'startNs' | 'timeNs' | 'at' | 'exemplars' | 'temporality'> {
  if (temporality !== DELTA && temporality !== CUMULATIVE) {
    throw new DomainError(
      'metric.invalid_temporality',
      'aggregationTemporality must be DELTA (1) or CUMULATIVE (2)',
    );
  }
  const timeNs = nanos(dataPoint.timeUnixNano);
  if (timeNs <= 0n) throw new DomainError('metric.missing_time', 'a data point needs timeUnixNano');
  const at = Number(timeNs / NS_PER_MS);
  if (at > context.now + context.maxFutureMs) {
    throw new DomainError(
      'metric.point_in_future',
      'timeUnixNano is too far ahead of the service clock',
    );
  }
  const attributes = labels(dataPoint.attributes);
  const key = JSON.stringify(attributes);
  let stream = context.streams.get(key);
  if (stream === undefined) {
    stream = metricStream({
      metricName: context.metric.name ?? '',
      unit: context.metric.unit ?? '',
      kind: context.kind,
      promType: context.promType,
      dimensions: context.dimensions,
      attributes,
    });
    context.streams.set(key, stream);
  }
  return {
    stream,
    startNs: nanos(dataPoint.startTimeUnixNano),
    timeNs,
    at,
    exemplars: exemplarsOf(dataPoint.exemplars),
    temporality: temporality === DELTA ? 'delta' : 'cumulative',
  };
}
