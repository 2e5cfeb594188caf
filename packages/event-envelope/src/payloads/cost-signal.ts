import { z } from 'zod';
import { defineEvent } from '../event-definition.js';
import { CURRENCY_PATTERN, idSchema, instantSchema, traceIdSchema } from './common.js';

export const COST_CATEGORIES = ['model_inference', 'compute', 'storage', 'network'] as const;

/** Money is non-negative in the domain; amounts here are plain numbers in currency units. */
const amount = z.number().min(0);

export const costAnomalyDetectedPayloadSchema = z.strictObject({
  costSignalId: idSchema,
  projectId: idSchema,
  periodStart: instantSchema,
  periodEnd: instantSchema,
  currency: z.string().regex(CURRENCY_PATTERN).describe('ISO-4217 code, e.g. USD'),
  category: z.enum(COST_CATEGORIES),
  observed: amount,
  baseline: amount,
  deltaPct: z.number().describe('(observed - baseline) / baseline, in percent'),
  detectedAt: instantSchema,
  traceIds: z
    .array(traceIdSchema)
    .max(10)
    .optional()
    .describe(
      'traceIds of the largest contributing cost lines of the category in the period, largest first (at most 10; absent in events before it was added). The envelope traceId is the first of them.',
    ),
});

export const costAnomalyDetected = defineEvent({
  eventType: 'CostAnomalyDetected',
  eventVersion: 1,
  aggregateType: 'CostSignal',
  visibility: 'public',
  description:
    'The cost of a project in one category over a period deviated from its baseline beyond the anomaly threshold.',
  schema: costAnomalyDetectedPayloadSchema,
  example: {
    aggregateId: 'checkout|model_inference|2024-05-01T00:00:00.000Z',
    aggregateVersion: 1,
    occurredAt: '2024-05-02T00:00:00.000Z',
    payload: {
      costSignalId: 'checkout|model_inference|2024-05-01T00:00:00.000Z',
      projectId: 'checkout',
      periodStart: '2024-05-01T00:00:00.000Z',
      periodEnd: '2024-05-02T00:00:00.000Z',
      currency: 'USD',
      category: 'model_inference',
      observed: 184.2,
      baseline: 61.4,
      deltaPct: 200,
      detectedAt: '2024-05-02T00:00:00.000Z',
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
    },
  },
});
