import { createEnvelope, HEADERS, streamKeyOf, topicFor } from '@obs/event-envelope';
import type { BusMessage } from '@obs/service-kit';

export interface WindowSpec {
  readonly tenantId: string;
  readonly metricName: string;
  readonly projectId: string;
  readonly group: Readonly<Record<string, string>>;
  /** Start of the first 1-minute window, epoch ms (aligned to the minute). */
  readonly firstWindowStart: number;
  readonly traceId?: string;
}

/**
 * MetricAggregated envelopes for consecutive 1-minute windows, as metric-aggregation-service will
 * publish them: one per window, p95 taken from `p95s`.
 */
export function metricWindows(spec: WindowSpec, p95s: readonly number[]): BusMessage[] {
  const groupKey = Object.keys(spec.group)
    .sort()
    .map((k) => `${k}=${spec.group[k] ?? ''}`)
    .join(',');
  const seriesId = `${spec.metricName}|1m|${groupKey}`;
  return p95s.map((p95, i) => {
    const start = spec.firstWindowStart + i * 60_000;
    const end = start + 60_000;
    const envelope = createEnvelope({
      eventType: 'MetricAggregated',
      producer: 'metric-aggregation-service',
      tenantId: spec.tenantId,
      traceId: spec.traceId ?? null,
      occurredAt: new Date(end + 30_000).toISOString(),
      aggregate: { type: 'MetricSeries', id: `${seriesId}|${start}`, version: 1 },
      payload: {
        seriesId,
        metricName: spec.metricName,
        unit: 'ms',
        window: '1m',
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(end).toISOString(),
        groupKey,
        group: { ...spec.group },
        projectId: spec.projectId,
        values: { count: 100, sum: p95 * 60, avg: p95 * 0.6, p50: p95 * 0.5, p95, p99: p95 * 1.2 },
      },
    });
    return {
      topic: topicFor('MetricAggregated'),
      // Keyed as the outbox writer keys it (the series), so partitioning matches production.
      key: streamKeyOf(envelope),
      value: JSON.stringify(envelope),
      headers: {
        [HEADERS.eventType]: envelope.eventType,
        [HEADERS.eventVersion]: String(envelope.eventVersion),
        [HEADERS.tenantId]: envelope.tenantId,
      },
    };
  });
}
