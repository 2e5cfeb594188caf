import { WINDOWS } from '@obs/domain';
import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { groupSchema, idSchema, instantSchema, traceIdSchema } from './common.js';

export const metricValuesSchema = z.strictObject({
  count: z.number().int().min(0),
  sum: z.number(),
  avg: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  // Added for sketch-based windows (metric-aggregation-service); optional, so older producers
  // and consumers stay valid.
  min: z.number().optional().describe('Smallest value of the window (exact)'),
  max: z.number().optional().describe('Largest value of the window (exact)'),
});

export const metricExemplarSchema = z.strictObject({
  traceId: traceIdSchema,
  value: z.number(),
});

export const metricAggregatedPayloadSchema = z.strictObject({
  seriesId: idSchema,
  metricName: idSchema,
  // OTLP units are optional, so an empty unit is legitimate.
  unit: z.string(),
  window: z.enum(WINDOWS),
  windowStart: instantSchema,
  windowEnd: instantSchema,
  groupKey: z.string().describe('Stable key of the group values; empty when ungrouped'),
  group: groupSchema,
  projectId: idSchema,
  values: metricValuesSchema,
  exemplars: z
    .array(metricExemplarSchema)
    .max(10)
    .optional()
    .describe('Up to 10 traces of the largest values of the window, largest first'),
});

/** `|` separates the parts, so it (and `%`, the escape) is percent-encoded inside a part. */
function keyPart(part: string): string {
  return part.replaceAll('%', '%25').replaceAll('|', '%7C');
}

export const metricAggregated = defineEvent({
  eventType: 'MetricAggregated',
  eventVersion: 1,
  aggregateType: 'MetricSeries',
  visibility: 'public',
  description:
    'A tumbling window of a metric series closed (window end + grace, event time) for one group; carries count, sum, avg and percentiles.',
  schema: metricAggregatedPayloadSchema,
  example: {
    aggregateId: 'http.server.duration|5m|service=payments-api',
    aggregateVersion: 12,
    occurredAt: '2024-05-01T10:05:30.000Z',
    payload: {
      seriesId: 'http.server.duration|5m|service=payments-api',
      metricName: 'http.server.duration',
      unit: 'ms',
      window: '5m',
      windowStart: '2024-05-01T10:00:00.000Z',
      windowEnd: '2024-05-01T10:05:00.000Z',
      groupKey: 'service=payments-api',
      group: { service: 'payments-api' },
      projectId: 'checkout',
      values: {
        count: 1200,
        sum: 150000,
        avg: 125,
        p50: 98,
        p95: 310,
        p99: 620,
        min: 12,
        max: 1480,
      },
      exemplars: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', value: 1480 }],
    },
  },
  // The aggregate is one window of a series (its id includes windowStart), but what consumers
  // need in order is the series: an alert rule compares consecutive windows. Keyed by aggregate
  // id, consecutive windows would spread over partitions and arrive in any order.
  streamKey: {
    description:
      'the series: tenantId|projectId|metricName|window|groupKey (never windowStart), so consecutive windows of a series stay in order; a "|" or "%" inside a part is percent-encoded',
    of: ({ tenantId, payload }) =>
      [tenantId, payload.projectId, payload.metricName, payload.window, payload.groupKey]
        .map(keyPart)
        .join('|'),
  },
});
