import { MAX_LIMIT, DEFAULT_LIMIT, keysetCursorOf } from '@obs/service-kit';
import { z } from 'zod';

const TRACE_ID = /^(?!0{32}$)[0-9a-f]{32}$/;
/**
 * `<start ms>.<traceId>`: bigint milliseconds, never a timestamp, so any value (a negative one
 * included: it pages to an empty page) is a position.
 */
export const traceCursor = keysetCursorOf('(?!0{32})[0-9a-f]{32}', { signed: true });
export const TRACE_STATUS_FILTERS = ['assembling', 'ok', 'error', 'unset'] as const;
/** The most `attr.<key>=<value>` filters one search takes. */
export const MAX_ATTRIBUTE_FILTERS = 10;
export const ATTRIBUTE_PREFIX = 'attr.';

export const traceIdParams = z.strictObject({
  traceId: z
    .string()
    .regex(TRACE_ID)
    .describe('W3C trace id: 32 lowercase hex characters, not all zeros')
    .meta({ example: '4bf92f3577b34da6a3ce929d0e0e4736' }),
});

const attributeValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])).readonly(),
]);
const attributesSchema = z.record(z.string(), attributeValue);

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
  origin: z.string(),
});

const statusSchema = z
  .enum(TRACE_STATUS_FILTERS)
  .describe(
    '`assembling` until the assembly job has recorded the trace; then the trace status: error when any span errored or the tree is broken, else the root span status',
  );

const problemSchema = z
  .object({ code: z.string(), message: z.string() })
  .nullable()
  .describe(
    'Why an assembled tree is broken (trace.orphan_span, trace.multiple_roots, trace.cycle, trace.child_outside_parent, trace.duplicate_span); null when sound or still assembling',
  );

const summaryFields = {
  traceId: z.string(),
  status: statusSchema,
  problem: problemSchema,
  version: z.number().int().min(0).describe('0 until assembled; each assembly adds 1'),
  rootSpanId: z.string().nullable().describe('null until the root span has arrived'),
  rootSpanName: z.string().nullable(),
  startedAt: z.string().describe('Earliest span start, ISO-8601'),
  durationMs: z.number(),
  spanCount: z.number().int().min(0),
  dimensions: dimensionsSchema.describe(
    "The root span's resource dimensions (docs/design.md#dimensions)",
  ),
  pinned: z.boolean(),
  pinnedAt: z.string().nullable(),
  recordedAt: z.string().nullable().describe('First assembly (clock time); null while assembling'),
  updatedAt: z.string().nullable(),
};

export const traceSummarySchema = z.object(summaryFields);

const spanSchema = z.object({
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  childSpanIds: z.array(z.string()),
  depth: z
    .number()
    .int()
    .min(0)
    .describe('0 for a root (and for spans no root reaches, in a broken tree)'),
  name: z.string(),
  kind: z.number().int().min(0).max(5).describe('OTLP SpanKind'),
  service: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  status: z.enum(['ok', 'error', 'unset']),
  statusMessage: z.string().nullable(),
  attributes: attributesSchema,
  events: z.array(
    z.object({ timestamp: z.string(), name: z.string(), attributes: attributesSchema }),
  ),
});

export const traceSchema = z
  .object({
    ...summaryFields,
    spans: z
      .array(spanSchema)
      .describe('The span tree in depth-first order from the root (children by start time)'),
  })
  .describe('A trace and its span tree');

const dimensionFilter = (description: string) =>
  z.string().min(1).max(256).optional().describe(description);
const durationFilter = (description: string) =>
  z.coerce.number().min(0).max(1e15).optional().describe(description);

/**
 * `attr.<key>=<value>` parameters are not listed one by one (the key is free), so the object is
 * loose; the handler reads them and refuses any other unknown parameter.
 */
export const traceSearchQuery = z.looseObject({
  projectId: dimensionFilter('project.id of the root span'),
  moduleId: dimensionFilter('module.id of the root span'),
  service: dimensionFilter('service.name of the root span'),
  executionId: dimensionFilter('execution.id of the root span'),
  status: statusSchema.optional(),
  minDurationMs: durationFilter('Traces lasting at least this long'),
  maxDurationMs: durationFilter('Traces lasting at most this long'),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Traces starting at or after (ISO-8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Traces starting before (ISO-8601)'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .describe(`Page size (1-${MAX_LIMIT}, default ${DEFAULT_LIMIT})`),
  cursor: traceCursor.schema,
});

export const pinSchema = z.object({
  traceId: z.string(),
  pinned: z.boolean(),
  pinnedAt: z.string().nullable(),
});
