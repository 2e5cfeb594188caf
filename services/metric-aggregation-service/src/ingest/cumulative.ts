/**
 * Cumulative → delta, per stream (OTLP temporality). A cumulative point carries the total since
 * its startTimeUnixNano; the delta is what it adds to the previous point of the same stream and
 * the same start. Pure: the caller keeps the last point per stream durably (cumulative_streams).
 *
 * - First point of a stream: the whole value is the delta (nothing since its start is counted).
 * - A later start (the process restarted: a counter reset): a new baseline; the whole value is
 *   the delta, never a negative difference.
 * - An earlier start, or the same start at a time not after the last: an old incarnation or a
 *   retransmission (an exporter retry of a request already stored): dropped, never counted twice.
 * - The same start with a component that went down (a producer that resets without moving its
 *   start time): treated as a reset too, so no delta is ever negative.
 */

/** The cumulative state of one point, by kind. Bucket maps are index → count. */
export type CumulativeState =
  | { readonly kind: 'sum'; readonly value: number }
  | {
      readonly kind: 'histogram';
      readonly count: number;
      readonly sum: number;
      readonly bounds: readonly number[];
      readonly buckets: readonly number[];
    }
  | {
      readonly kind: 'exponential_histogram';
      readonly count: number;
      readonly sum: number;
      readonly scale: number;
      readonly zero: number;
      readonly positive: readonly (readonly [number, number])[];
      readonly negative: readonly (readonly [number, number])[];
    }
  | { readonly kind: 'summary'; readonly count: number; readonly sum: number };

export interface CumulativePoint {
  /** Nanoseconds since the epoch; 0n when the producer did not say. */
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly state: CumulativeState;
}

export type DeltaOutcome =
  | { readonly kind: 'delta'; readonly delta: CumulativeState; readonly reset: boolean }
  | { readonly kind: 'dropped'; readonly reason: 'stale' | 'duplicate' };

export function cumulativeDelta(
  previous: CumulativePoint | undefined,
  point: CumulativePoint,
): DeltaOutcome {
  if (previous === undefined) return { kind: 'delta', delta: point.state, reset: false };
  if (point.startNs !== 0n && previous.startNs !== 0n) {
    if (point.startNs < previous.startNs) return { kind: 'dropped', reason: 'stale' };
    if (point.startNs > previous.startNs) return { kind: 'delta', delta: point.state, reset: true };
  }
  if (point.timeNs <= previous.timeNs) return { kind: 'dropped', reason: 'duplicate' };
  const delta = difference(previous.state, point.state);
  return delta === undefined
    ? { kind: 'delta', delta: point.state, reset: true }
    : { kind: 'delta', delta, reset: false };
}

/** current − previous, or undefined when they are not comparable or something went down. */
function difference(
  previous: CumulativeState,
  current: CumulativeState,
): CumulativeState | undefined {
  switch (current.kind) {
    case 'sum': {
      if (previous.kind !== 'sum' || current.value < previous.value) return undefined;
      return { kind: 'sum', value: current.value - previous.value };
    }
    case 'summary': {
      if (previous.kind !== 'summary' || current.count < previous.count) return undefined;
      return {
        kind: 'summary',
        count: current.count - previous.count,
        sum: current.sum - previous.sum,
      };
    }
    case 'histogram': {
      if (
        previous.kind !== 'histogram' ||
        current.count < previous.count ||
        previous.bounds.length !== current.bounds.length ||
        previous.bounds.some((b, i) => b !== current.bounds[i]) ||
        previous.buckets.length !== current.buckets.length
      ) {
        return undefined;
      }
      const buckets = current.buckets.map((c, i) => c - (previous.buckets[i] ?? 0));
      if (buckets.some((c) => c < 0)) return undefined;
      return {
        kind: 'histogram',
        count: current.count - previous.count,
        sum: current.sum - previous.sum,
        bounds: current.bounds,
        buckets,
      };
    }
    case 'exponential_histogram': {
      if (previous.kind !== 'exponential_histogram' || current.count < previous.count)
        return undefined;
      // The SDK lowers the scale when the range grows; compare both at the lower scale.
      const scale = Math.min(previous.scale, current.scale);
      const positive = subtractBuckets(
        downscale(current.positive, current.scale - scale),
        downscale(previous.positive, previous.scale - scale),
      );
      const negative = subtractBuckets(
        downscale(current.negative, current.scale - scale),
        downscale(previous.negative, previous.scale - scale),
      );
      const zero = current.zero - previous.zero;
      if (positive === undefined || negative === undefined || zero < 0) return undefined;
      return {
        kind: 'exponential_histogram',
        count: current.count - previous.count,
        sum: current.sum - previous.sum,
        scale,
        zero,
        positive,
        negative,
      };
    }
  }
}

/** Buckets at scale s − by: index i becomes i >> by (floor, also for negative indexes). */
export function downscale(
  buckets: readonly (readonly [number, number])[],
  by: number,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [index, count] of buckets) {
    const target = Math.floor(index / 2 ** by);
    out.set(target, (out.get(target) ?? 0) + count);
  }
  return out;
}

function subtractBuckets(
  current: ReadonlyMap<number, number>,
  previous: ReadonlyMap<number, number>,
): [number, number][] | undefined {
  for (const [index, count] of previous) {
    if ((current.get(index) ?? 0) < count) return undefined;
  }
  return [...current]
    .map(([index, count]): [number, number] => [index, count - (previous.get(index) ?? 0)])
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
}
