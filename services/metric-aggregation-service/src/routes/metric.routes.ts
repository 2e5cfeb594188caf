import { DomainError, windowMs } from '@obs/domain';
import {
  BODY_PROBLEMS,
  getRoute,
  listRoute,
  otlpIngestRoute,
  problems,
  type ServiceContext,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { MetricServiceConfig } from '../config.js';
import { prepareNativePoints, prepareNativeSeries } from '../ingest/native-points.js';
import type { OtlpMetricsIngest } from '../ingest/otlp-ingest.js';
import type { PointIngest } from '../ingest/point-ingest.js';
import { findMetric, listMetrics, querySeries } from '../metric.queries.js';
import type { MetricView } from '../metric.view.js';
import {
  NATIVE_BODY_LIMIT_BYTES,
  ingestResultSchema,
  metricListQuery,
  metricNameParams,
  metricSchema,
  nativeBatchBody,
  seriesQuery,
  seriesSchema,
} from './metric.schemas.js';
import { nativeBatchValidatorCompiler } from './native-batch-check.js';

/** A chart asks for at most this many windows per series (a week of 1m windows). */
export const MAX_SERIES_WINDOWS = 10_080;

export const INGEST_CODES = [
  'metric.point_in_future',
  'metric.invalid_timestamp',
  'metric.value_inconsistent_with_unit',
  'metric.invalid_group',
  'telemetry.tenant_mismatch',
  'telemetry.missing_dimensions',
];
const SERIES_CODES = ['metric.invalid_range', 'metric.range_too_large'];

/** The points of a native batch, flat or grouped by series: what the ingest limit counts. */
function nativePointCount(body: unknown): number {
  const { points, series } = body as z.output<typeof nativeBatchBody>;
  return points?.length ?? (series ?? []).reduce((sum, s) => sum + s.points.length, 0);
}

/** Thin routes: validation in the schemas, the work in PointIngest and the queries. */
export function metricRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  ingest: PointIngest,
  otlp: OtlpMetricsIngest,
  config: MetricServiceConfig,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  otlpIngestRoute(app, ctx, {
    url: '/v1/metrics',
    signal: 'metrics',
    tags: ['ingest'],
    summary: 'Ingest OTLP/HTTP metrics',
    description:
      'OTLP/HTTP metrics (ExportMetricsServiceRequest) in JSON or protobuf, gzip accepted: gauges, sums, histograms, exponential histograms and summaries. Cumulative points become deltas per stream (a later startTimeUnixNano is a counter reset: a new baseline, never a negative delta; a retransmitted point is not counted twice). The eleven dimensions come from resource attributes; points of a resource lacking them, or of another tenant, are rejected in partialSuccess with the missing keys named. Stored and aggregated before the answer. Needs the ingest scope.',
    ingest: (request, call) => otlp.ingest(request, call.auth.tenantId),
  });

  r.post(
    '/v1/metric-points',
    {
      config: {
        scope: 'ingest',
        // Per tenant in points and bytes (docs/limits.md), the same buckets as OTLP's.
        ingestLimit: { signal: 'points', count: nativePointCount },
      },
      bodyLimit: NATIVE_BODY_LIMIT_BYTES,
      // zod's rules as a fast check first; zod itself for anything the check does not accept.
      validatorCompiler: nativeBatchValidatorCompiler,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest native metric points',
        description:
          'Stores a batch of points and folds them into their 1m, 5m, 1h and 1d windows in one transaction: the 200 means the raw points and the windows are committed. The body is flat (`points`, each naming its metric and dimensions) or grouped by stream (`series`, metric, unit, dimensions and attributes once per series, as Prometheus remote write and Datadog series do), at most 1,000 points either way. All or nothing: the first invalid point is named (points[i], series[i] or series[i].points[j]) and nothing is stored. Points whose window already closed are stored but not counted (`late`). Needs the ingest scope.',
        body: nativeBatchBody,
        response: {
          200: ingestResultSchema,
          ...problems([...BODY_PROBLEMS, 422], INGEST_CODES),
        },
      },
    },
    async (request) => {
      const now = ctx.clock();
      const { tenantId } = request.auth;
      const { points: flat, series } = request.body;
      const points =
        series === undefined
          ? prepareNativePoints(tenantId, flat ?? [], now, config.maxFutureMs)
          : prepareNativeSeries(tenantId, series, now, config.maxFutureMs);
      return ctx.uow.run({ context: request.otelContext }, (tx) =>
        ingest.ingest(tx, request.auth.tenantId, points, now),
      );
    },
  );

  r.get(
    '/v1/metric-series',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['series'],
        summary: 'Query a metric as time series',
        description:
          'The windows of one size overlapping [from, to), open and closed, grouped by the dimensions or point attributes in groupBy (a stream lacking one groups under ""), each point the chosen aggregation of its window and its count. Percentiles come from merged DDSketches (1 % relative error). Needs the read scope.',
        querystring: seriesQuery,
        response: { 200: seriesSchema, ...problems([400, 422], SERIES_CODES) },
      },
    },
    async (request) => {
      const q = request.query;
      const from = new Date(q.from);
      const to = new Date(q.to);
      if (!(from.getTime() < to.getTime())) {
        throw new DomainError('metric.invalid_range', 'from must be before to');
      }
      if ((to.getTime() - from.getTime()) / windowMs(q.window) > MAX_SERIES_WINDOWS) {
        throw new DomainError(
          'metric.range_too_large',
          `the range holds more than ${MAX_SERIES_WINDOWS} windows of ${q.window}; use a larger window`,
        );
      }
      const groupBy = q.groupBy === undefined ? [] : [...new Set(q.groupBy.split(','))];
      const series = await querySeries(
        ctx,
        request.auth.tenantId,
        { ...q, groupBy, from, to },
        config.exemplars,
      );
      return {
        metricName: q.metricName,
        window: q.window,
        aggregation: q.aggregation,
        groupBy,
        series: series.map((s) => ({ ...s, group: { ...s.group }, points: [...s.points] })),
      };
    },
  );

  listRoute(app, {
    url: '/v1/metrics',
    tags: ['catalogue'],
    summary: 'List the metric catalogue',
    description:
      "The tenant's metrics by name (byte order), optionally under a prefix: unit, kind, dimension names and attribute keys seen, first and last point time.",
    querystring: metricListQuery,
    item: metricSchema,
    list: async (tenantId, { limit, cursor, prefix }) => {
      const page = await listMetrics(ctx, tenantId, { prefix }, { limit, cursor });
      return { items: page.items.map(toDto), nextCursor: page.nextCursor };
    },
  });

  getRoute(app, {
    url: '/v1/metrics/:name',
    tags: ['catalogue'],
    summary: 'Get one metric of the catalogue',
    description:
      'One metric the tenant has sent (a name with / is sent URL-encoded). A metric the tenant never sent answers 404: other services (alert rules, dashboards) resolve references with it.',
    resource: 'metric',
    params: metricNameParams,
    key: 'name',
    response: metricSchema,
    find: async (tenantId, name) => {
      const view = await findMetric(ctx, tenantId, name);
      return view ? toDto(view) : undefined;
    },
  });
}

function toDto(view: MetricView) {
  return { ...view, dimensions: [...view.dimensions], attributes: [...view.attributes] };
}
