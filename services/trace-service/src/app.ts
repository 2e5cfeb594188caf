import { topicFor } from '@obs/event-envelope';
import { azureCredential, type ServiceContext, type ServiceDefinition } from '@obs/service-kit';
import { traceConfigFrom, type TraceServiceConfig } from './config.js';
import { SpanIngest } from './ingest/span-ingest.js';
import { TraceAssembler } from './jobs/trace-assembly.job.js';
import { TraceRetention } from './jobs/trace-retention.job.js';
import { CreateTraceTables1740000000001 } from './migrations/1740000000001-create-trace-tables.js';
import { AddSpanDetail1760000000001 } from './migrations/1760000000001-add-span-detail.js';
import { jaegerRoutes } from './jaeger/jaeger.routes.js';
import { traceRoutes } from './routes/trace.routes.js';
import { serviceMapRoutes } from './service-map/service-map.routes.js';
import { AppInsightsSpanStore } from './span-store/app-insights-span-store.js';
import { PostgresSpanStore } from './span-store/postgres-span-store.js';
import type { SpanReader } from './span-store/span-store.port.js';

const DESCRIPTION = `Traces: an OTLP/HTTP endpoint (POST /v1/traces, JSON or protobuf, gzip) that an
unmodified OpenTelemetry SDK exports to. Spans are kept in the span store (Postgres by default) and
assembled into TraceRecords once the root is present and TRACE_IDLE_MS passed without a span:
TraceRecorded (public) on obs.trace-record.v1, again with a higher version when late spans change the
trace. A broken tree (orphans, a cycle, several roots, a child outside its parent) is recorded with
status error and the reason, its spans kept. Reads: one trace with its span tree, and a keyset-paged
search. Pinned traces outlive TRACE_RETENTION_DAYS. Ingest needs \`ingest\`, reads \`read\`, pins \`write\`.`;

export interface TraceServiceAdapters {
  /**
   * The span store's read side for GET /v1/traces/{traceId}; Postgres (the writer) by default.
   * AppInsightsSpanStore reads a workspace-based Application Insights resource instead.
   */
  readonly spanReader?: (ctx: ServiceContext) => SpanReader;
}

export function createTraceService(
  config: TraceServiceConfig,
  adapters: TraceServiceAdapters = {},
): ServiceDefinition {
  return {
    name: 'trace-service',
    schema: 'trace',
    defaultPort: 4101,
    openapi: { title: 'trace-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [],
    migrations: [CreateTraceTables1740000000001, AddSpanDetail1760000000001],
    topics: [topicFor('TraceRecorded')],
    compose: (ctx) => {
      const store = new PostgresSpanStore(ctx);
      const reader = adapters.spanReader?.(ctx) ?? appInsightsReader(config) ?? store;
      const ingest = new SpanIngest(ctx, config, store);
      return {
        routes: (app) => {
          traceRoutes(app, ctx, ingest, reader);
          jaegerRoutes(app, ctx, reader);
          serviceMapRoutes(app, ctx);
        },
        jobs: [
          new TraceAssembler(ctx, config, store).asJob(),
          new TraceRetention(ctx, config).asJob(),
        ],
      };
    },
  };
}

/** The Application Insights read side when the environment selects it (see config.ts). */
function appInsightsReader(config: TraceServiceConfig): SpanReader | undefined {
  const ai = config.appInsights;
  if (ai === undefined) return undefined;
  return new AppInsightsSpanStore({
    endpoint: ai.endpoint,
    workspaceId: ai.workspaceId,
    lookbackDays: ai.lookbackDays,
    credential: azureCredential(),
  });
}

export { traceConfigFrom };
export type { TraceServiceConfig };

/** Configured from the process environment (TRACE_IDLE_MS, TRACE_RETENTION_DAYS and friends). */
export const traceService: ServiceDefinition = createTraceService(traceConfigFrom(process.env));
