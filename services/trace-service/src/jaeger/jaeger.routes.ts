import { HttpProblem, notFound, problems, type ServiceContext } from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { serviceEdges } from '../service-map/service-map.queries.js';
import type { SpanReader } from '../span-store/span-store.port.js';
import { parseGoDuration } from './go-duration.js';
import {
  jaegerSpanKind,
  jaegerTraceId,
  jaegerTraceOf,
  otlpSpanKind,
  traceIdFromJaeger,
  type JaegerTrace,
} from './jaeger-model.js';
import { listOperations, listServices, searchTraceIds, spansOfTraces } from './jaeger.queries.js';
import {
  DEFAULT_SEARCH_LIMIT,
  dependencyLink,
  envelope,
  jaegerDependenciesQuery,
  jaegerOperationsQuery,
  jaegerSearchQuery,
  jaegerServiceParams,
  jaegerTraceIdParams,
  jaegerTraceQuery,
  jaegerTraceSchema,
} from './jaeger.schemas.js';

const TAGS = ['jaeger'];
const PREFIX = '/jaeger/api';
/** Jaeger's default search window when `start` is not given. */
const DEFAULT_LOOKBACK_US = 2 * 86_400_000_000;
const ZERO_TRACE = '0'.repeat(32);
/** Jaeger's default dependency window. */
const DEFAULT_DEPENDENCY_LOOKBACK_MS = 86_400_000;

const SEARCH_CODES = ['jaeger.service_required', 'jaeger.max_duration_below_min'];

const answer = <T>(data: T, total = 0) => ({ data, total, limit: 0, offset: 0, errors: null });

/**
 * Jaeger's HTTP query API (what Jaeger UI and Grafana's Jaeger data source call) over this
 * service's spans, in Jaeger's JSON model. The tenant is the token's, as everywhere: another
 * tenant's trace answers 404 and shows in no list. Errors answer problem+json, like every route
 * of the platform (docs/services/trace.md#jaeger-api).
 */
export function jaegerRoutes(app: FastifyInstance, ctx: ServiceContext, reader: SpanReader): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { scope: 'read' as const };

  r.get(
    `${PREFIX}/services`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: 'Jaeger: list services',
        description:
          "The service.name of every span the caller's tenant has kept, sorted. Needs the read scope.",
        response: { 200: envelope(z.array(z.string()), 'Service names'), ...problems([]) },
      },
    },
    async (request) => {
      const services = await listServices(ctx, request.auth.tenantId);
      return answer(services, services.length);
    },
  );

  r.get(
    `${PREFIX}/services/:service/operations`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: "Jaeger: list a service's operation names",
        description:
          "The distinct span names of the service (any kind), sorted; an unknown service has none. Jaeger UI's call. Needs the read scope.",
        params: jaegerServiceParams,
        response: { 200: envelope(z.array(z.string()), 'Operation names'), ...problems([400]) },
      },
    },
    async (request) => {
      const operations = await listOperations(ctx, request.auth.tenantId, request.params.service);
      const names = [...new Set(operations.map((o) => o.name))];
      return answer(names, names.length);
    },
  );

  r.get(
    `${PREFIX}/operations`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: 'Jaeger: list operations with their span kind',
        description:
          "The (span name, span kind) pairs of the service, sorted by name; spanKind keeps one kind. spanKind is '' for spans without a kind. Grafana's call. Needs the read scope.",
        querystring: jaegerOperationsQuery,
        response: {
          200: envelope(
            z.array(z.object({ name: z.string(), spanKind: z.string() })),
            'Operations',
          ),
          ...problems([400]),
        },
      },
    },
    async (request) => {
      const { service, spanKind } = request.query;
      const kind = present(spanKind);
      const operations = await listOperations(
        ctx,
        request.auth.tenantId,
        service,
        kind === undefined ? undefined : otlpSpanKind(kind),
      );
      const data = operations.map((o) => ({ name: o.name, spanKind: jaegerSpanKind(o.kind) }));
      return answer(data, data.length);
    },
  );

  r.get(
    `${PREFIX}/traces`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: 'Jaeger: search traces',
        description:
          'Traces with one span that meets every filter at once: service, operation, tags, minDuration/maxDuration and start/end all apply to that span, as in Jaeger; the whole trace is answered. Newest matching span first, at most `limit` traces. With traceID, those traces instead (one not found is named in `errors`). 422 `jaeger.service_required` when neither service nor traceID is given; `jaeger.max_duration_below_min` when maxDuration is below minDuration (Jaeger answers both with 400). Needs the read scope.',
        querystring: jaegerSearchQuery,
        response: {
          200: envelope(z.array(jaegerTraceSchema), 'Traces in Jaeger JSON'),
          ...problems([400, 422], SEARCH_CODES),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const tenantId = request.auth.tenantId;
      const ids = listOf(q.traceID).filter(Boolean);
      if (ids.length > 0) {
        const wanted = [...new Set(ids.map(traceIdFromJaeger))];
        const found = await spansOfTraces(ctx, tenantId, wanted);
        const data: JaegerTrace[] = [];
        const errors: { msg: string; traceID: string }[] = [];
        for (const id of wanted) {
          const spans = found.get(id) ?? [];
          if (spans.length === 0)
            errors.push({ msg: 'trace not found', traceID: jaegerTraceId(id) });
          else data.push(jaegerTraceOf(id, spans));
        }
        return { ...answer(data), errors: errors.length === 0 ? null : errors };
      }
      const service = present(q.service);
      if (service === undefined) {
        throw new HttpProblem(
          422,
          'jaeger.service_required',
          'Unprocessable Content',
          "parameter 'service' is required unless traceID is given",
        );
      }
      const min = present(q.minDuration);
      const max = present(q.maxDuration);
      const minNs = min === undefined ? undefined : parseGoDuration(min);
      const maxNs = max === undefined ? undefined : parseGoDuration(max);
      if (
        minNs !== undefined &&
        maxNs !== undefined &&
        minNs !== 0n &&
        maxNs !== 0n &&
        maxNs < minNs
      ) {
        throw new HttpProblem(
          422,
          'jaeger.max_duration_below_min',
          'Unprocessable Content',
          "'maxDuration' should be greater than 'minDuration'",
        );
      }
      const tags = tagsOf(q.tags, q.tag);
      const error = tags.get('error');
      tags.delete('error');
      const nowUs = ctx.clock() * 1000;
      const start = present(q.start);
      const end = present(q.end);
      const limit = present(q.limit);
      const traceIds = await searchTraceIds(ctx, tenantId, {
        service,
        operation: present(q.operation),
        tags: [...tags],
        error: error === undefined ? undefined : error === 'true',
        startUs: start === undefined ? nowUs - DEFAULT_LOOKBACK_US : Number(start),
        endUs: end === undefined ? nowUs : Number(end),
        minNs,
        maxNs,
        limit: limit === undefined ? DEFAULT_SEARCH_LIMIT : Number(limit),
      });
      const spans = await spansOfTraces(ctx, tenantId, traceIds);
      return answer(traceIds.map((id) => jaegerTraceOf(id, spans.get(id) ?? [])));
    },
  );

  r.get(
    `${PREFIX}/traces/:traceId`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: 'Jaeger: get a trace',
        description:
          "One trace in Jaeger JSON (data holds it alone): spans with references, typed tags, logs from span events and warnings; processes p1, p2, ... from the resources. Spans received so far answer before the trace is assembled. Another tenant's trace, or an unknown one, answers 404. Needs the read scope.",
        params: jaegerTraceIdParams,
        querystring: jaegerTraceQuery,
        response: {
          200: envelope(z.array(jaegerTraceSchema), 'The trace'),
          ...problems([400, 404]),
        },
      },
    },
    async (request) => {
      const traceId = traceIdFromJaeger(request.params.traceId);
      const spans =
        traceId === ZERO_TRACE ? [] : await reader.spansOf(request.auth.tenantId, traceId);
      if (spans.length === 0) throw notFound('trace', request.params.traceId);
      return answer([jaegerTraceOf(traceId, spans)]);
    },
  );

  r.get(
    `${PREFIX}/dependencies`,
    {
      config: read,
      schema: {
        tags: TAGS,
        summary: 'Jaeger: service dependencies',
        description:
          "Jaeger's dependency links, from the same computation as GET /v1/service-map over spans starting in [endTs - lookback, endTs): parent is the caller, child the callee (a peer such as a database named by its attribute), callCount the calls. service keeps the links from or to it. Needs the read scope.",
        querystring: jaegerDependenciesQuery,
        response: {
          200: envelope(z.array(dependencyLink), 'Dependency links'),
          ...problems([400]),
        },
      },
    },
    async (request) => {
      const endTs = present(request.query.endTs);
      const lookback = present(request.query.lookback);
      const endMs = endTs === undefined ? ctx.clock() : Number(endTs);
      const edges = await serviceEdges(ctx, request.auth.tenantId, {
        fromMs:
          endMs - (lookback === undefined ? DEFAULT_DEPENDENCY_LOOKBACK_MS : Number(lookback)),
        toMs: endMs,
      });
      const service = present(request.query.service);
      const links = new Map<string, { parent: string; child: string; callCount: number }>();
      for (const edge of edges) {
        if (service !== undefined && edge.caller !== service && edge.callee !== service) continue;
        const key = `${edge.caller}\u0000${edge.callee}`;
        const link = links.get(key) ?? { parent: edge.caller, child: edge.callee, callCount: 0 };
        link.callCount += edge.callCount;
        links.set(key, link);
      }
      return answer([...links.values()]);
    },
  );
}

/** Go's FormValue: an empty parameter is an absent one. */
const present = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

const listOf = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** Jaeger's parseTags: each tag=key:value, then each tags JSON object; a later key wins. */
function tagsOf(
  json: string | readonly string[] | undefined,
  simple: string | readonly string[] | undefined,
): Map<string, string> {
  const tags = new Map<string, string>();
  for (const tag of listOf(simple).filter(Boolean)) {
    const at = tag.indexOf(':');
    tags.set(tag.slice(0, at), tag.slice(at + 1));
  }
  for (const text of listOf(json).filter(Boolean)) {
    for (const [key, value] of Object.entries(JSON.parse(text) as Record<string, string>)) {
      tags.set(key, value);
    }
  }
  return tags;
}
