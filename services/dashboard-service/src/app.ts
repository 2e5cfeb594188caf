import { topicFor } from '@obs/event-envelope';
import type { ServiceDefinition } from '@obs/service-kit';
import { dashboardConfigFrom, type DashboardServiceConfig } from './config.js';
import { DashboardEntity, DashboardVersionEntity, dashboardStore } from './dashboard.repository.js';
import { CreateDashboards1730000000001 } from './migrations/1730000000001-create-dashboards.js';
import { dashboardRoutes } from './routes/dashboard.routes.js';
import { upstreamsFrom } from './upstreams.js';

const DESCRIPTION = `Dashboards: named sets of panels over the tenant's metrics, SLOs and traces, for a
project or one module of it; the name is unique per tenant and scope. Panel references are resolved
against their owning services (metric-aggregation-service, slo-service) with the caller's token; an
unknown one answers 422 naming the panel, an owning service that is down 503 with Retry-After. Every
accepted definition is kept as a version (GET /v1/dashboards/{id}/versions). GET
/v1/dashboards/{id}/data answers each panel's series; GET /v1/dashboards/{id}/grafana exports
byte-stable Grafana dashboard JSON. Publishes DashboardDefined (public) and DashboardUpdated
(internal) on obs.dashboard-definition.v1. Reads need the \`read\` scope, changes \`write\`.`;

/**
 * The service definition for a given configuration (tests pass their own upstream URLs; the
 * kit's Env only carries platform-wide settings, so the service reads its own with
 * dashboardConfigFrom).
 */
export function createDashboardService(config: DashboardServiceConfig): ServiceDefinition {
  return {
    name: 'dashboard-service',
    schema: 'dashboard',
    defaultPort: 4104,
    openapi: { title: 'dashboard-service', description: DESCRIPTION, version: '1.0.0' },
    entities: [DashboardEntity, DashboardVersionEntity],
    migrations: [CreateDashboards1730000000001],
    topics: [topicFor('DashboardDefined')],
    compose: (ctx) => {
      const store = dashboardStore(ctx.dataSource, ctx.uow);
      const upstreams = upstreamsFrom(config);
      return {
        routes: (app) => dashboardRoutes(app, ctx, store, upstreams, config.grafanaDatasourceUrl),
      };
    },
  };
}

/** Configured from the process environment (METRIC_AGGREGATION_SERVICE_URL, SLO_SERVICE_URL…). */
export const dashboardService: ServiceDefinition = createDashboardService(
  dashboardConfigFrom(process.env),
);
