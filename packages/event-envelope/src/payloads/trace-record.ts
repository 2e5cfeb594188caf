import {
  MAX_SERIES_PER_EVENT,
  SPAN_KINDS,
  SPAN_METRICS_DURATION_BOUNDS_MS,
  SPAN_STATUS_CODES,
} from '@obs/domain';
import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import {
  EXAMPLE_DIMENSIONS,
  EXAMPLE_TRACE_ID,
  dimensionsSchema,
  idSchema,
  instantSchema,
  traceIdSchema,
} from './common.js';

export const TRACE_STATUSES = ['ok', 'error', 'unset'] as const;

export const traceRecordedPayloadSchema = z.strictObject({
  traceId: traceIdSchema,
  projectId: idSchema,
  moduleId: idSchema,
  // OTLP allows an empty span name; the contract does not forbid it either.
  rootSpanName: z.string(),
  startedAt: instantSchema,
  durationMs: z.number().min(0),
  status: z.enum(TRACE_STATUSES),
  spanCount: z.number().int().min(1),
  dimensions: dimensionsSchema,
});

export const traceRecorded = defineEvent({
  eventType: 'TraceRecorded',
  eventVersion: 1,
  aggregateType: 'TraceRecord',
  visibility: 'public',
  description:
    'A trace is complete (its root span is present and no span arrived for the idle time), or a late span changed it. Carries the summary of the whole trace.',
  schema: traceRecordedPayloadSchema,
  example: {
    aggregateId: EXAMPLE_TRACE_ID,
    aggregateVersion: 1,
    occurredAt: '2024-05-01T10:00:05.000Z',
    payload: {
      traceId: EXAMPLE_TRACE_ID,
      projectId: EXAMPLE_DIMENSIONS.projectId,
      moduleId: EXAMPLE_DIMENSIONS.moduleId,
      rootSpanName: 'POST /v1/payments',
      startedAt: '2024-05-01T10:00:00.000Z',
      durationMs: 412.5,
      status: 'error',
      spanCount: 7,
      dimensions: EXAMPLE_DIMENSIONS,
    },
  },
});

const spanMetricsSeriesSchema = z.strictObject({
  dimensions: dimensionsSchema.describe(
    "The span's resource: its service and the other dimensions",
  ),
  spanName: z.string().describe('The operation: the span name (label span_name)'),
  spanKind: z.enum(SPAN_KINDS).describe('Label span_kind, as the spanmetrics connector spells it'),
  statusCode: z
    .enum(SPAN_STATUS_CODES)
    .describe('Label status_code; errors are the calls with STATUS_CODE_ERROR'),
  calls: z.number().int().min(1).describe('Spans counted (each traceId+spanId once)'),
  durationSumMs: z.number().min(0),
  durationMinMs: z.number().min(0),
  durationMaxMs: z.number().min(0),
  bucketCounts: z
    .array(z.number().int().min(0))
    .min(1)
    .describe('Calls per explicit bucket (bounds[i-1], bounds[i]], then the one above the last'),
});

export const spanMetricsRecordedPayloadSchema = z.strictObject({
  observedAt: instantSchema.describe('Assembly time: the time the points are written at'),
  part: z.number().int().min(1).describe('Part of the batch (a batch of many series is split)'),
  spanCount: z.number().int().min(1),
  durationBoundsMs: z.array(z.number().min(0)).describe('Explicit bucket bounds, milliseconds'),
  series: z.array(spanMetricsSeriesSchema).min(1).max(MAX_SERIES_PER_EVENT),
});

export const spanMetricsRecorded = defineEvent({
  eventType: 'SpanMetricsRecorded',
  eventVersion: 1,
  aggregateType: 'TraceRecord',
  visibility: 'internal',
  description:
    'RED metrics (calls, errors, duration histogram) of the spans one assembly run saw for the first time, per service, operation, span kind and status code; metric-aggregation-service writes them as the series traces.service.calls and traces.service.duration. The aggregate is the assembly batch.',
  schema: spanMetricsRecordedPayloadSchema,
  example: {
    aggregateId: 'b7a1c0de-5f1e-4c2a-9d3b-0a1b2c3d4e5f',
    aggregateVersion: 1,
    occurredAt: '2024-05-01T10:00:05.000Z',
    payload: {
      observedAt: '2024-05-01T10:00:05.000Z',
      part: 1,
      spanCount: 3,
      durationBoundsMs: [...SPAN_METRICS_DURATION_BOUNDS_MS],
      series: [
        {
          dimensions: EXAMPLE_DIMENSIONS,
          spanName: 'POST /v1/payments',
          spanKind: 'SPAN_KIND_SERVER',
          statusCode: 'STATUS_CODE_ERROR',
          calls: 3,
          durationSumMs: 1_237.5,
          durationMinMs: 45,
          durationMaxMs: 812.5,
          bucketCounts: [0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        },
      ],
    },
  },
});
