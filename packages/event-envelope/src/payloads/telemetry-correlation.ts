import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { EXAMPLE_TRACE_ID, idSchema, instantSchema, traceIdSchema } from './common.js';

export const CORRELATION_LINK_KINDS = ['trace', 'log', 'metric', 'incident', 'feedback'] as const;

export const correlationLinkSchema = z.strictObject({
  kind: z.enum(CORRELATION_LINK_KINDS),
  targetId: idSchema,
  store: idSchema.describe('Where the target lives, e.g. the owning service or log workspace'),
});

export const correlationSnapshottedPayloadSchema = z.strictObject({
  traceId: traceIdSchema,
  projectId: idSchema,
  links: z.array(correlationLinkSchema),
  updatedAt: instantSchema,
});

export const correlationSnapshotted = defineEvent({
  eventType: 'CorrelationSnapshotted',
  eventVersion: 1,
  aggregateType: 'TelemetryCorrelation',
  visibility: 'internal',
  description:
    'The set of records linked to one trace (logs, metrics, incidents, feedback) changed; carries the whole current set.',
  schema: correlationSnapshottedPayloadSchema,
  example: {
    aggregateId: EXAMPLE_TRACE_ID,
    aggregateVersion: 3,
    occurredAt: '2024-05-01T10:10:02.000Z',
    payload: {
      traceId: EXAMPLE_TRACE_ID,
      projectId: 'checkout',
      links: [
        { kind: 'trace', targetId: EXAMPLE_TRACE_ID, store: 'trace-service' },
        { kind: 'log', targetId: 'law-payments/0a1b2c', store: 'log-query-service' },
        {
          kind: 'incident',
          targetId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c',
          store: 'incident-service',
        },
      ],
      updatedAt: '2024-05-01T10:10:02.000Z',
    },
  },
});
