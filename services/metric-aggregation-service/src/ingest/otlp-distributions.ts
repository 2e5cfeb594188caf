import type { MetricExemplar } from '@obs/domain';
import type { Distribution } from '../window/window-state.js';
import type { CumulativeState } from './cumulative.js';

/*
 * Pre-aggregated OTLP points as distributions a window can add: each non-empty bucket becomes
 * one representative value with its (whole) count as weight, so a window's percentiles come from
 * the same DDSketch as raw values, within the bucket's width (the resolution the producer chose).
 */

/** Explicit buckets: the midpoint of (b[i-1], b[i]]; the open-ended ends are their one bound. */
export function histogramDistribution(
  state: Extract<CumulativeState, { kind: 'histogram' }>,
  extremes: { readonly min?: number | undefined; readonly max?: number | undefined },
  exemplars: readonly MetricExemplar[],
): Distribution {
  const { bounds } = state;
  const buckets: [number, number][] = [];
  state.buckets.forEach((count, i) => {
    if (count <= 0) return;
    let value: number;
    if (bounds.length === 0) value = state.count > 0 ? state.sum / state.count : 0;
    else if (i === 0) value = extremes.min ?? (bounds[0] as number);
    else if (i >= bounds.length) value = extremes.max ?? (bounds[bounds.length - 1] as number);
    else value = ((bounds[i - 1] as number) + (bounds[i] as number)) / 2;
    buckets.push([value, count]);
  });
  return { count: state.count, sum: state.sum, ...definedExtremes(extremes), buckets, exemplars };
}

/** Exponential buckets (base^i, base^(i+1)], base = 2^(2^-scale): their geometric midpoint. */
export function exponentialDistribution(
  state: Extract<CumulativeState, { kind: 'exponential_histogram' }>,
  extremes: { readonly min?: number | undefined; readonly max?: number | undefined },
  exemplars: readonly MetricExemplar[],
): Distribution {
  const factor = 2 ** -state.scale;
  const mid = (index: number) => 2 ** ((index + 0.5) * factor);
  const buckets: [number, number][] = [];
  if (state.zero > 0) buckets.push([0, state.zero]);
  for (const [index, count] of state.positive) if (count > 0) buckets.push([mid(index), count]);
  for (const [index, count] of state.negative) if (count > 0) buckets.push([-mid(index), count]);
  return { count: state.count, sum: state.sum, ...definedExtremes(extremes), buckets, exemplars };
}

/**
 * A summary's quantiles cannot be merged; the closest honest use is to weight each reported
 * quantile value by the share of the count between it and the previous quantile (largest
 * remainder, so the weights are whole and add up to the count). min and max come from the 0 and
 * 1 quantiles when reported.
 */
export function summaryDistribution(
  count: number,
  sum: number,
  quantiles: readonly { readonly quantile: number; readonly value: number }[],
): Distribution {
  const sorted = [...quantiles].sort((a, b) => a.quantile - b.quantile);
  if (count <= 0) return { count, sum, buckets: [] };
  // No quantiles: all the count at the mean is the only honest reading.
  if (sorted.length === 0) return { count, sum, buckets: [[sum / count, count]] };
  const shares = sorted.map((q, i) => {
    const previous = i === 0 ? 0 : (sorted[i - 1] as { quantile: number }).quantile;
    const upper = i === sorted.length - 1 ? 1 : q.quantile;
    return Math.max(0, upper - previous) * count;
  });
  const weights = shares.map(Math.floor);
  let rest = count - weights.reduce((a, b) => a + b, 0);
  const order = shares
    .map((share, i) => [share - Math.floor(share), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (rest <= 0) break;
    weights[i] = (weights[i] as number) + 1;
    rest -= 1;
  }
  const min = sorted[0]?.quantile === 0 ? sorted[0].value : undefined;
  const last = sorted[sorted.length - 1];
  const max = last?.quantile === 1 ? last.value : undefined;
  return {
    count,
    sum,
    ...definedExtremes({ min, max }),
    buckets: sorted.map((q, i) => [q.value, weights[i] as number] as const),
  };
}

function definedExtremes(extremes: {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}): { min?: number; max?: number } {
  return {
    ...(extremes.min === undefined ? {} : { min: extremes.min }),
    ...(extremes.max === undefined ? {} : { max: extremes.max }),
  };
}
