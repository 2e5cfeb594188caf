import { ensure } from '../kernel/domain-error.js';
import type { AggregatedValues } from './metric-aggregation.js';

export const AGGREGATION_KINDS = ['count', 'sum', 'avg', 'p50', 'p95', 'p99'] as const;
export type AggregationKind = (typeof AGGREGATION_KINDS)[number];

export function aggregationKind(value: string): AggregationKind {
  ensure(
    (AGGREGATION_KINDS as readonly string[]).includes(value),
    'metric.invalid_aggregation',
    `aggregation must be one of ${AGGREGATION_KINDS.join(', ')}`,
    { value },
  );
  return value as AggregationKind;
}

/** Picks one kind out of a window's values, e.g. the `p95` an alert condition watches. */
export function aggregatedValue(values: AggregatedValues, kind: AggregationKind): number {
  return values[kind];
}
