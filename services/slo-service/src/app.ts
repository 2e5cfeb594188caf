import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { sloConfigFrom, type SloServiceConfig } from './config.js';
import { metricAggregatedConsumer } from './consumers/metric-aggregated.consumer.js';
import { burnClockJob } from './jobs/burn-clock.job.js';
import { sampleRetentionJob } from './jobs/sample-retention.job.js';
import { CreateSlos1730000000001 } from './migrations/1730000000001-create-slos.js';
import { BurnRateAlerts1730000000002 } from './migrations/1730000000002-burn-rate-alerts.js';
import { QualityDimension1730000000003 } from './migrations/1730000000003-quality-dimension.js';
import { sloImportRoutes } from './routes/slo-import.routes.js';
import { sloRoutes } from './routes/slo.routes.js';
import { SloEntity, sloStore } from './slo-definition.repository.js';

const DESCRIPTION = `Service-level objectives. An SLO counts good and total events from the 1m MetricAggregated
windows of its metrics: a ratio SLI (the window sums of a good and a total metric) or a latency SLI
(a window's events are good while its chosen percentile is at most the threshold). Each window
re-evaluates the SLO at event time: error budget = 100 − target, budgetRemaining over the rolling
window, burn rates over 5m/30m/1h/6h/3d, status healthy / at-risk / breached; SloBreached is
published once per breach on obs.slo-definition.v1 (incident-service opens an incident from it).
Multiwindow burn-rate alerts (page: 14.4× over 1h and 5m or 6× over 6h and 30m; ticket: 1× over
3d and 6h) publish SloBurnRateAlertFired / SloBurnRateAlertResolved long before the budget is
spent, also while the metric is silent (a clock job moves the evaluation with the wall clock).
Maintenance windows are left out of the budget and fire no alert; OpenSLO v1 YAML imports all or
nothing. Reads need the \`read\` scope, changes \`write\`.`;

export function createSloService(
  config: SloServiceConfig = sloConfigFrom(process.env),
): ServiceDefinition {
  return {
    name: 'slo-service',
    schema: 'slo',
    defaultPort: 4110,
    openapi: { title: 'slo-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [SloEntity],
    migrations: [
      CreateSlos1730000000001,
      BurnRateAlerts1730000000002,
      QualityDimension1730000000003,
    ],
    topics: [topicFor('SloBreached')],
    compose: (ctx) => {
      const store = sloStore(ctx.dataSource, ctx.uow);
      return {
        routes: (app) => {
          sloRoutes(app, ctx, store, config);
          sloImportRoutes(app, ctx, store);
        },
        consumers: [metricAggregatedConsumer(ctx, store, config)],
        jobs: [sampleRetentionJob(ctx), burnClockJob(ctx, store, config)],
      };
    },
  };
}

export const sloService: ServiceDefinition = createSloService();
