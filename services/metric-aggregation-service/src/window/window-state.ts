import { DDSketch } from '@datadog/sketches-js';
import type { MetricExemplar, SummarisedValues } from '@obs/domain';
import { addToPartials, mergePartials, partialsSum } from './exact-sum.js';

/** DDSketch relative accuracy: every percentile is within 1 % of a value of the window. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

// One mapping for every sketch: bins of sketches built alike are mergeable by adding counts.
const MAPPING = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY }).mapping;

/**
 * What one window of one stream holds: the count, an exact sum, min and max, a DDSketch's bins
 * (positive and negative keys of the sketch's logarithmic mapping, and the zero bucket) and the
 * exemplars. Bin counts are whole numbers, so adding them is exact and commutative: merging the
 * states of any partition of the points, in any order, gives the same state, which is what makes
 * coarser windows the exact merge of finer ones and the results independent of arrival order.
 */
export interface WindowState {
  count: number;
  partials: number[];
  min: number;
  max: number;
  positive: Map<number, number>;
  negative: Map<number, number>;
  zero: number;
  exemplars: MetricExemplar[];
}

/** A pre-aggregated distribution (an OTLP histogram or summary point) to add to a window. */
export interface Distribution {
  readonly count: number;
  readonly sum: number;
  /** Exact extremes when the source knows them, else the sketch's representative values. */
  readonly min?: number;
  readonly max?: number;
  /** Representative value and whole-number weight of each non-empty bucket. */
  readonly buckets: readonly (readonly [value: number, weight: number])[];
  readonly exemplars?: readonly MetricExemplar[];
}

export function emptyWindowState(): WindowState {
  return {
    count: 0,
    partials: [],
    min: Infinity,
    max: -Infinity,
    positive: new Map(),
    negative: new Map(),
    zero: 0,
    exemplars: [],
  };
}

function addToBins(state: WindowState, value: number, weight: number): void {
  if (value > MAPPING.minPossible) {
    const key = MAPPING.key(value);
    state.positive.set(key, (state.positive.get(key) ?? 0) + weight);
  } else if (value < -MAPPING.minPossible) {
    const key = MAPPING.key(-value);
    state.negative.set(key, (state.negative.get(key) ?? 0) + weight);
  } else {
    state.zero += weight;
  }
}

/** One observed value (a gauge reading, a delta of a counter, a native point). */
export function observe(
  state: WindowState,
  value: number,
  traceId: string | null,
  maxExemplars: number,
): void {
  // -0 and 0 are one value: keeping the sign would make min, max and exemplars depend on order.
  value = value === 0 ? 0 : value;
  state.count += 1;
  addToPartials(state.partials, value);
  if (value < state.min) state.min = value;
  if (value > state.max) state.max = value;
  addToBins(state, value, 1);
  if (traceId !== null && maxExemplars > 0) {
    state.exemplars = topExemplars([...state.exemplars, { traceId, value }], maxExemplars);
  }
}

export function observeDistribution(
  state: WindowState,
  distribution: Distribution,
  maxExemplars: number,
): void {
  if (distribution.count <= 0) return;
  state.count += distribution.count;
  addToPartials(state.partials, distribution.sum);
  let low = distribution.min ?? Infinity;
  let high = distribution.max ?? -Infinity;
  for (const [value, weight] of distribution.buckets) {
    if (weight <= 0) continue;
    addToBins(state, value, weight);
    if (distribution.min === undefined && value < low) low = value;
    if (distribution.max === undefined && value > high) high = value;
  }
  if (low < state.min) state.min = low;
  if (high > state.max) state.max = high;
  if (distribution.exemplars && distribution.exemplars.length > 0 && maxExemplars > 0) {
    state.exemplars = topExemplars([...state.exemplars, ...distribution.exemplars], maxExemplars);
  }
}

/** Adds `from` into `into`; exact and commutative (see WindowState). */
export function mergeWindowState(
  into: WindowState,
  from: Readonly<WindowState>,
  maxExemplars: number,
): void {
  if (from.count === 0) return;
  into.count += from.count;
  mergePartials(into.partials, from.partials);
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  for (const [key, weight] of from.positive)
    into.positive.set(key, (into.positive.get(key) ?? 0) + weight);
  for (const [key, weight] of from.negative)
    into.negative.set(key, (into.negative.get(key) ?? 0) + weight);
  into.zero += from.zero;
  if (from.exemplars.length > 0) {
    into.exemplars = topExemplars([...into.exemplars, ...from.exemplars], maxExemplars);
  }
}

/**
 * The window's largest values that carry a trace, one per trace (its largest value), largest
 * first and ties by traceId: a pure function of the set, so merges agree in any order.
 */
export function topExemplars(
  candidates: readonly MetricExemplar[],
  limit: number,
): MetricExemplar[] {
  const best = new Map<string, number>();
  for (const e of candidates) {
    const held = best.get(e.traceId);
    if (held === undefined || e.value > held) best.set(e.traceId, e.value);
  }
  return [...best]
    .map(([traceId, value]) => ({ traceId, value }))
    .sort((a, b) =>
      b.value !== a.value
        ? b.value - a.value
        : a.traceId < b.traceId
          ? -1
          : a.traceId > b.traceId
            ? 1
            : 0,
    )
    .slice(0, limit);
}

const sortedPairs = (bins: ReadonlyMap<number, number>): [number, number][] =>
  [...bins].sort((a, b) => a[0] - b[0]);

/** The sketch of the state, its bins added in key order (so its layout is order-free too). */
function sketchOf(state: Readonly<WindowState>): DDSketch {
  const sketch = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
  for (const [key, weight] of sortedPairs(state.positive)) sketch.store.add(key, weight);
  for (const [key, weight] of sortedPairs(state.negative)) sketch.negativeStore.add(key, weight);
  sketch.zeroCount = state.zero;
  sketch.count = state.count;
  return sketch;
}

/**
 * count, sum, avg, min, max and p50/p95/p99 of the window. Percentiles come from the sketch
 * (within 1 % of the true value) and are clamped into the exact [min, max], so a window of one
 * value answers that value everywhere. An empty window is all zeros (count 0 tells "no data").
 */
export function valuesOf(state: Readonly<WindowState>): SummarisedValues {
  if (state.count === 0) {
    return { count: 0, sum: 0, avg: 0, p50: 0, p95: 0, p99: 0, min: 0, max: 0 };
  }
  const sketch = sketchOf(state);
  const clamp = (v: number) => (v < state.min ? state.min : v > state.max ? state.max : v);
  const quantile = (q: number) => clamp(sketch.getValueAtQuantile(q));
  const sum = partialsSum(state.partials);
  const zeroFree = (v: number) => (v === 0 ? 0 : v);
  return {
    count: state.count,
    sum,
    avg: zeroFree(sum / state.count),
    p50: zeroFree(quantile(0.5)),
    p95: zeroFree(quantile(0.95)),
    p99: zeroFree(quantile(0.99)),
    min: zeroFree(state.min),
    max: zeroFree(state.max),
  };
}

/** The JSON stored in `windows.state`: bins as sorted [key, count] pairs. */
export interface StoredWindowState {
  s: number[];
  mn: number | null;
  mx: number | null;
  p: [number, number][];
  n: [number, number][];
  z: number;
  e: [string, number][];
}

export function storeWindowState(state: Readonly<WindowState>): StoredWindowState {
  return {
    s: [...state.partials],
    mn: state.count === 0 ? null : state.min,
    mx: state.count === 0 ? null : state.max,
    p: sortedPairs(state.positive),
    n: sortedPairs(state.negative),
    z: state.zero,
    e: state.exemplars.map((e) => [e.traceId, e.value]),
  };
}

export function loadWindowState(count: number, stored: StoredWindowState): WindowState {
  return {
    count,
    partials: [...stored.s],
    min: stored.mn ?? Infinity,
    max: stored.mx ?? -Infinity,
    positive: new Map(stored.p),
    negative: new Map(stored.n),
    zero: stored.z,
    exemplars: stored.e.map(([traceId, value]) => ({ traceId, value })),
  };
}
