import type { IngestSignal } from '../limits/tenant-limits.js';
import type { OtlpSignal } from './otlp-schema.js';

/** What the ingest limit counts for each OTLP signal. */
export const OTLP_ITEMS: Readonly<Record<OtlpSignal, IngestSignal>> = {
  traces: 'spans',
  metrics: 'points',
  logs: 'logRecords',
};

type Loose = Record<string, unknown> | undefined;
const listOf = (value: unknown): readonly Loose[] =>
  Array.isArray(value) ? (value as readonly Loose[]) : [];

const METRIC_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

/**
 * The items of an export request (OTLP/JSON field names): spans, data points of every metric
 * kind, log records. Read loosely, as the body may still be invalid item by item: the limit
 * counts what was sent, refused for content or not, as a Collector's receiver counts it.
 */
export function otlpItemCount(signal: OtlpSignal, request: unknown): number {
  const body = request as Loose;
  let count = 0;
  if (signal === 'traces') {
    for (const resource of listOf(body?.resourceSpans))
      for (const scope of listOf(resource?.scopeSpans)) count += listOf(scope?.spans).length;
  } else if (signal === 'logs') {
    for (const resource of listOf(body?.resourceLogs))
      for (const scope of listOf(resource?.scopeLogs)) count += listOf(scope?.logRecords).length;
  } else {
    for (const resource of listOf(body?.resourceMetrics))
      for (const scope of listOf(resource?.scopeMetrics))
        for (const metric of listOf(scope?.metrics))
          for (const kind of METRIC_KINDS)
            count += listOf((metric?.[kind] as Loose)?.dataPoints).length;
  }
  return count;
}
