import {
  BODY_PROBLEMS,
  HttpProblem,
  listRoute,
  notFound,
  otlpIngestRoute,
  problems,
  withOtlpFastPath,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalFromProtobuf, isCanonicalTraces } from '../ingest/canonical-traces.js';
import type { SpanIngest } from '../ingest/span-ingest.js';
import type { SpanReader } from '../span-store/span-store.port.js';
import { findTrace, searchTraces } from '../trace.queries.js';
import { spanTreeView, summaryFromSpans, traceSummaryView } from '../trace.view.js';
import {
  ATTRIBUTE_PREFIX,
  MAX_ATTRIBUTE_FILTERS,
  pinSchema,
  traceIdParams,
  traceSchema,
  traceSearchQuery,
  traceSummarySchema,
} from './trace.schemas.js';

const TAGS = ['traces'];
const KNOWN_QUERY = new Set(Object.keys(traceSearchQuery.shape));

/** Thin routes: the OTLP work is SpanIngest's, the reads are the queries'. */
export function traceRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  ingest: SpanIngest,
  reader: SpanReader,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  withOtlpFastPath(app, ctx, {
    url: '/v1/traces',
    signal: 'traces',
    isCanonical: isCanonicalTraces,
    fromProtobuf: canonicalFromProtobuf,
    ingest: (request, call) => ingest.ingest(request, call.auth.tenantId),
    rejectedField: 'rejectedSpans',
  });
  otlpIngestRoute(app, ctx, {
    url: '/v1/traces',
    signal: 'traces',
    tags: ['ingest'],
    summary: 'Ingest OTLP/HTTP traces',
    description:
      "OTLP/HTTP traces (ExportTraceServiceRequest) in JSON or protobuf, gzip accepted; ids hex (base64 normalised), enums integers. The eleven dimensions come from resource attributes and tenant.id must be the token's tenant: spans of a resource lacking them, or naming another tenant, are counted in partialSuccess.rejectedSpans and errorMessage names the missing keys or the foreign tenant.id; nothing of them is stored. A span without valid ids, start and end, or with a blank name is refused the same way. Stored before the answer; traces are assembled once their root is present and TRACE_IDLE_MS passed without a span. 503 with Retry-After while the assembly backlog is full. Needs the ingest scope.",
    ingest: (request, call) => ingest.ingest(request, call.auth.tenantId),
  });

  r.get(
    '/v1/traces/:traceId',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get a trace and its span tree',
        description:
          "The trace's summary (status, duration, root span, dimensions, pin) and its spans as a tree in depth-first order, each with its attributes and events. Before assembly it answers the spans received so far with status `assembling`. Another tenant's trace answers 404. Needs the read scope.",
        params: traceIdParams,
        response: { 200: traceSchema, ...problems([400, 404, 503]) },
      },
    },
    async (request) => {
      const { traceId } = request.params;
      const row = await findTrace(ctx, request.auth.tenantId, traceId);
      const spans = await reader.spansOf(request.auth.tenantId, traceId);
      if (row !== undefined) return { ...traceSummaryView(row), spans: spanTreeView(spans) };
      // A reader other than Postgres may hold traces that were never ingested here.
      if (spans.length === 0) throw notFound('trace', traceId);
      return { ...summaryFromSpans(traceId, spans), spans: spanTreeView(spans) };
    },
  );

  listRoute(app, {
    url: '/v1/traces',
    tags: TAGS,
    summary: 'Search traces',
    description: `Traces of the caller's tenant, newest first (start time, then traceId). Filters combine with AND: projectId, moduleId, service, executionId (of the root span), status, minDurationMs/maxDurationMs, from/to (start time), and up to ${MAX_ATTRIBUTE_FILTERS} span attribute equalities written \`attr.<key>=<value>\` (e.g. \`attr.http.route=/cart\`; a trace matches when one of its spans has the attribute, compared as text). Any other parameter answers 400.`,
    querystring: traceSearchQuery,
    item: traceSummarySchema,
    list: async (tenantId, query) => {
      const attributes: [string, string][] = [];
      for (const [key, value] of Object.entries(query)) {
        if (KNOWN_QUERY.has(key)) continue;
        if (!key.startsWith(ATTRIBUTE_PREFIX) || key.length === ATTRIBUTE_PREFIX.length) {
          throw badQuery(key, 'unknown parameter; attribute filters are attr.<key>=<value>');
        }
        if (typeof value !== 'string') throw badQuery(key, 'give each attribute filter once');
        attributes.push([key.slice(ATTRIBUTE_PREFIX.length), value]);
      }
      if (attributes.length > MAX_ATTRIBUTE_FILTERS) {
        throw badQuery('attr', `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters`);
      }
      const page = await searchTraces(ctx, tenantId, {
        projectId: query.projectId,
        moduleId: query.moduleId,
        service: query.service,
        executionId: query.executionId,
        status: query.status,
        minDurationMs: query.minDurationMs,
        maxDurationMs: query.maxDurationMs,
        fromMs: query.from === undefined ? undefined : Date.parse(query.from),
        toMs: query.to === undefined ? undefined : Date.parse(query.to),
        attributes,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { items: page.items.map(traceSummaryView), nextCursor: page.nextCursor };
    },
  });

  for (const method of ['POST', 'DELETE'] as const) {
    const pin = method === 'POST';
    r.route({
      method,
      url: '/v1/traces/:traceId/pin',
      config: { scope: 'write' },
      schema: {
        tags: TAGS,
        summary: pin ? 'Pin a trace' : 'Unpin a trace',
        description: pin
          ? "Keeps the trace as evidence past TRACE_RETENTION_DAYS until it is unpinned. Idempotent: pinning a pinned trace keeps its first pinnedAt. Another tenant's trace answers 404. Needs the write scope."
          : "Lets retention delete the trace again once it is older than TRACE_RETENTION_DAYS. Idempotent. Another tenant's trace answers 404. Needs the write scope.",
        params: traceIdParams,
        // No body is needed; one that names a field is refused like any unknown field.
        body: z.strictObject({}).nullish(),
        response: { 200: pinSchema, ...problems([...BODY_PROBLEMS, 404]) },
      },
      handler: async (request) => {
        const { traceId } = request.params;
        // A CTE, because TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
        const rows: { pinned_at: string | null }[] = await ctx.dataSource.query(
          `WITH changed AS (
             UPDATE ${ctx.table('traces')} SET pinned_at = ${pin ? 'COALESCE(pinned_at, $3)' : 'NULL'}
              WHERE tenant_id = $1 AND trace_id = $2 RETURNING pinned_at
           ) SELECT pinned_at FROM changed`,
          pin ? [request.auth.tenantId, traceId, ctx.clock()] : [request.auth.tenantId, traceId],
        );
        const row = rows[0];
        if (row === undefined) throw notFound('trace', traceId);
        return {
          traceId,
          pinned: row.pinned_at !== null,
          pinnedAt: row.pinned_at === null ? null : new Date(Number(row.pinned_at)).toISOString(),
        };
      },
    });
  }
}

function badQuery(field: string, message: string): HttpProblem {
  return new HttpProblem(400, 'validation_failed', 'Bad Request', `${field}: ${message}`, [
    { field: `querystring.${field}`, message },
  ]);
}
