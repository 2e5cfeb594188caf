import { ensure } from '../kernel/domain-error.js';

/** The six AggregationKinds of one window, as MetricAggregated carries them. */
export interface AggregatedValues {
  readonly count: number;
  readonly sum: number;
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export const EMPTY_AGGREGATION: AggregatedValues = Object.freeze({
  count: 0,
  sum: 0,
  avg: 0,
  p50: 0,
  p95: 0,
  p99: 0,
});

/**
 * Nearest-rank percentile over ascending values: the smallest value with at least p % of the
 * values at or below it, i.e. sorted[ceil(p/100 × n) − 1]. Chosen over interpolation because the
 * answer is always an observed value (a real request latency) and involves no arithmetic, so it
 * cannot drift between runtimes.
 */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

/**
 * Aggregates one window. The result depends only on the multiset of values, never on their order:
 * values are sorted first, so even the floating-point sum adds in one fixed order. −0 is folded
 * into 0 so `Object.is`-based comparisons agree too. An empty window aggregates to zeros (count 0
 * is how "no data" is told apart), because the event contract has no room for NaN or null.
 */
export function aggregate(values: readonly number[]): AggregatedValues {
  ensure(
    values.every((v) => Number.isFinite(v)),
    'metric.invalid_value',
    'metric values must be finite numbers',
  );
  if (values.length === 0) return EMPTY_AGGREGATION;
  const sorted = values.map((v) => (v === 0 ? 0 : v)).sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    sum,
    avg: sum / sorted.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
  };
}
