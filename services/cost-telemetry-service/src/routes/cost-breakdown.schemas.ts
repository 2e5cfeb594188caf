import { pageSchema } from '@obs/service-kit';
import { z } from 'zod';
import {
  TRACE_ID,
  amountOutSchema,
  categorySchema,
  instantQuery,
  pageQuery,
  projectQuery,
  traceIdSchema,
} from './cost-common.schemas.js';

export const breakdownQuery = z
  .object({
    ...pageQuery,
    projectId: projectQuery,
    from: instantQuery(
      'Lines that occurred at or after this instant (ISO-8601)',
      '2024-05-01T00:00:00Z',
    ),
    to: instantQuery('Lines that occurred before this instant (ISO-8601)', '2024-06-01T00:00:00Z'),
  })
  .meta({ example: { projectId: 'checkout', from: '2024-05-01T00:00:00Z', limit: 50 } });

export const traceParams = z
  .object({ traceId: traceIdSchema })
  .meta({ example: { traceId: TRACE_ID } });

const EXAMPLE_MODEL = {
  model: 'gpt-4o-2024-08-06',
  currency: 'USD',
  amount: '0.0185',
  lineCount: 1,
  inputTokens: 1200,
  outputTokens: 450,
  totalTokens: 1650,
  costPerToken: '0.000011212121',
  costPerMillionTokens: '11.212121',
};

export const modelCostSchema = z
  .object({
    model: z.string(),
    currency: z.string(),
    amount: amountOutSchema,
    lineCount: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    totalTokens: z.number().int(),
    costPerToken: z
      .string()
      .nullable()
      .describe('amount / totalTokens, half-even to 12 decimals; null without tokens'),
    costPerMillionTokens: z
      .string()
      .nullable()
      .describe('amount × 1 000 000 / totalTokens, half-even to 6 decimals; null without tokens'),
  })
  .describe('model_inference cost of one model in one currency')
  .meta({ example: EXAMPLE_MODEL });

export const modelCostPageSchema = pageSchema(modelCostSchema)
  .describe('Models by cost, largest first')
  .meta({ example: { items: [EXAMPLE_MODEL], nextCursor: null } });

const EXAMPLE_AGENT = {
  agentId: 'support-agent',
  currency: 'USD',
  amount: '12.5',
  lineCount: 340,
  inputTokens: 410000,
  outputTokens: 92000,
};

export const agentCostSchema = z
  .object({
    agentId: z.string().describe('"none": cost incurred without an agent'),
    currency: z.string(),
    amount: amountOutSchema,
    lineCount: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
  })
  .describe('Cost of one agent in one currency, all categories')
  .meta({ example: EXAMPLE_AGENT });

export const agentCostPageSchema = pageSchema(agentCostSchema)
  .describe('Agents by cost, largest first')
  .meta({ example: { items: [EXAMPLE_AGENT], nextCursor: null } });

export const traceCostSchema = z
  .object({
    traceId: z.string(),
    lineCount: z.number().int(),
    projectIds: z.array(z.string()),
    totals: z.array(z.object({ currency: z.string(), amount: amountOutSchema })),
    byCategory: z.array(
      z.object({ category: categorySchema, currency: z.string(), amount: amountOutSchema }),
    ),
    byModel: z.array(modelCostSchema).describe('Cost per LLM token and model within the trace'),
  })
  .describe('What one trace cost')
  .meta({
    example: {
      traceId: TRACE_ID,
      lineCount: 2,
      projectIds: ['checkout'],
      totals: [{ currency: 'USD', amount: '0.1145' }],
      byCategory: [
        { category: 'model_inference', currency: 'USD', amount: '0.0185' },
        { category: 'compute', currency: 'USD', amount: '0.096' },
      ],
      byModel: [EXAMPLE_MODEL],
    },
  });
