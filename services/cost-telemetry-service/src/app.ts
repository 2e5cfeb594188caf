import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { costConfigFrom, type CostServiceConfig } from './config.js';
import { CostIngest } from './cost-ingest.js';
import { SignalRecomputer } from './cost-signal.recompute.js';
import { CostSignalEntity, costSignalStore } from './cost-signal.repository.js';
import { CostExportJob } from './export/cost-export.job.js';
import { CostExportEntity } from './export/cost-export.repository.js';
import { ExportBlobStore } from './export/export-blob-store.js';
import { CreateCost1740000000001 } from './migrations/1740000000001-create-cost.js';
import { costExportRoutes } from './routes/cost-export.routes.js';
import { costRecordRoutes } from './routes/cost-record.routes.js';
import { costSignalRoutes } from './routes/cost-signal.routes.js';

const DESCRIPTION = `Cost telemetry: attribution of model, compute, storage and network cost to a
tenant's projects, and its anomalies. Usage lines arrive in batches (\`POST /v1/cost-records\`,
scope \`ingest\`) with exact decimal amounts; each (project, UTC day) and (project, UTC month) has a
CostSignal whose total is exactly the sum of its breakdown, recomputed in the ingest transaction.
A category whose cost rises over the median of the trailing periods by both the relative threshold
and the minimum amount publishes CostAnomalyDetected on obs.cost-signal.v1, with the traces that
cost the most. Breakdowns by model (cost per token), agent and trace; CSV export to Azure Blob.
Reads and exports need \`read\`. Amounts are decimal strings everywhere in this API.`;

/**
 * The service definition for a configuration, or for a function reading it when the service is
 * built (so the exported definition reads the environment at start, not at import). Tests pass
 * their own configuration.
 */
export function createCostTelemetryService(
  configuration: CostServiceConfig | (() => CostServiceConfig),
): ServiceDefinition {
  return {
    name: 'cost-telemetry-service',
    schema: 'cost',
    defaultPort: 4109,
    openapi: { title: 'cost-telemetry-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [CostSignalEntity, CostExportEntity],
    migrations: [CreateCost1740000000001],
    topics: [topicFor('CostAnomalyDetected')],
    compose: (ctx) => {
      const config = typeof configuration === 'function' ? configuration() : configuration;
      const store = costSignalStore(ctx.dataSource, ctx.uow);
      const ingest = new CostIngest(ctx, new SignalRecomputer(ctx, store, config));
      const blobs =
        config.blobConnectionString === undefined
          ? undefined
          : new ExportBlobStore(config.blobConnectionString, config.exportContainer);
      return {
        routes: (app) => {
          costRecordRoutes(app, ctx, ingest);
          costSignalRoutes(app, ctx);
          costExportRoutes(app, ctx, blobs);
        },
        jobs: blobs ? [new CostExportJob(ctx, blobs).asJob(config.exportIntervalMs)] : [],
      };
    },
  };
}

/** Configured from the process environment (COST_* and AZURE_STORAGE_CONNECTION_STRING). */
export const costTelemetryService: ServiceDefinition = createCostTelemetryService(() =>
  costConfigFrom(process.env),
);
