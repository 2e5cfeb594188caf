import { azureCredential, type ServiceDefinition } from '@obs/service-kit';
import { logQueryConfigFrom, type LogQueryServiceConfig } from './config.js';
import { LogIngest } from './ingest/log-ingest.js';
import { LogAnalyticsLogStore, type TokenCredential } from './log-store/log-analytics-log-store.js';
import type { LogStore } from './log-store/log-store.port.js';
import { PostgresLogStore } from './log-store/postgres-log-store.js';
import type { LogStores } from './log-query.js';
import {
  LogRecordReferenceEntity,
  LogRecordReferenceRepository,
} from './log-record-reference.repository.js';
import { CreateLogTables1740000000001 } from './migrations/1740000000001-create-log-tables.js';
import { logRoutes } from './routes/log.routes.js';

const DESCRIPTION = `Logs: OTLP/HTTP logs in, governed LogRecordReferences and log queries out. POST /v1/logs
stores the records in the log store (this service's Postgres by default) and indexes each batch
with one immutable LogRecordReference per (traceId, execution.id). POST /v1/log-queries answers a
trace's or an execution's records from the stores its references point to (Postgres, or a Log
Analytics workspace through LogsQueryClient with parameterised KQL). GET /v1/log-references lists
the references (telemetry-correlation-service links them by traceId). Query-only context: no
events. Ingest needs the \`ingest\` scope, reads \`read\`.`;

/** What the environment cannot give: the Log Analytics credential and CA (tests inject them). */
export interface LogQueryServiceDeps {
  readonly credential?: TokenCredential;
  readonly logAnalyticsCa?: string;
}

export function createLogQueryService(
  config: LogQueryServiceConfig,
  deps: LogQueryServiceDeps = {},
): ServiceDefinition {
  return {
    name: 'log-query-service',
    schema: 'log_query',
    defaultPort: 4102,
    openapi: { title: 'log-query-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [LogRecordReferenceEntity],
    migrations: [CreateLogTables1740000000001],
    topics: [],
    compose: (ctx) => {
      const la = config.logAnalytics;
      const stores: LogStores = {
        local: new PostgresLogStore(ctx),
        logAnalytics:
          la === undefined
            ? undefined
            : new LogAnalyticsLogStore({
                endpoint: la.endpoint,
                credential: deps.credential ?? azureCredential(),
                serverTimeoutSeconds: la.serverTimeoutSeconds,
                ...(deps.logAnalyticsCa === undefined ? {} : { ca: deps.logAnalyticsCa }),
              }),
      };
      // LOG_STORE=log-analytics: the bodies reach Log Analytics through the application's own
      // exporter; this service keeps only the references (the spec's "no duplicated bodies").
      const writeStore: LogStore =
        config.store === 'log-analytics' && la !== undefined
          ? { workspaceId: la.workspaceId, query: () => Promise.resolve([]) }
          : stores.local;
      const ingest = new LogIngest(ctx, config, writeStore, new LogRecordReferenceRepository(ctx));
      return { routes: (app) => logRoutes(app, ctx, ingest, stores) };
    },
  };
}

export { logQueryConfigFrom };
export type { LogQueryServiceConfig };

/** Configured from the process environment (LOG_STORE, LOG_ANALYTICS_WORKSPACE_ID and friends). */
export const logQueryService: ServiceDefinition = createLogQueryService(
  logQueryConfigFrom(process.env),
);
