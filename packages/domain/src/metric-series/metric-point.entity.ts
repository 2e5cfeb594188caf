import { parseInstant, toIso } from '../kernel/time.js';
import { valueForUnit } from './metric-unit.js';

/** One observation. Within a series its timestamp is its identity (see MetricSeries.recordPoint). */
export interface MetricPoint {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly value: number;
}

export interface MetricPointInput {
  readonly timestamp: string;
  readonly value: number;
}

export interface MetricPointSnapshot {
  timestamp: string;
  value: number;
}

export function metricPoint(input: MetricPointInput, unit: string): MetricPoint {
  return Object.freeze({
    timestamp: parseInstant(input.timestamp, 'point timestamp'),
    value: valueForUnit(input.value, unit),
  });
}

export function metricPointSnapshot(point: MetricPoint): MetricPointSnapshot {
  return { timestamp: toIso(point.timestamp), value: point.value };
}
