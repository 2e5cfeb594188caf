import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { idSchema, instantSchema } from './common.js';

/** Percentages as docs/design.md#slo has them: target in (0,100], errorBudget = 100 - target. */
const percent = z.number().min(0).max(100);

export const sloBreachedPayloadSchema = z.strictObject({
  sloId: idSchema,
  projectId: idSchema,
  name: z.string().min(1),
  target: z.number().gt(0).max(100).describe('Objective in percent of good events, e.g. 99.9'),
  windowMinutes: z.number().int().min(1),
  errorBudget: percent.describe('100 - target, in percent of events'),
  // Breached means exactly "the whole budget is used", so the contract fixes this at 0.
  budgetRemaining: z.literal(0),
  badPct: percent.describe('Observed bad events over the window, in percent'),
  breachedAt: instantSchema,
});

export const sloBreached = defineEvent({
  eventType: 'SloBreached',
  eventVersion: 1,
  aggregateType: 'SloDefinition',
  visibility: 'public',
  description:
    'An SLO used its whole error budget over its rolling window (with at least one bad event); once per breach.',
  schema: sloBreachedPayloadSchema,
  example: {
    aggregateId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
    aggregateVersion: 3,
    occurredAt: '2024-05-01T10:30:00.000Z',
    payload: {
      sloId: 'e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b',
      projectId: 'checkout',
      name: 'Payments availability',
      target: 99.9,
      windowMinutes: 43_200,
      errorBudget: 0.1,
      budgetRemaining: 0,
      badPct: 0.12,
      breachedAt: '2024-05-01T10:30:00.000Z',
    },
  },
});
