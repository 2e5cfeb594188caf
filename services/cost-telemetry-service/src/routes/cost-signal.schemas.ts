import { z } from 'zod';
import {
  SIGNAL_ID,
  SIGNAL_ID_PATTERN,
  TRACE_ID,
  amountOutSchema,
  categorySchema,
  currencySchema,
  instantQuery,
  periodKindSchema,
  projectQuery,
  signalPageQuery,
} from './cost-common.schemas.js';

export const signalIdParams = z
  .object({
    id: z
      .string()
      .regex(SIGNAL_ID_PATTERN)
      .describe('CostSignal id: cost_ and 32 hex, derived from (tenant, project, period)')
      .meta({ example: SIGNAL_ID }),
  })
  .meta({ example: { id: SIGNAL_ID } });

export const signalListQuery = z
  .object({
    ...signalPageQuery,
    projectId: projectQuery,
    period: periodKindSchema.optional().describe('Only day or only month signals'),
    from: instantQuery(
      'Periods starting at or after this instant (ISO-8601)',
      '2024-05-01T00:00:00Z',
    ),
    to: instantQuery('Periods starting before this instant (ISO-8601)', '2024-06-01T00:00:00Z'),
  })
  .meta({
    example: { projectId: 'checkout', period: 'day', from: '2024-05-01T00:00:00Z', limit: 50 },
  });

const EXAMPLE_SIGNAL = {
  id: SIGNAL_ID,
  tenantId: 'acme',
  projectId: 'checkout',
  period: 'day' as const,
  periodStart: '2024-05-01T00:00:00.000Z',
  periodEnd: '2024-05-02T00:00:00.000Z',
  currency: 'USD',
  total: '274',
  breakdown: [
    { category: 'model_inference' as const, amount: '75' },
    { category: 'compute' as const, amount: '180' },
    { category: 'storage' as const, amount: '14' },
    { category: 'network' as const, amount: '5' },
  ],
  anomalies: [
    {
      category: 'compute' as const,
      detectedAt: '2024-05-02T00:00:00.000Z',
      deltaPct: 80,
      baseline: '100',
      observed: '180',
      traceIds: [TRACE_ID],
    },
  ],
  computedAt: '2024-05-02T00:00:00.000Z',
  version: 3,
};

export const costSignalSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    projectId: z.string(),
    period: periodKindSchema,
    periodStart: z.string().describe('Inclusive start (UTC midnight, or the 1st of the month)'),
    periodEnd: z.string().describe('Exclusive end'),
    currency: currencySchema,
    total: amountOutSchema.describe('Exactly the sum of the breakdown amounts'),
    breakdown: z
      .array(z.object({ category: categorySchema, amount: amountOutSchema }))
      .describe('One line per category with cost in the period, in canonical category order'),
    anomalies: z
      .array(
        z.object({
          category: categorySchema,
          detectedAt: z.string().describe('The period end (event time: recomputing keeps it)'),
          deltaPct: z.number().describe('(observed − baseline) / baseline × 100, 2 decimals'),
          baseline: amountOutSchema.describe('Median of the category over the trailing periods'),
          observed: amountOutSchema,
          traceIds: z
            .array(z.string())
            .describe('The traces that cost the most in the category and period, largest first'),
        }),
      )
      .describe('Categories that crossed both the relative and the absolute threshold'),
    computedAt: z.string().describe('The period end: a signal is a pure function of its lines'),
    version: z.number().int().describe('Counts the recomputations that changed the signal'),
  })
  .describe('The cost of a project over one day or month')
  .meta({ example: EXAMPLE_SIGNAL });
