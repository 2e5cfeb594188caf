import type { ServiceDefinition } from '@obs/service-kit';
import { correlationConfigFrom, type CorrelationServiceConfig } from './config.js';
import { costAnomalyDetectedConsumer } from './consumers/cost-anomaly-detected.consumer.js';
import { feedbackItemCreatedConsumer } from './consumers/feedback-item-created.consumer.js';
import { incidentConsumer } from './consumers/incident.consumer.js';
import { metricAggregatedConsumer } from './consumers/metric-aggregated.consumer.js';
import { traceRecordedConsumer } from './consumers/trace-recorded.consumer.js';
import { CorrelationIntake } from './correlation-intake.js';
import { CorrelationExpander } from './expand/correlation-expander.js';
import { CreateCorrelations1731000000001 } from './migrations/1731000000001-create-correlations.js';
import { correlationRoutes } from './routes/telemetry-correlation.routes.js';
import { CorrelationEntity, correlationStore } from './telemetry-correlation.repository.js';

const DESCRIPTION = `Telemetry correlation: one correlation per (tenant, traceId), the join of everything
the platform knows about a trace. Upserted from TraceRecorded, IncidentOpened, IncidentResolved,
FeedbackItemCreated, MetricAggregated exemplars and CostAnomalyDetected, idempotently and whatever
the arrival order. \`GET /v1/correlations/{traceId}\` answers the links; with \`expand=true\` it
fetches each linked record from its owning service with the caller's token and names what it could
not fetch. Internal: publishes no event. Reads need the \`read\` scope.`;

/**
 * The service definition for a given configuration (tests pass their own upstream URLs; the kit's
 * Env only carries platform-wide settings, so the service reads its own with correlationConfigFrom).
 */
export function createTelemetryCorrelationService(
  config: CorrelationServiceConfig,
): ServiceDefinition {
  return {
    name: 'telemetry-correlation-service',
    schema: 'correlation',
    defaultPort: 4111,
    openapi: { title: 'telemetry-correlation-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [CorrelationEntity],
    migrations: [CreateCorrelations1731000000001],
    // Publishes nothing: CorrelationSnapshotted stays internal (docs/services/telemetry-correlation.md).
    topics: [],
    compose: (ctx) => {
      const intake = new CorrelationIntake(correlationStore(ctx.dataSource, ctx.uow));
      const expander = new CorrelationExpander(config);
      return {
        routes: (app) => correlationRoutes(app, ctx, expander),
        consumers: [
          traceRecordedConsumer(intake),
          incidentConsumer(intake),
          feedbackItemCreatedConsumer(intake),
          metricAggregatedConsumer(intake),
          costAnomalyDetectedConsumer(intake),
        ],
      };
    },
  };
}

/** Configured from the process environment (<NAME>_URL of each linked service and friends). */
export const telemetryCorrelationService: ServiceDefinition = createTelemetryCorrelationService(
  correlationConfigFrom(process.env),
);
