import { windowMs, type WindowSize } from '@obs/domain';
import type { Envelope } from '@obs/event-envelope';
import type { BusMessage } from '../bus/event-bus.js';
import { busMessageOf } from '../outbox/bus-message.js';
import { buildEvent } from './event-builders.js';

/*
 * MetricAggregated windows as metric-aggregation-service publishes them: the one builder every
 * test and benchmark uses (alert evaluation, the e2e loop, the loop bench).
 */

export interface MetricWindowInput {
  readonly tenantId: string;
  readonly metric: string;
  readonly start: number;
  readonly p95: number;
  readonly projectId?: string;
  readonly group?: Record<string, string>;
  readonly traceId?: string | null;
  /** Defaults to 1m. */
  readonly window?: WindowSize;
}

export function metricWindowEvent(input: MetricWindowInput): Envelope<'MetricAggregated'> {
  const group = input.group ?? { service: 'payments-api' };
  const groupKey = Object.keys(group)
    .sort()
    .map((k) => `${k}=${group[k] ?? ''}`)
    .join(',');
  const window = input.window ?? '1m';
  const end = input.start + windowMs(window);
  const seriesId = `${input.metric}|${window}|${groupKey}`;
  return buildEvent('MetricAggregated', {
    tenantId: input.tenantId,
    traceId: input.traceId ?? null,
    aggregateId: `${seriesId}|${input.start}`,
    aggregateVersion: 1,
    occurredAt: new Date(end + 30_000).toISOString(),
    payload: {
      seriesId,
      metricName: input.metric,
      window,
      windowStart: new Date(input.start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      groupKey,
      group,
      projectId: input.projectId ?? 'checkout',
      values: {
        count: 10,
        sum: input.p95 * 10,
        avg: input.p95,
        p50: input.p95,
        p95: input.p95,
        p99: input.p95,
      },
    },
  });
}

/** Records of consecutive windows of one series, one per value of `p95s`, keyed like production. */
export function metricWindowMessages(
  input: Omit<MetricWindowInput, 'start' | 'p95'> & { readonly firstWindowStart: number },
  p95s: readonly number[],
): BusMessage[] {
  const size = windowMs(input.window ?? '1m');
  return p95s.map((p95, i) =>
    busMessageOf(metricWindowEvent({ ...input, start: input.firstWindowStart + i * size, p95 })),
  );
}
