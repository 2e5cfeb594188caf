import { ensure } from '../kernel/domain-error.js';
import { traceId } from '../kernel/ids.js';
import type { AggregatedValues } from './metric-aggregation.js';

/** At most this many exemplars travel with one closed window. */
export const METRIC_MAX_EXEMPLARS = 10;

/** A point that stands for its window: a trace to open from a chart or an alert. */
export interface MetricExemplar {
  readonly traceId: string;
  readonly value: number;
}

/** The values of a window with its exact extremes, as a sketch-based aggregator computes them. */
export interface SummarisedValues extends AggregatedValues {
  readonly min: number;
  readonly max: number;
}

/**
 * A window aggregated outside the aggregate: when a window holds millions of points the service
 * keeps a mergeable quantile sketch instead of the points, and hands the domain its result.
 */
export interface WindowSummary {
  readonly values: SummarisedValues;
  readonly exemplars: readonly MetricExemplar[];
}

/**
 * Checks what a summary must satisfy whatever produced it: finite numbers, a whole count, and,
 * for a non-empty window, percentiles ordered inside [min, max]. An empty window is all zeros.
 */
export function windowSummary(input: WindowSummary): WindowSummary {
  const v = input.values;
  const numbers = [v.count, v.sum, v.avg, v.p50, v.p95, v.p99, v.min, v.max];
  ensure(
    numbers.every((n) => Number.isFinite(n)),
    'metric.invalid_value',
    'window values must be finite numbers',
  );
  ensure(
    Number.isInteger(v.count) && v.count >= 0,
    'metric.invalid_summary',
    'count must be a whole number ≥ 0',
    { count: v.count },
  );
  if (v.count === 0) {
    ensure(
      numbers.every((n) => n === 0) && input.exemplars.length === 0,
      'metric.invalid_summary',
      'an empty window has zero values and no exemplars',
    );
  } else {
    ensure(
      v.min <= v.p50 && v.p50 <= v.p95 && v.p95 <= v.p99 && v.p99 <= v.max,
      'metric.invalid_summary',
      'percentiles must be ordered within [min, max]',
      { min: v.min, p50: v.p50, p95: v.p95, p99: v.p99, max: v.max },
    );
  }
  ensure(
    input.exemplars.length <= METRIC_MAX_EXEMPLARS,
    'metric.too_many_exemplars',
    `a window carries at most ${METRIC_MAX_EXEMPLARS} exemplars`,
    { exemplars: input.exemplars.length },
  );
  const exemplars = input.exemplars.map((e) => {
    ensure(Number.isFinite(e.value), 'metric.invalid_value', 'exemplar values must be finite');
    return Object.freeze({ traceId: traceId(e.traceId), value: e.value === 0 ? 0 : e.value });
  });
  return Object.freeze({ values: Object.freeze({ ...v }), exemplars: Object.freeze(exemplars) });
}
