import { z } from 'zod';
import {
  EXAMPLE_DIMENSIONS,
  TRACE_ID,
  amountSchema,
  currencySchema,
  dimensionsInputSchema,
  lineIdSchema,
  modelSchema,
  tokensSchema,
  traceIdSchema,
} from './cost-common.schemas.js';

/** Usage before 2000 or from 9000 on is a clock bug, not a cost: the schema refuses it (400). */
const occurredAtSchema = z.iso
  .datetime({ offset: true })
  .regex(/^(?:2[0-9]{3}|[3-8][0-9]{3})-/)
  .describe('When the usage happened (ISO-8601): it decides the day and month it is counted in')
  .meta({ example: '2024-05-01T10:15:00Z' });

const common = {
  lineId: lineIdSchema,
  occurredAt: occurredAtSchema,
  amount: amountSchema,
  currency: currencySchema,
  traceId: traceIdSchema.optional().describe('The trace that incurred the cost, when known'),
  dimensions: dimensionsInputSchema,
};

/** LLM usage: the model and its token counts are required (they price the model per token). */
const inferenceLine = z
  .strictObject({
    category: z.literal('model_inference'),
    ...common,
    model: modelSchema,
    inputTokens: tokensSchema.describe('Prompt tokens'),
    outputTokens: tokensSchema.describe('Completion tokens'),
  })
  .describe('A model_inference line: one LLM call (or an aggregate of calls) of one model');

/** Compute, storage and network carry no model or tokens (sending them is a 400). */
const infrastructureLine = z
  .strictObject({
    category: z.enum(['compute', 'storage', 'network']),
    ...common,
  })
  .describe('A compute, storage or network line');

export const costLineSchema = z
  .discriminatedUnion('category', [inferenceLine, infrastructureLine])
  .describe('One usage line, by category');

export type CostLineBody = z.output<typeof costLineSchema>;

export const MAX_LINES_PER_BATCH = 1000;

export const costRecordsBody = z
  .strictObject({
    lines: z.array(costLineSchema).min(1).max(MAX_LINES_PER_BATCH),
  })
  .describe('A batch of 1-1000 usage lines')
  .meta({
    example: {
      lines: [
        {
          lineId: 'llm-call-2024-05-01-000042',
          category: 'model_inference',
          occurredAt: '2024-05-01T10:15:00Z',
          amount: '0.0185',
          currency: 'USD',
          model: 'gpt-4o-2024-08-06',
          inputTokens: 1200,
          outputTokens: 450,
          traceId: TRACE_ID,
          dimensions: EXAMPLE_DIMENSIONS,
        },
        {
          lineId: 'vm-hour-2024-05-01T10',
          category: 'compute',
          occurredAt: '2024-05-01T10:00:00Z',
          amount: '0.096',
          currency: 'USD',
          dimensions: { ...EXAMPLE_DIMENSIONS, agentId: 'none' },
        },
      ],
    },
  });

export const ingestResultSchema = z
  .object({
    accepted: z.number().int().describe('Lines stored by this request'),
    duplicates: z
      .number()
      .int()
      .describe('Lines already stored (or repeated in the batch): counted once'),
    duplicateLineIds: z.array(z.string()).describe('Their line ids, sorted'),
    signalIds: z
      .array(z.string())
      .describe('CostSignals recomputed because of the accepted lines, sorted'),
  })
  .describe('What the batch changed')
  .meta({
    example: {
      accepted: 2,
      duplicates: 0,
      duplicateLineIds: [],
      signalIds: ['cost_6b0f0c2f3c8a4c1e9d2b7a5f4e3d2c1b'],
    },
  });
