import type { Distribution } from '../window/window-state.js';
import type { MetricStream } from './metric-stream.js';

/** What a point adds to its windows: one value, or a whole distribution (histogram, summary). */
export type Contribution =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'distribution'; readonly distribution: Distribution };

/** A validated point, ready for the ingest transaction. */
export interface PreparedPoint {
  readonly stream: MetricStream;
  /** Event time, epoch ms. */
  readonly at: number;
  /** The raw value stored (a gauge reading, a delta, a distribution's sum). */
  readonly value: number;
  readonly traceId: string | null;
  /** The distribution as received, for a histogram or summary point; null otherwise. */
  readonly detail: unknown;
  readonly contribution: Contribution;
  /**
   * The value as Prometheus reads it where it differs from `value` (the cumulative total of a
   * counter as received); undefined otherwise.
   */
  readonly prom?: unknown;
}
