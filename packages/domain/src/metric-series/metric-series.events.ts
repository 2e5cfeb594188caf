import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { WindowSize } from '../kernel/time.js';
import type { AggregatedValues } from './metric-aggregation.js';
import type { MetricExemplar } from './window-summary.js';

export const METRIC_SERIES_AGGREGATE_TYPE = 'MetricSeries';

/** Payload contract: the event payload schemas in packages/event-envelope/src/payloads (MetricAggregated, public). */
export interface MetricAggregatedPayload {
  readonly seriesId: string;
  readonly metricName: string;
  readonly unit: string;
  readonly window: WindowSize;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  readonly projectId: string;
  /** Sketch-based windows add `min` and `max` (exact). */
  readonly values: AggregatedValues & { readonly min?: number; readonly max?: number };
  /** Up to METRIC_MAX_EXEMPLARS traces of the window's largest values (sketch-based windows). */
  readonly exemplars?: readonly MetricExemplar[];
}

export type MetricAggregated = DomainEvent<'MetricAggregated', MetricAggregatedPayload>;

export type MetricSeriesEvent = MetricAggregated;
