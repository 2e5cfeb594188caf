import { COST_CATEGORIES, ORIGINS } from '@obs/domain';
import { keysetCursorOf, keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { AMOUNT_PATTERN } from '../money.js';
import { PERIOD_KINDS } from '../periods.js';

/** Building blocks shared by the cost-record, signal, breakdown and export schemas. */

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const SIGNAL_ID = 'cost_6b0f0c2f3c8a4c1e9d2b7a5f4e3d2c1b';
export const EXPORT_ID = '5f0c3a1e-8b7d-4c2a-9e6f-1a2b3c4d5e6f';

/** Same rules as the domain's value objects, stated as patterns so the OpenAPI says them. */
const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const TRACE_ID_PATTERN = /^(?!0{32}$)[0-9a-f]{32}$/;
const SIGNAL_ID_SOURCE = 'cost_[0-9a-f]{32}';
export const SIGNAL_ID_PATTERN = new RegExp(`^${SIGNAL_ID_SOURCE}$`);
/** Signals are keyed by `cost_<32 hex>`, not a uuid: their cursor is `<periodStart ms>.<id>`. */
export const signalCursor = keysetCursorOf(SIGNAL_ID_SOURCE);
/** Printable ASCII without spaces: line ids, model names as providers spell them. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export const amountSchema = z
  .string()
  .regex(AMOUNT_PATTERN)
  .describe(
    'Exact decimal string in currency units, ≥ 0, at most 9 integer and 6 fraction digits (micro-units); never a JSON number, so no binary float touches it',
  )
  .meta({ example: '12.345678' });

export const amountOutSchema = z
  .string()
  .describe('Exact decimal string in currency units (shortest form: "0.3", "274")')
  .meta({ example: '0.3' });

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .describe('ISO-4217 code; a project keeps the currency of its first line')
  .meta({ example: 'USD' });

export const categorySchema = z.enum(COST_CATEGORIES).meta({ example: 'model_inference' });
export const periodKindSchema = z
  .enum(PERIOD_KINDS)
  .describe('day: one UTC calendar day; month: one UTC calendar month')
  .meta({ example: 'day' });

export const traceIdSchema = z
  .string()
  .regex(TRACE_ID_PATTERN)
  .describe('W3C trace id: 32 lowercase hex characters, not all zeros')
  .meta({ example: TRACE_ID });

export const lineIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(TOKEN_PATTERN)
  .describe(
    "The sender's id of the line, unique per tenant: a line resent with the same id is counted once",
  )
  .meta({ example: 'llm-call-2024-05-01-000042' });

export const modelSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(TOKEN_PATTERN)
  .describe('Model as the provider names it')
  .meta({ example: 'gpt-4o-2024-08-06' });

export const tokensSchema = z.number().int().min(0).max(1_000_000_000).meta({ example: 1200 });

const dimensionValue = z.string().min(1).max(256);

export const EXAMPLE_DIMENSIONS = {
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-2024-05-01-0042',
  agentId: 'support-agent',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'agent',
} as const;

export const dimensionsInputSchema = z
  .strictObject({
    tenantId: z
      .string()
      .regex(TENANT_ID_PATTERN)
      .optional()
      .describe("The token's tenant when omitted; another tenant answers 422"),
    projectId: dimensionValue.describe('The project the cost is attributed to'),
    moduleId: dimensionValue,
    artifactId: dimensionValue,
    executionId: dimensionValue.describe('The execution (run) that incurred the cost'),
    agentId: dimensionValue.describe('The agent that incurred it; the literal "none" otherwise'),
    service: dimensionValue,
    serviceVersion: dimensionValue,
    environment: dimensionValue,
    region: dimensionValue,
    origin: z.enum(ORIGINS),
  })
  .describe('The eleven telemetry dimensions (tenantId comes from the token)')
  .meta({ example: EXAMPLE_DIMENSIONS });

/** ISO-8601 instants; a malformed one is a 400 naming the parameter. */
export const instantQuery = (description: string, example: string) =>
  z.iso.datetime({ offset: true }).optional().describe(description).meta({ example });

export const projectQuery = z
  .string()
  .min(1)
  .max(256)
  .optional()
  .describe('Only this project')
  .meta({ example: 'checkout' });

/** `?limit=&cursor=` of the breakdowns (an offset in the kit's cursor shape). */
export const pageQuery = {
  limit: keysetPageQuery.limit.meta({ example: 50 }),
  cursor: keysetPageQuery.cursor.meta({
    example: '1714521600000.6b0f0c2f-3c8a-4c1e-9d2b-7a5f4e3d2c1b',
  }),
};

/** `?limit=&cursor=` of the signal list. */
export const signalPageQuery = {
  limit: pageQuery.limit,
  cursor: signalCursor.schema.meta({ example: `1714521600000.${SIGNAL_ID}` }),
};
