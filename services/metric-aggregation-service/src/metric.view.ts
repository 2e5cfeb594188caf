import type { MetricKind } from './ingest/metric-stream.js';

/** A catalogue entry as the API shows it (the cross-service contract of GET /v1/metrics/{name}). */
export interface MetricView {
  readonly name: string;
  readonly unit: string;
  readonly kind: MetricKind;
  /** Dimension names seen, sorted. */
  readonly dimensions: readonly string[];
  /** Point attribute keys seen, sorted. */
  readonly attributes: readonly string[];
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

export interface SeriesPointView {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly value: number;
  readonly count: number;
}

export interface SeriesView {
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  readonly points: readonly SeriesPointView[];
}
