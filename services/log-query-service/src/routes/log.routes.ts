import {
  BODY_PROBLEMS,
  listRoute,
  otlpIngestRoute,
  problems,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { LogIngest } from '../ingest/log-ingest.js';
import { LOG_QUERY_CODES, queryLogs, type LogStores } from '../log-query.js';
import { listReferences } from '../log-record-reference.queries.js';
import {
  logQueryBody,
  logRecordPageSchema,
  logReferenceListQuery,
  logReferenceSchema,
} from './log.schemas.js';

/** Thin routes: validation in the schemas, the work in LogIngest, queryLogs and the queries. */
export function logRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  ingest: LogIngest,
  stores: LogStores,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  otlpIngestRoute(app, ctx, {
    url: '/v1/logs',
    signal: 'logs',
    tags: ['ingest'],
    summary: 'Ingest OTLP/HTTP logs',
    description:
      'OTLP/HTTP logs (ExportLogsServiceRequest) in JSON or protobuf, gzip accepted. The eleven dimensions come from resource attributes; the records of a resource lacking them, or naming another tenant than the token’s, are rejected in partialSuccess.rejectedLogRecords with the missing keys (or the tenant) named in errorMessage, and nothing of them is stored. Accepted records are stored in the log store, with one immutable LogRecordReference per (traceId, execution.id) of the batch, in one transaction. 503 with Retry-After when the store is full. Needs the ingest scope.',
    ingest: (request, call) => ingest.ingest(request, call.auth.tenantId),
  });

  r.post(
    '/v1/log-queries',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['queries'],
        summary: 'Query the log records of a trace or an execution',
        description:
          'The records of exactly one traceId or executionId in [from, to), at minSeverity or above, whose body contains text (case-insensitive), oldest first, from the stores the caller’s references point to (this service’s Postgres or a Log Analytics workspace). Cursor paging: send the answer’s nextCursor as cursor with the same query. 404 when the tenant has no reference to the trace or execution (another tenant’s included). Needs the read scope.',
        body: logQueryBody,
        response: {
          200: logRecordPageSchema,
          ...problems([...BODY_PROBLEMS, 404, 422], LOG_QUERY_CODES),
        },
      },
    },
    async (request) => {
      const page = await queryLogs(ctx, stores, request.auth.tenantId, request.body);
      return { items: [...page.items], nextCursor: page.nextCursor };
    },
  );

  listRoute(app, {
    url: '/v1/log-references',
    tags: ['references'],
    summary: 'List log references',
    description:
      'The caller’s tenant’s LogRecordReferences, oldest first, filtered by traceId and/or executionId (none: all of them). Each names the store holding its records (logAnalyticsRef).',
    querystring: logReferenceListQuery,
    item: logReferenceSchema,
    list: (tenantId, { traceId, executionId, limit, cursor }) =>
      listReferences(
        ctx,
        {
          tenantId,
          ...(traceId === undefined ? {} : { traceId }),
          ...(executionId === undefined ? {} : { executionId }),
        },
        { limit, cursor },
      ),
  });
}
