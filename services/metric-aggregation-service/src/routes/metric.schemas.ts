import { ORIGINS, WINDOWS } from '@obs/domain';
import { keysetPageQuery } from '@obs/service-kit';
import { z } from 'zod';
import { METRIC_KINDS } from '../ingest/metric-stream.js';
import { SERIES_AGGREGATIONS } from '../metric.queries.js';

/*
 * Request schemas state every rule a schema can (names, units, trace ids, bounds); what only the
 * service can judge (a timestamp too far ahead, a value below zero in a non-negative unit, too
 * many labels, a range with too many windows) answers 422 with its code.
 */

// OpenTelemetry instrument name syntax, as the domain's metricName.
// Exported for the native batch's fast check (native-batch-check.ts), which must agree with them.
export const METRIC_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
export const UNIT_PATTERN = /^[\x20-\x7e]{0,63}$/;
export const TRACE_ID_PATTERN = /^(?!0{32}$)[0-9a-f]{32}$/;
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_DIMENSION_LENGTH = 256;
export const MAX_ATTRIBUTE_LENGTH = 128;
/** Values beyond this could overflow a window's sum; no real measurement is near it. */
export const MAX_ABS_VALUE = 1e300;
export const MAX_POINTS_PER_BATCH = 1_000;
export const MAX_ATTRIBUTES = 8;
/**
 * The route's body limit: the largest body the schema admits (1,000 points whose every string is
 * at its bound and JSON-escaped, \uXXXX per character) fits, so a schema-valid batch never meets
 * 413. A real batch of 1,000 points is about 0.5 MB.
 */
export const NATIVE_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const EXAMPLE_DIMENSIONS = {
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
} as const;

export const metricNameSchema = z
  .string()
  .regex(METRIC_NAME_PATTERN)
  .describe('OpenTelemetry instrument name: a letter, then letters, digits, _ . - / (≤ 255)')
  .meta({ example: 'http.server.duration' });

const dimension = (description: string) =>
  z.string().min(1).max(MAX_DIMENSION_LENGTH).describe(description);

export const dimensionsSchema = z
  .strictObject({
    tenantId: z
      .string()
      .regex(TENANT_ID_PATTERN)
      .optional()
      .describe(
        "The token's tenant when omitted; another tenant answers 422 telemetry.tenant_mismatch",
      ),
    projectId: dimension('project.id'),
    moduleId: dimension('module.id'),
    artifactId: dimension('artifact.id'),
    executionId: dimension('execution.id'),
    agentId: dimension('agent.id; the literal "none" where no agent is involved'),
    service: dimension('service.name'),
    serviceVersion: dimension('service.version'),
    environment: dimension('deployment.environment.name'),
    region: dimension('cloud.region'),
    origin: z.enum(ORIGINS).describe('telemetry.origin'),
  })
  .describe(
    'The eleven telemetry dimensions (docs/design.md#dimensions); tenantId comes from the token',
  )
  .meta({ example: EXAMPLE_DIMENSIONS });

const timestampSchema = z.iso.datetime().describe('Event time (ISO-8601 UTC)');
/** The very pattern zod checks the timestamp against (a datetime format is its regex alone). */
export const TIMESTAMP_PATTERN: RegExp = timestampSchema._zod.def.pattern as RegExp;

const valueSchema = z
  .number()
  .min(-MAX_ABS_VALUE)
  .max(MAX_ABS_VALUE)
  .describe('The observed value');
const unitSchema = z
  .string()
  .regex(UNIT_PATTERN)
  .optional()
  .describe('UCUM unit as OpenTelemetry uses it (e.g. ms, By, 1); empty when omitted');
const traceIdSchema = z
  .string()
  .regex(TRACE_ID_PATTERN)
  .optional()
  .describe('Trace of the measurement; windows keep the largest as exemplars');
const attributesSchema = z
  .record(
    z.string().min(1).max(MAX_ATTRIBUTE_LENGTH),
    z.union([z.string().max(MAX_ATTRIBUTE_LENGTH), z.number(), z.boolean()]),
  )
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
  .meta({ maxProperties: MAX_ATTRIBUTES })
  .optional()
  .describe(`Point attributes (labels), at most ${MAX_ATTRIBUTES}`);

export const nativePointSchema = z.strictObject({
  metricName: metricNameSchema,
  value: valueSchema,
  timestamp: timestampSchema,
  dimensions: dimensionsSchema,
  unit: unitSchema,
  traceId: traceIdSchema,
  attributes: attributesSchema,
});

/** One point of a series: what varies between the points of one stream. */
export const seriesPointSchema = z.strictObject({
  timestamp: timestampSchema,
  value: valueSchema,
  traceId: traceIdSchema,
});

/**
 * The points of one stream, its metric, unit, dimensions and attributes stated once (the shape of
 * Prometheus remote write and Datadog's series API): a sender batching by stream sends a tenth of
 * the bytes of the flat form.
 */
export const nativeSeriesSchema = z.strictObject({
  metricName: metricNameSchema,
  unit: unitSchema,
  dimensions: dimensionsSchema,
  attributes: attributesSchema,
  points: z.array(seriesPointSchema).min(1).max(MAX_POINTS_PER_BATCH),
});

const EXAMPLE_POINT = {
  metricName: 'http.server.duration',
  value: 125.4,
  timestamp: '2024-05-01T10:00:12.345Z',
  dimensions: EXAMPLE_DIMENSIONS,
  unit: 'ms',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  attributes: { 'http.route': '/checkout', 'http.response.status_code': 200 },
};

export const nativeBatchBody = z
  .strictObject({
    points: z
      .array(nativePointSchema)
      .min(1)
      .max(MAX_POINTS_PER_BATCH)
      .optional()
      .describe('Flat form: each point names its metric and dimensions'),
    series: z
      .array(nativeSeriesSchema)
      .min(1)
      .max(MAX_POINTS_PER_BATCH)
      .optional()
      .describe(`Series form: points grouped by stream, at most ${MAX_POINTS_PER_BATCH} in all`),
  })
  .superRefine((body, ctx) => {
    if ((body.points === undefined) === (body.series === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of points and series' });
    }
    const total = (body.series ?? []).reduce((sum, s) => sum + s.points.length, 0);
    if (total > MAX_POINTS_PER_BATCH) {
      ctx.addIssue({
        code: 'custom',
        path: ['series'],
        message: `at most ${MAX_POINTS_PER_BATCH} points in all series together, got ${total}`,
      });
    }
  })
  .describe(
    'A batch of native points, flat (points) or grouped by stream (series), stored and aggregated all or nothing',
  )
  .meta({
    oneOf: [{ required: ['points'] }, { required: ['series'] }],
    example: { points: [EXAMPLE_POINT] },
  });

export const ingestResultSchema = z
  .object({
    accepted: z.number().int().describe('Points stored and counted in their windows'),
    late: z
      .number()
      .int()
      .describe('Points stored but not counted: one of their windows had already closed'),
  })
  .meta({ example: { accepted: 999, late: 1 } });

export const metricSchema = z
  .object({
    name: z.string(),
    unit: z.string(),
    kind: z.enum(METRIC_KINDS),
    dimensions: z.array(z.string()).describe('Dimension names seen, sorted'),
    attributes: z.array(z.string()).describe('Point attribute keys seen, sorted'),
    firstSeenAt: z.string().describe('Earliest point timestamp seen'),
    lastSeenAt: z.string().describe('Latest point timestamp seen'),
  })
  .meta({
    example: {
      name: 'http.server.duration',
      unit: 'ms',
      kind: 'histogram',
      dimensions: ['agentId', 'artifactId', 'environment'],
      attributes: ['http.route'],
      firstSeenAt: '2024-05-01T10:00:12.345Z',
      lastSeenAt: '2024-05-01T11:59:58.001Z',
    },
  });

export const metricNameParams = z.strictObject({ name: metricNameSchema });

export const metricListQuery = z.strictObject({
  ...keysetPageQuery,
  prefix: z.string().max(255).optional().describe('Only names starting with this'),
});

const GROUP_BY_PATTERN = /^[^,]{1,128}(,[^,]{1,128}){0,31}$/;

export const seriesQuery = z.strictObject({
  metricName: metricNameSchema,
  window: z.enum(WINDOWS).default('1m').describe('Window size'),
  aggregation: z.enum(SERIES_AGGREGATIONS).default('avg').describe('The value of each window'),
  groupBy: z
    .string()
    .regex(GROUP_BY_PATTERN)
    .optional()
    .describe('Comma-separated dimension names or point attribute keys (≤ 32)'),
  from: z.iso.datetime().describe('Start of the range (inclusive), ISO-8601 UTC'),
  to: z.iso.datetime().describe('End of the range (exclusive), after from'),
  projectId: z.string().min(1).max(256).optional(),
});

export const seriesSchema = z
  .object({
    metricName: z.string(),
    window: z.enum(WINDOWS),
    aggregation: z.enum(SERIES_AGGREGATIONS),
    groupBy: z.array(z.string()),
    series: z.array(
      z.object({
        groupKey: z.string(),
        group: z.record(z.string(), z.string()),
        points: z.array(
          z.object({
            windowStart: z.string(),
            windowEnd: z.string(),
            value: z.number(),
            count: z.number().int(),
          }),
        ),
      }),
    ),
  })
  .meta({
    example: {
      metricName: 'http.server.duration',
      window: '1m',
      aggregation: 'p95',
      groupBy: ['service'],
      series: [
        {
          groupKey: 'service=payments-api',
          group: { service: 'payments-api' },
          points: [
            {
              windowStart: '2024-05-01T10:00:00.000Z',
              windowEnd: '2024-05-01T10:01:00.000Z',
              value: 310,
              count: 1200,
            },
          ],
        },
      ],
    },
  });
