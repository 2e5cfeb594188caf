import type { Labels } from './labels.js';

/** One series as the store returns it: samples in time order, at most one per millisecond. */
export interface SeriesData {
  readonly labels: Labels;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** One element of an instant vector at an evaluation step. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

export interface MatrixSeries {
  readonly labels: Labels;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

export type StepValue =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'vector'; readonly samples: readonly Sample[] }
  | { readonly kind: 'matrix'; readonly series: readonly MatrixSeries[] };

/** Neumaier's improvement of Kahan summation, as promql's kahansum.Inc. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + (sum - t + inc)];
  return [t, c + (inc - t + sum)];
}
