import type { DomainEvent } from '../shared/aggregate-root.js';
import type { WindowSize } from '../shared/time.js';
import type { AggregatedValues } from './metric-aggregation.js';

export const METRIC_SERIES_AGGREGATE_TYPE = 'MetricSeries';

/** Payload contract: /work/notes/event-payloads.md (MetricAggregated, public). */
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
  readonly values: AggregatedValues;
}

export type MetricAggregated = DomainEvent<'MetricAggregated', MetricAggregatedPayload>;

export type MetricSeriesEvent = MetricAggregated;
