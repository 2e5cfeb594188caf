import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  describeRouteAccess,
  expectProblem,
  injectRoute,
  documentedOperations,
  openApiDocument,
  itAnswers404ForAnotherTenant,
  routeName as name,
  TestClock,
  type RouteCase,
} from '@obs/service-kit/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractUpstreams, type ContractUpstreams } from '../../test/contract-upstreams.js';
import {
  createDashboard,
  definition,
  reader,
  seedReferences,
  startDashboardService,
  uniqueTenant,
  type DashboardBody,
} from '../../test/dashboard-test-kit.js';

const TRACE_ONLY = {
  name: 'x',
  scope: { projectId: 'p' },
  panels: [{ type: 'trace', layout: { x: 0, y: 0, w: 24, h: 8 } }],
};

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/dashboards', scope: 'write', body: TRACE_ONLY },
  { method: 'GET', path: '/v1/dashboards', scope: 'read' },
  { method: 'GET', path: '/v1/dashboards/{id}', scope: 'read' },
  { method: 'PUT', path: '/v1/dashboards/{id}', scope: 'write', body: TRACE_ONLY },
  { method: 'DELETE', path: '/v1/dashboards/{id}', scope: 'write' },
  { method: 'GET', path: '/v1/dashboards/{id}/versions', scope: 'read' },
  { method: 'GET', path: '/v1/dashboards/{id}/versions/{n}', scope: 'read' },
  { method: 'GET', path: '/v1/dashboards/{id}/data', scope: 'read' },
  { method: 'GET', path: '/v1/dashboards/{id}/grafana', scope: 'read' },
  { method: 'GET', path: '/v1/dashboards/grafana/datasource.yaml', scope: 'read' },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{id}'));

const owner = uniqueTenant('dash-owner');
const intruder = uniqueTenant('dash-intruder');
let upstreams: ContractUpstreams;
let service: RunningService;
let dashboard: DashboardBody;

beforeAll(async () => {
  upstreams = await startContractUpstreams();
  seedReferences(upstreams, owner);
  service = await startDashboardService(upstreams, { clock: new TestClock() });
  dashboard = await createDashboard(service, owner, definition('Owned'));
});
afterAll(async () => {
  await service.close();
  await upstreams.close();
});

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { id: dashboard.id, n: '1' });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
  forgedScopes: ['read', 'write'],
  letThrough: { adminOn: ROUTES[2]! },
});

describe('tenancy', () => {
  itAnswers404ForAnotherTenant({
    routes: ID_ROUTES,
    call,
    what: 'dashboard',
    headersOf: () => bearer(intruder, ['read', 'write']),
  });

  it("leaves the owner's dashboard untouched and shows the intruder an empty list", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/dashboards/${dashboard.id}`,
      headers: reader(owner),
    });
    expect(res.json<DashboardBody>()).toEqual(dashboard);
    const list = (tenantId: string) =>
      service.app.inject({ method: 'GET', url: '/v1/dashboards', headers: reader(tenantId) });
    expect((await list(intruder)).json()).toEqual({ items: [], nextCursor: null });
    expect((await list(owner)).json<{ items: DashboardBody[] }>().items.map((d) => d.id)).toEqual([
      dashboard.id,
    ]);
  });

  it("does not resolve the owner's metrics and SLOs for the intruder (422 naming the panel)", async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: bearer(intruder, ['read', 'write']),
      payload: definition('Borrowed'),
    });
    expect(expectProblem(res, 422, 'dashboard.unresolvable_reference').detail).toMatch(
      /^panels\[0\]: metric/,
    );
  });

  it('covers every route of the OpenAPI document', async () => {
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document where every route has a description and every schema an example', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody?: { content: Record<string, { schema: { example?: unknown } }> };
            responses: Record<
              string,
              { content?: Record<string, { schema: { example?: unknown } }> }
            >;
          }
        >
      >;
    }>();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    for (const { route, op } of operations) {
      expect(op.description?.length ?? 0, route).toBeGreaterThan(40);
      const body = op.requestBody?.content['application/json']?.schema;
      if (route.startsWith('POST') || route.startsWith('PUT')) {
        expect(body?.example, `${route} body`).toBeDefined();
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === '204') continue;
        // Errors are documented as they are answered: RFC 9457 application/problem+json; the
        // Grafana provisioning file is YAML.
        const success = route.endsWith('.yaml') ? 'application/yaml' : 'application/json';
        const type = Number(status) >= 400 ? 'application/problem+json' : success;
        expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual([type]);
        expect(response.content?.[type]?.schema.example, `${route} ${status}`).toBeDefined();
      }
      // Every route can meet an owning service that is down, or the service shutting down.
      expect(Object.keys(op.responses), route).toContain('503');
    }
    const create = doc.paths['/v1/dashboards']?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '409', '413', '415', '422']),
    );
    // The routes that resolve references document what their 503 means, Retry-After included.
    for (const op of [create, doc.paths['/v1/dashboards/{id}']?.put]) {
      const unavailable = op?.responses['503'] as { description?: string };
      expect(unavailable.description).toMatch(/upstream_unavailable.*Retry-After/);
    }
  });
});
