import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { metricConfigFrom, type MetricServiceConfig } from './config.js';
import { spanMetricsConsumer } from './consumers/span-metrics.consumer.js';
import { OtlpMetricsIngest } from './ingest/otlp-ingest.js';
import { PointIngest } from './ingest/point-ingest.js';
import { SpanMetricsIngest } from './ingest/span-metrics-ingest.js';
import { WindowCloser } from './jobs/window-close.job.js';
import { MetricEntity } from './metric.queries.js';
import { MetricWindowEntity } from './metric-window.repository.js';
import { CreateMetricTables1740000000001 } from './migrations/1740000000001-create-metric-tables.js';
import { WindowParts1740000000002 } from './migrations/1740000000002-window-parts.js';
import { PrometheusView1740000000003 } from './migrations/1740000000003-prometheus-view.js';
import { prometheusRoutes } from './prometheus/prometheus.routes.js';
import { remoteWriteRoute } from './prometheus/remote-write/remote-write.route.js';
import { metricRoutes } from './routes/metric.routes.js';

const DESCRIPTION = `Metric aggregation: OTLP/HTTP metrics and native JSON points in, time-series
windows out. Points are stored and folded into tumbling 1m, 5m, 1h and 1d windows per stream (metric,
dimensions, point attributes) in the same transaction, with count, sum, min, max, avg and
p50/p95/p99 from DDSketch (1 % relative error). A window closes at its end plus grace on the
tenant's event-time watermark and publishes MetricAggregated (public) on obs.metric-series.v1, keyed
by series. Charts read GET /v1/metric-series; GET /v1/metrics is the catalogue other services
resolve metric references against. The Prometheus HTTP API (PromQL: query, query_range, series,
labels, metadata) reads the same data under /prometheus/api/v1. RED metrics from spans (SpanMetricsRecorded, internal,
from trace-service's assembly) become the ordinary series traces.service.calls and
traces.service.duration. Ingest needs the \`ingest\` scope,
reads \`read\`.`;

export function createMetricAggregationService(config: MetricServiceConfig): ServiceDefinition {
  return {
    name: 'metric-aggregation-service',
    schema: 'metric',
    defaultPort: 4103,
    openapi: { title: 'metric-aggregation-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [MetricWindowEntity, MetricEntity],
    migrations: [
      CreateMetricTables1740000000001,
      WindowParts1740000000002,
      PrometheusView1740000000003,
    ],
    topics: [topicFor('MetricAggregated')],
    compose: (ctx) => {
      const points = new PointIngest(ctx, config);
      const otlp = new OtlpMetricsIngest(ctx, config, points);
      const spanMetrics = new SpanMetricsIngest(ctx, points);
      return {
        routes: (app) => {
          metricRoutes(app, ctx, points, otlp, config);
          prometheusRoutes(app, ctx, config);
          remoteWriteRoute(app, otlp);
        },
        consumers: [spanMetricsConsumer(spanMetrics)],
        jobs: [new WindowCloser(ctx, config).asJob()],
      };
    },
  };
}

export { metricConfigFrom };
export type { MetricServiceConfig };

/** Configured from the process environment (METRIC_WINDOW_GRACE_MS and friends). */
export const metricAggregationService: ServiceDefinition = createMetricAggregationService(
  metricConfigFrom(process.env),
);
