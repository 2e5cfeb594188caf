import { ORIGINS, SEVERITIES, type DimensionName } from '@obs/domain';
import { z } from 'zod';

/*
 * Building blocks shared by the payload schemas. Patterns are written as single regular
 * expressions (no refinements) so that the exported JSON Schema says exactly what zod checks.
 */

/** Same rule as the domain's `tenantId` value object. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** W3C trace id: 32 lowercase hex characters, not all zeros (an all-zero id means "no trace"). */
export const TRACE_ID_PATTERN = /^(?!0{32}$)[0-9a-f]{32}$/;
/** ISO-4217 currency code, as the domain's `currency` value object checks it. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export const tenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN)
  .describe('Tenant the event belongs to');

export const traceIdSchema = z
  .string()
  .regex(TRACE_ID_PATTERN)
  .describe('W3C trace id: 32 lowercase hex characters, not all zeros');

/** Identity of an aggregate or of a referenced record: any non-empty string. */
export const idSchema = z.string().min(1);

/** An ISO-8601 instant in UTC (`Z` suffix, no offset), as every time in the contract. */
export const instantSchema = z.iso.datetime();

export const severitySchema = z.enum(SEVERITIES);

/** 0..1 inclusive: quality scores and their dimensions. */
export const unitIntervalSchema = z.number().min(0).max(1);

/** `Record<string,string>`: the dimension values a metric or alert is grouped by. */
export const groupSchema = z
  .record(z.string(), z.string())
  .describe('Dimension values of the group, e.g. {"service":"api"}; {} when ungrouped');

const dimensionValue = z.string().min(1).max(256);

/**
 * The eleven telemetry dimensions of docs/design.md#dimensions. `satisfies` keeps the key set equal
 * to the domain's DIMENSION_NAMES at compile time.
 */
const dimensionShape = {
  tenantId: tenantIdSchema,
  projectId: dimensionValue,
  moduleId: dimensionValue,
  artifactId: dimensionValue,
  executionId: dimensionValue,
  agentId: dimensionValue.describe('The literal "none" where no agent is involved'),
  service: dimensionValue,
  serviceVersion: dimensionValue,
  environment: dimensionValue,
  region: dimensionValue,
  origin: z.enum(ORIGINS),
} satisfies Record<DimensionName, z.ZodType>;

export const dimensionsSchema = z
  .strictObject(dimensionShape)
  .describe('The eleven telemetry dimensions');

/** A realistic set of dimensions reused by the examples. */
export const EXAMPLE_DIMENSIONS = {
  tenantId: 'acme',
  projectId: 'checkout',
  moduleId: 'payments',
  artifactId: 'payments-api',
  executionId: 'exec-2024-05-01-0042',
  agentId: 'none',
  service: 'payments-api',
  serviceVersion: '1.14.2',
  environment: 'production',
  region: 'westeurope',
  origin: 'generated-saas',
} as const satisfies z.output<typeof dimensionsSchema>;

export const EXAMPLE_TENANT = EXAMPLE_DIMENSIONS.tenantId;
export const EXAMPLE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
