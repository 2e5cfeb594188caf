import { LOG_LEVELS, ORIGINS } from '@obs/domain';
import { keysetCursor, keysetPageQuery, pageSchema } from '@obs/service-kit';
import { z } from 'zod';

/*
 * Request schemas state every rule a schema can (ids, bounds, levels); what only the service can
 * judge (exactly one of traceId and executionId, a range that ends after it starts) answers 422
 * with its code.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REFERENCE_ID = '6f1c2d3e-0000-4000-8000-000000000001';
const TRACE_ID_PATTERN = /^(?!0{32}$)[0-9a-f]{32}$/;

export const traceIdSchema = z
  .string()
  .regex(TRACE_ID_PATTERN)
  .describe('W3C trace id: 32 lowercase hex characters, not all zeros')
  .meta({ example: TRACE_ID });
export const executionIdSchema = z
  .string()
  .min(1)
  .max(256)
  .describe('The execution.id resource attribute of the records')
  .meta({ example: 'exec-2024-05-01-0042' });
export const levelSchema = z
  .enum(LOG_LEVELS)
  .describe('Serilog level: Verbose < Debug < Information < Warning < Error < Fatal')
  .meta({ example: 'Warning' });

export const logQueryBody = z
  .strictObject({
    traceId: traceIdSchema.optional(),
    executionId: executionIdSchema.optional(),
    from: z.iso.datetime().describe('Start of the range (inclusive), ISO-8601 UTC'),
    to: z.iso.datetime().describe('End of the range (exclusive), after from'),
    minSeverity: levelSchema
      .default('Verbose')
      .describe('Records at this level or above (default Verbose: all)'),
    text: z
      .string()
      .max(256)
      .optional()
      .describe('Case-insensitive substring the record body must contain'),
    limit: keysetPageQuery.limit,
    cursor: keysetCursor.schema,
  })
  .describe('Exactly one of traceId and executionId; the tenant is the token’s')
  .meta({
    example: {
      traceId: TRACE_ID,
      from: '2024-05-01T10:00:00.000Z',
      to: '2024-05-01T11:00:00.000Z',
      minSeverity: 'Information',
      text: 'payment',
      limit: 100,
    },
  });
export type LogQueryBody = z.infer<typeof logQueryBody>;

/**
 * OTLP attribute values: strings, numbers, booleans, and arrays and maps of them. Stated as any
 * JSON value: a recursive schema would need a component the document generator does not emit.
 */
const attributesSchema = z
  .record(z.string(), z.unknown())
  .describe('The record’s attributes (strings, numbers, booleans, arrays, maps)');

export const logRecordSchema = z
  .object({
    id: z.string().describe('The record’s id in its store'),
    timestamp: z.string().describe('ISO-8601 UTC, with the record’s sub-millisecond digits'),
    level: levelSchema,
    severityText: z.string().nullable(),
    body: z.string(),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    executionId: z.string().nullable(),
    attributes: attributesSchema,
    workspaceId: z
      .string()
      .describe('The store it was read from: `local` or a Log Analytics workspace'),
  })
  .meta({
    example: {
      id: '0b8e3c1e-8f4e-4c2a-9a57-2f9d1d2f3a4b',
      timestamp: '2024-05-01T10:10:00.123456Z',
      level: 'Warning',
      severityText: 'WARN',
      body: 'payment retried',
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      executionId: 'exec-2024-05-01-0042',
      attributes: { attempt: 2 },
      workspaceId: 'local',
    },
  });
export const logRecordPageSchema = pageSchema(logRecordSchema);

const dimensionsSchema = z.object({
  tenantId: z.string(),
  projectId: z.string(),
  moduleId: z.string(),
  artifactId: z.string(),
  executionId: z.string(),
  agentId: z.string(),
  service: z.string(),
  serviceVersion: z.string(),
  environment: z.string(),
  region: z.string(),
  origin: z.enum(ORIGINS),
});

export const logReferenceSchema = z
  .object({
    id: z.string().describe('referenceId'),
    tenantId: z.string(),
    projectId: z.string(),
    moduleId: z.string(),
    traceId: z.string(),
    executionId: z.string(),
    level: levelSchema.describe('The highest level among the records it indexes'),
    timestamp: z.string().describe('The earliest record it indexes'),
    logAnalyticsRef: z.object({
      workspaceId: z
        .string()
        .describe('`local` (this service’s store) or a Log Analytics workspace'),
      queryHandle: z.string(),
    }),
    recordCount: z.number().int().describe('Records of the ingested batch it indexes'),
    dimensions: dimensionsSchema,
  })
  .meta({
    example: {
      id: REFERENCE_ID,
      tenantId: 'acme',
      projectId: 'checkout',
      moduleId: 'payments',
      traceId: TRACE_ID,
      executionId: 'exec-2024-05-01-0042',
      level: 'Warning',
      timestamp: '2024-05-01T10:10:00.123Z',
      logAnalyticsRef: { workspaceId: 'local', queryHandle: `traceId=${TRACE_ID}` },
      recordCount: 3,
      dimensions: {
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
      },
    },
  });

export const logReferenceListQuery = z.object({
  traceId: traceIdSchema.optional(),
  executionId: executionIdSchema.optional(),
  ...keysetPageQuery,
});
