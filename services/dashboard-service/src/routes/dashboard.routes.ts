import { randomUUID } from 'node:crypto';
import { DashboardDefinition, type DashboardDefinitionSnapshot } from '@obs/domain';
import {
  HttpProblem,
  commandRoute,
  createRoute,
  deleteRoute,
  getRoute,
  listRoute,
  notFound,
  problems,
  type ServiceContext,
  type Versioned,
} from '@obs/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  findDashboardRow,
  findVersion,
  listDashboards,
  listVersions,
  nameTaken,
  referencesOf,
  viewOfRow,
} from '../dashboard.queries.js';
import { toSnapshot, type DashboardStore } from '../dashboard.repository.js';
import { viewOfSnapshot } from '../dashboard.view.js';
import {
  GRAFANA_TOKEN_VARIABLE,
  grafanaDatasourceYaml,
} from '../grafana/datasource-provisioning.js';
import {
  GRAFANA_DATASOURCE_UID,
  grafanaJson,
  toGrafanaDashboard,
} from '../grafana/grafana-export.js';
import { resolvePromSources } from '../grafana/prom-sources.js';
import { dashboardData, defaultWindow } from '../panel-data.js';
import { resolvePanelReferences } from '../panel-references.js';
import type { Upstreams } from '../upstreams.js';
import {
  DASHBOARD_DOMAIN_CODES,
  dashboardBodySchema,
  dashboardDataSchema,
  dashboardSchema,
  dataQuerySchema,
  grafanaDashboardSchema,
  grafanaDatasourceFileSchema,
  idParamsSchema,
  listQuerySchema,
  replaceDashboardSchema,
  versionListQuerySchema,
  versionParamsSchema,
  versionSchema,
} from './dashboard.schemas.js';

const TAGS = ['dashboards'];
const DASHBOARDS_URL = '/v1/dashboards';
/** Grafana's default range when the caller names none. */
const DEFAULT_RANGE_MS = 6 * 3_600_000;

const UNAVAILABLE_NOTE =
  'A metric or SLO whose owning service cannot be reached answers 503 with Retry-After and nothing is saved.';

const savedDto = (saved: Versioned<DashboardDefinition>) =>
  viewOfSnapshot(saved.aggregate.toSnapshot());

/**
 * What the 503 of the routes that resolve references also means. The zod transform keeps a
 * response's description and content, not its headers, so Retry-After is documented in words.
 */
const UNAVAILABLE_503 = {
  503: 'an owning service (metric-aggregation-service, slo-service) could not be reached to check a panel reference (code upstream_unavailable); nothing was saved, and the Retry-After header says how many seconds to wait.',
};

/**
 * Panel references are resolved with the caller's token (`call.authorization`);
 * `grafanaDatasourceUrl` is the platform's Prometheus API as Grafana reaches it.
 */
export function dashboardRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  store: DashboardStore,
  upstreams: Upstreams,
  grafanaDatasourceUrl: string,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // Resolved before the dashboard's transaction: no lock is held across the HTTP calls.
  createRoute(app, ctx, {
    url: DASHBOARDS_URL,
    scope: 'write',
    tags: TAGS,
    summary: 'Create a dashboard',
    description: `Defines a dashboard of 1-100 panels for a project (optionally one module) and emits the public DashboardDefined on obs.dashboard-definition.v1. Each panel's metric (metric-aggregation-service GET /v1/metrics/{name}) or SLO (slo-service GET /v1/slos/{id}) is resolved with the caller's token (which needs read there too): an unknown one answers 422 dashboard.unresolvable_reference naming the panel (panels[i]). ${UNAVAILABLE_NOTE} A name taken in the scope (case-insensitive) answers 409 dashboard.name_not_unique.`,
    body: dashboardBodySchema,
    response: dashboardSchema,
    domainCodes: DASHBOARD_DOMAIN_CODES,
    statuses: [503],
    statusNotes: UNAVAILABLE_503,
    store,
    create: async (body, call) => {
      const { tenantId } = call.auth;
      const references = await resolvePanelReferences(upstreams, call.authorization, body.panels);
      const taken = await nameTaken(ctx.dataSource.manager, tenantId, body);
      return DashboardDefinition.create(
        {
          dashboardId: randomUUID(),
          tenantId,
          name: body.name,
          scope: body.scope,
          panels: body.panels,
          createdAt: call.at,
        },
        { ...references, nameTaken: taken },
      );
    },
    toDto: savedDto,
  });

  listRoute(app, {
    url: DASHBOARDS_URL,
    tags: TAGS,
    summary: 'List dashboards',
    description:
      "The tenant's dashboards, newest first (createdAt, then id), filtered by projectId and moduleId.",
    querystring: listQuerySchema,
    item: dashboardSchema,
    list: (tenantId, query) => listDashboards(ctx.dataSource, tenantId, query),
  });

  /** The tenant's dashboard as stored, or 404 (also for another tenant's id). */
  const stored = async (tenantId: string, id: string): Promise<DashboardDefinitionSnapshot> => {
    const row = await findDashboardRow(ctx.dataSource, tenantId, id);
    if (!row) throw notFound('dashboard', id);
    return toSnapshot(row);
  };

  getRoute(app, {
    url: `${DASHBOARDS_URL}/:id`,
    tags: TAGS,
    summary: 'Get a dashboard',
    description: 'One dashboard of the caller\'s tenant, with ETag "<version>" for If-Match.',
    resource: 'dashboard',
    params: idParamsSchema,
    response: dashboardSchema,
    find: async (tenantId, id) => {
      const row = await findDashboardRow(ctx.dataSource, tenantId, id);
      return row ? viewOfRow(row) : undefined;
    },
    versionOf: (dashboard) => dashboard.version,
  });

  // Resolved under the row lock, through its transaction's view of the names (one connection
  // per request); references the dashboard already holds are not asked again.
  commandRoute(app, ctx, {
    url: `${DASHBOARDS_URL}/:id`,
    method: 'PUT',
    scope: 'write',
    tags: TAGS,
    summary: 'Replace a dashboard',
    description: `Replaces name, scope and panels; the new version is kept in the history and the internal DashboardUpdated is emitted. A replacement that changes nothing keeps the version (no event, no new history entry). Only references the dashboard does not hold yet are resolved with the owning services: an unknown one answers 422 dashboard.unresolvable_reference naming the panel. ${UNAVAILABLE_NOTE} A name taken in the scope answers 409.`,
    body: replaceDashboardSchema,
    response: dashboardSchema,
    domainCodes: DASHBOARD_DOMAIN_CODES,
    statuses: [503],
    statusNotes: UNAVAILABLE_503,
    store,
    run: async (dashboard, body, call, tx) => {
      const references = await resolvePanelReferences(
        upstreams,
        call.authorization,
        body.panels,
        referencesOf(dashboard.toSnapshot().panels),
      );
      const except = { ...body, exceptId: dashboard.id };
      const taken = await nameTaken(tx.manager, call.auth.tenantId, except);
      dashboard.update(body, { ...references, nameTaken: taken }, call.at);
    },
    toDto: savedDto,
  });

  deleteRoute(app, ctx, {
    url: `${DASHBOARDS_URL}/:id`,
    tags: TAGS,
    summary: 'Delete a dashboard',
    description: 'Deletes the dashboard and its version history (ON DELETE CASCADE).',
    store,
  });

  listRoute(app, {
    url: `${DASHBOARDS_URL}/:id/versions`,
    tags: TAGS,
    summary: 'List the versions of a dashboard',
    description:
      'Every accepted definition of the dashboard, newest first (version 1 is as created).',
    params: idParamsSchema,
    querystring: versionListQuerySchema,
    item: versionSchema,
    statuses: [404],
    list: async (tenantId, query, { id = '' }) => {
      const page = await listVersions(ctx.dataSource, tenantId, id, query);
      if (!page) throw notFound('dashboard', id);
      return page;
    },
  });

  // Hand-written: the version is found by two path parameters (id and n), getRoute by one.
  r.get(
    `${DASHBOARDS_URL}/:id/versions/:n`,
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Get one version of a dashboard',
        description:
          'The definition as it was at version n. An unknown dashboard or version answers 404. Needs the read scope.',
        params: versionParamsSchema,
        response: { 200: versionSchema, ...problems([400, 404]) },
      },
    },
    async (request) => {
      const { id, n } = request.params;
      const version = await findVersion(ctx.dataSource, request.auth.tenantId, id, n);
      if (!version) throw notFound('dashboard version', `${id}/${n}`);
      return version;
    },
  );

  r.get(
    `${DASHBOARDS_URL}/:id/data`,
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: "Every panel's data",
        description:
          "Each panel's data over [from, to), fetched with the caller's token so a page can render the dashboard without knowing the other services: metric panels carry their series from metric-aggregation-service (GET /v1/metric-series, the dashboard's projectId, the panel's groupBy), SLO panels the SLO from slo-service, trace panels no series. A panel whose owning service fails is reported in its own entry (status, error); the dashboard still answers 200. to not after from answers 422 dashboard.invalid_time_range. Needs the read scope.",
        params: idParamsSchema,
        querystring: dataQuerySchema,
        response: {
          200: dashboardDataSchema,
          ...problems([400, 404, 422], ['dashboard.invalid_time_range']),
        },
      },
    },
    async (request) => {
      const snapshot = await stored(request.auth.tenantId, request.params.id);
      const query = request.query;
      const toMs = query.to === undefined ? ctx.clock() : Date.parse(query.to);
      const fromMs = query.from === undefined ? toMs - DEFAULT_RANGE_MS : Date.parse(query.from);
      if (!(toMs > fromMs)) {
        throw new HttpProblem(
          422,
          'dashboard.invalid_time_range',
          'Unprocessable Content',
          `to (${new Date(toMs).toISOString()}) must be after from (${new Date(fromMs).toISOString()})`,
        );
      }
      const range = {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        window: query.window ?? defaultWindow(fromMs, toMs),
        aggregation: query.aggregation,
      };
      const panels = await dashboardData(upstreams, request.headers.authorization, snapshot, range);
      return {
        dashboardId: snapshot.dashboardId,
        version: snapshot.version,
        name: snapshot.name,
        ...range,
        panels,
      };
    },
  );

  // Registered untyped: the body is sent as text already serialised (the serializer would
  // re-order the keys); the zod schema still documents it.
  app.get(
    `${DASHBOARDS_URL}/:id/grafana`,
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Export as Grafana dashboard JSON',
        description: `The dashboard as Grafana dashboard JSON (schemaVersion 42), to import or keep in Git: the same definition over the same metrics always answers byte-identical JSON (keys sorted, 2-space indented; no numeric id, version or other volatile field; panel ids 1..n in definition order, gridPos from each panel's layout; uid is the dashboard id). Metric panels query the platform itself: the Prometheus data source uid ${GRAFANA_DATASOURCE_UID} that GET /v1/dashboards/grafana/datasource.yaml provisions (metric-aggregation-service /prometheus), in PromQL over the metric's Prometheus names (a counter as rate(), a histogram as histogram_quantile), filtered to the dashboard's project (and module). The metrics' units and types are read from metric-aggregation-service with the caller's token: 503 upstream_unavailable with Retry-After when it cannot be reached. Needs the read scope.`,
        params: idParamsSchema,
        response: { 200: grafanaDashboardSchema, ...problems([400, 404, 503]) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as z.output<typeof idParamsSchema>;
      const snapshot = await stored(request.auth.tenantId, id);
      const sources = await resolvePromSources(
        upstreams,
        request.headers.authorization,
        snapshot.panels,
      );
      return reply
        .type('application/json; charset=utf-8')
        .send(grafanaJson(toGrafanaDashboard(snapshot, sources)));
    },
  );

  // Registered untyped, like the export: the body is YAML text.
  app.get(
    `${DASHBOARDS_URL}/grafana/datasource.yaml`,
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        summary: 'Grafana data source provisioning file',
        description: `Grafana's data source provisioning YAML (put it in provisioning/datasources/): Grafana's built-in Prometheus data source, uid ${GRAFANA_DATASOURCE_UID}, pointed at the platform's Prometheus HTTP API (GRAFANA_DATASOURCE_URL, by default metric-aggregation-service's /prometheus), sending the bearer token as the custom header Authorization from the Grafana server's environment variable ${GRAFANA_TOKEN_VARIABLE}. The dashboards GET /v1/dashboards/{id}/grafana exports query it. The same for every tenant (the token chooses the tenant); it holds no secret. Needs the read scope.`,
        response: {
          200: {
            description: 'The provisioning file',
            content: {
              'application/yaml': { schema: grafanaDatasourceFileSchema },
            },
          },
          ...problems([]),
        },
      },
    },
    (_request, reply) =>
      reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="obs-platform.yaml"')
        .send(grafanaDatasourceYaml(grafanaDatasourceUrl)),
  );
}
