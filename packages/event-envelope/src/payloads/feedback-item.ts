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

const nullableId = (description: string) => idSchema.nullable().describe(description);

export const feedbackItemRoutedPayloadSchema = z.strictObject({
  feedbackItemId: idSchema,
  projectId: idSchema.nullable(),
  artifactId: idSchema.nullable(),
  category: z.enum(FEEDBACK_CATEGORIES),
  sentiment: z.enum(SENTIMENTS),
  summary: z.string().min(1),
  routedTo: idSchema.describe('The team, backlog or agent id the item was handed to'),
  feedbackRouteId: nullableId(
    'The routing rule (feedback-service /v1/feedback-routes) that chose the target; null when routed by hand',
  ),
  receiverId: nullableId(
    'The receiver (alert-rule-service /v1/receivers) the rule tells of the item; alert-rule-service queues one notification to it. Null: nobody is told',
  ),
  routedAt: instantSchema,
});

export const feedbackItemRouted = defineEvent({
  eventType: 'FeedbackItemRouted',
  eventVersion: 1,
  aggregateType: 'FeedbackItem',
  visibility: 'internal',
  description:
    'A feedback item was routed to a team, backlog or agent: by the first matching routing rule when it was created, or by hand. An agent reads it in its inbox (GET /v1/feedback?routedTo=).',
  schema: feedbackItemRoutedPayloadSchema,
  example: {
    aggregateId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
    aggregateVersion: 2,
    occurredAt: '2024-05-01T11:40:02.000Z',
    payload: {
      feedbackItemId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
      projectId: 'checkout',
      artifactId: 'payments-api',
      category: 'reliability',
      sentiment: 'negative',
      summary: 'Connection pool exhausted after a config change',
      routedTo: 'agent-fixer-7',
      feedbackRouteId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
      receiverId: '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f',
      routedAt: '2024-05-01T11:40:02.000Z',
    },
  },
});

export const feedbackItemAppliedPayloadSchema = z.strictObject({
  feedbackItemId: idSchema,
  projectId: idSchema.nullable(),
  artifactId: idSchema.nullable(),
  routedTo: idSchema.describe('Who it had been routed to'),
  changeRef: idSchema.describe(
    'The change that applied it: a commit, pull request, deployment or ticket',
  ),
  appliedAt: instantSchema,
});

export const feedbackItemApplied = defineEvent({
  eventType: 'FeedbackItemApplied',
  eventVersion: 1,
  aggregateType: 'FeedbackItem',
  visibility: 'internal',
  description:
    'A routed feedback item was applied by a named change (final). quality-score-service counts it as resolved.',
  schema: feedbackItemAppliedPayloadSchema,
  example: {
    aggregateId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
    aggregateVersion: 3,
    occurredAt: '2024-05-02T09:00:00.000Z',
    payload: {
      feedbackItemId: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a',
      projectId: 'checkout',
      artifactId: 'payments-api',
      routedTo: 'agent-fixer-7',
      changeRef: 'github:acme/checkout#1432',
      appliedAt: '2024-05-02T09:00:00.000Z',
    },
  },
});
