import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { idSchema, instantSchema, unitIntervalSchema } from './common.js';

export const qualityDimensionsSchema = z.strictObject({
  reliability: unitIntervalSchema,
  performance: unitIntervalSchema,
  cost_efficiency: unitIntervalSchema,
  maintainability: unitIntervalSchema,
  correctness: unitIntervalSchema,
});

export const artifactScoreSchema = z.strictObject({
  artifactId: idSchema,
  score: unitIntervalSchema,
  openFeedbackCount: z.number().int().min(0),
});

export const qualityScoreComputedPayloadSchema = z.strictObject({
  qualityScoreId: idSchema,
  projectId: idSchema,
  windowStart: instantSchema,
  windowEnd: instantSchema,
  overall: unitIntervalSchema,
  dimensions: qualityDimensionsSchema,
  artifactScores: z.array(artifactScoreSchema),
  computedAt: instantSchema,
});

export const qualityScoreComputed = defineEvent({
  eventType: 'QualityScoreComputed',
  eventVersion: 1,
  aggregateType: 'QualityScore',
  visibility: 'public',
  description:
    'The quality score of a project over a window was (re)computed; recomputing the same inputs yields the same score.',
  schema: qualityScoreComputedPayloadSchema,
  example: {
    aggregateId: 'checkout|2024-05-01T00:00:00.000Z',
    aggregateVersion: 1,
    occurredAt: '2024-05-02T00:00:00.000Z',
    payload: {
      qualityScoreId: 'checkout|2024-05-01T00:00:00.000Z',
      projectId: 'checkout',
      windowStart: '2024-05-01T00:00:00.000Z',
      windowEnd: '2024-05-02T00:00:00.000Z',
      overall: 0.82,
      dimensions: {
        reliability: 0.7,
        performance: 0.85,
        cost_efficiency: 0.9,
        maintainability: 0.8,
        correctness: 0.85,
      },
      artifactScores: [{ artifactId: 'payments-api', score: 0.78, openFeedbackCount: 2 }],
      computedAt: '2024-05-02T00:00:00.000Z',
    },
  },
});
