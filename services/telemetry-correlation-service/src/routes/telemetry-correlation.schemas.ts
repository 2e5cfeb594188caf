import { CORRELATION_KINDS, ORIGINS } from '@obs/domain';
import { z } from 'zod';
import { LINKED_SERVICES } from '../config.js';

/*
 * The correlation is read-only over HTTP (it is upserted from events), so there are no request
 * bodies; the path and query are checked here, and everything else is the response's shape.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCIDENT_ID = '9c3f5b1a-2e4d-4f6a-8b7c-1d2e3f4a5b6c';
const SERIES_ID = 'http.server.duration|5m|service=payments-api';
const WINDOW_START = '2024-05-01T10:00:00.000Z';

const EXAMPLE_DIMENSIONS = {
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
} as const;

/** W3C trace id: 32 lowercase hex characters, not all zeros (as the envelope's traceId). */
export const TRACE_ID_PATTERN = /^(?!0{32}$)[0-9a-f]{32}$/;

export const traceIdParams = z
  .object({
    traceId: z
      .string()
      .regex(TRACE_ID_PATTERN)
      .describe('W3C trace id: 32 lowercase hex characters, not all zeros')
      .meta({ example: TRACE_ID }),
  })
  .meta({ example: { traceId: TRACE_ID } });

export const correlationQuery = z
  .strictObject({
    expand: z
      .enum(['true', 'false'])
      .optional()
      .describe(
        'true: fetch each linked record from its owning service with the caller’s token; a service that cannot answer is listed in `missing`',
      )
      .meta({ example: 'true' }),
  })
  .meta({ example: { expand: 'true' } });

const kindSchema = z.enum(CORRELATION_KINDS).describe('What the link points at');

const recordSchema = z
  .unknown()
  .optional()
  .describe(
    'With expand=true: the record as its owning service answered it (absent when it is in `missing`)',
  );

export const linkSchema = z
  .object({
    kind: kindSchema,
    targetId: z.string().describe('Id of the record in its owning service'),
    store: z.string().describe('The owning service'),
    record: recordSchema,
  })
  .describe('A link to one record of another service')
  .meta({ example: { kind: 'incident', targetId: INCIDENT_ID, store: 'incident-service' } });

const seriesSchema = z
  .object({
    seriesId: z.string(),
    metricName: z.string(),
    window: z.string(),
    windowStart: z.string(),
    windowEnd: z.string(),
    groupKey: z.string(),
    group: z.record(z.string(), z.string()),
    projectId: z.string(),
  })
  .describe('The metric window an exemplar of the trace was measured in');

export const metricLinkSchema = z
  .object({
    kind: kindSchema,
    targetId: z.string().describe('<seriesId>@<windowStart>'),
    store: z.string(),
    series: seriesSchema,
    record: recordSchema.describe(
      'With expand=true: metric-aggregation-service’s /v1/metric-series answer (aggregation avg) for this window and group',
    ),
  })
  .meta({
    example: {
      kind: 'metric',
      targetId: `${SERIES_ID}@${WINDOW_START}`,
      store: 'metric-aggregation-service',
      series: {
        seriesId: SERIES_ID,
        metricName: 'http.server.duration',
        window: '5m',
        windowStart: WINDOW_START,
        windowEnd: '2024-05-01T10:05:00.000Z',
        groupKey: 'service=payments-api',
        group: { service: 'payments-api' },
        projectId: 'checkout',
      },
    },
  });

export const queryLinkSchema = z
  .object({
    store: z.string().describe('The owning service'),
    path: z.string().describe('Its path that answers the records for this trace'),
    record: recordSchema,
  })
  .describe('Records found by asking their owning service by traceId (not stored as links)')
  .meta({
    example: {
      store: 'log-query-service',
      path: `/v1/log-references?traceId=${TRACE_ID}`,
    },
  });

export const missingSchema = z
  .object({
    service: z.enum(LINKED_SERVICES),
    link: z.object({ kind: kindSchema, targetId: z.string() }),
    reason: z
      .enum(['unavailable', 'not_found', 'refused'])
      .describe(
        'unavailable: down, slow, 5xx or not JSON; not_found: 404 for the caller; refused: another 4xx',
      ),
    detail: z.string(),
  })
  .describe('A linked record the answer lacks, and why')
  .meta({
    example: {
      service: 'incident-service',
      link: { kind: 'incident', targetId: INCIDENT_ID },
      reason: 'unavailable',
      detail: 'incident-service: ECONNREFUSED',
    },
  });

const dimensionsSchema = z
  .object({
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
  })
  .describe('The trace’s eleven telemetry dimensions')
  .meta({ example: EXAMPLE_DIMENSIONS });

export const correlationSchema = z
  .object({
    traceId: z.string(),
    tenantId: z.string(),
    projectId: z
      .string()
      .nullable()
      .describe(
        'The trace’s project once TraceRecorded is seen; before that the least project id a linked record names; null if none does',
      ),
    dimensions: dimensionsSchema.nullable().describe('null until TraceRecorded is seen'),
    links: z.object({
      trace: linkSchema.nullable().describe('null until TraceRecorded is seen'),
      logReferences: queryLinkSchema.describe(
        'Log references of the trace, asked of log-query-service by traceId (first page, up to 500)',
      ),
      metricSeries: z.array(metricLinkSchema),
      incidents: z.array(linkSchema),
      feedback: z.array(linkSchema),
      costSignals: z.array(linkSchema).describe('Cost anomalies detected about the trace'),
      costs: queryLinkSchema.describe('Costs recorded against the trace (cost-telemetry-service)'),
    }),
    missing: z
      .array(missingSchema)
      .optional()
      .describe(
        'With expand=true only: the links whose record could not be fetched (empty when complete)',
      ),
    updatedAt: z.string().describe('Latest event time seen for the trace'),
    version: z.number().int().describe('Counts the upserts applied (also the ETag)'),
  })
  .describe('Everything the platform links to one trace')
  .meta({
    example: {
      traceId: TRACE_ID,
      tenantId: 'acme',
      projectId: 'checkout',
      dimensions: EXAMPLE_DIMENSIONS,
      links: {
        trace: { kind: 'trace', targetId: TRACE_ID, store: 'trace-service' },
        logReferences: {
          store: 'log-query-service',
          path: `/v1/log-references?traceId=${TRACE_ID}`,
        },
        metricSeries: [],
        incidents: [{ kind: 'incident', targetId: INCIDENT_ID, store: 'incident-service' }],
        feedback: [],
        costSignals: [],
        costs: { store: 'cost-telemetry-service', path: `/v1/costs/by-trace/${TRACE_ID}` },
      },
      updatedAt: '2024-05-01T10:10:01.000Z',
      version: 2,
    },
  });
