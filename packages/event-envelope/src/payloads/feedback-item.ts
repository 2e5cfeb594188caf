import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { idSchema, instantSchema } from './common.js';

export const FEEDBACK_SOURCES = ['incident', 'runtime-signal', 'human', 'agent'] as const;
export const FEEDBACK_CATEGORIES = [
  'reliability',
  'performance',
  'cost',
  'maintainability',
  'correctness',
] as const;
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;

export const feedbackItemCreatedPayloadSchema = z.strictObject({
  feedbackItemId: idSchema,
  projectId: idSchema.nullable(),
  artifactId: idSchema.nullable(),
  source: z.enum(FEEDBACK_SOURCES),
  sourceId: idSchema
    .nullable()
    .describe('Id of the incident, SLO or cost signal it came from; null for humans and agents'),
  category: z.enum(FEEDBACK_CATEGORIES),
  sentiment: z.enum(SENTIMENTS),
  summary: z.string().min(1),
  createdAt: instantSchema,
});

export const feedbackItemCreated = defineEvent({
  eventType: 'FeedbackItemCreated',
  eventVersion: 1,
  aggregateType: 'FeedbackItem',
  visibility: 'public',
  description:
    'Feedback was captured from a human, an agent, a resolved incident or a runtime signal (SLO breach, cost anomaly).',
  schema: feedbackItemCreatedPayloadSchema,
  example: {
    aggregateId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
    aggregateVersion: 1,
    occurredAt: '2024-05-01T11:40:02.000Z',
    payload: {
      feedbackItemId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
      projectId: 'checkout',
      artifactId: 'payments-api',
      source: 'incident',
      sourceId: '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c',
      category: 'reliability',
      sentiment: 'negative',
      summary: 'Connection pool exhausted after a config change',
      createdAt: '2024-05-01T11:40:02.000Z',
    },
  },
});
