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
