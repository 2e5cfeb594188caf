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
  type RouteCase as KitRouteCase,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TRACE_A,
  line,
  reader,
  runExportJobUntilDone,
  sendLines,
  signalsOf,
  startCostService,
  uniqueTenant,
} from '../../test/cost-test-kit.js';

/** The body of the ingest route is sent again by the tenancy test. */
interface RouteCase extends KitRouteCase {
  readonly body?: Record<string, unknown>;
}

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/cost-records', scope: 'ingest', body: { lines: [line()] } },
  { method: 'GET', path: '/v1/cost-signals', scope: 'read' },
  { method: 'GET', path: '/v1/cost-signals/{id}', scope: 'read' },
  { method: 'GET', path: '/v1/costs/by-model', scope: 'read' },
  { method: 'GET', path: '/v1/costs/by-agent', scope: 'read' },
  { method: 'GET', path: '/v1/costs/by-trace/{traceId}', scope: 'read' },
  { method: 'POST', path: '/v1/cost-signals:export', scope: 'read', body: {} },
  { method: 'GET', path: '/v1/cost-signals/exports/{id}', scope: 'read' },
  { method: 'GET', path: '/v1/cost-signals/exports/{id}/download', scope: 'read' },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{'));

const owner = uniqueTenant('cost-owner');
const intruder = uniqueTenant('cost-intruder');
let service: RunningService;
const ids: Record<string, string> = {};

beforeAll(async () => {
  service = await startCostService();
  await sendLines(service, owner, [line({ traceId: TRACE_A, amount: '3' })]);
  ids.id = (await signalsOf(service, owner))[0]!.id;
  ids.traceId = TRACE_A;
  const exported = await service.app.inject({
    method: 'POST',
    url: '/v1/cost-signals:export',
    headers: reader(owner),
    payload: {},
  });
  ids.exportId = exported.json<{ id: string }>().id;
  await runExportJobUntilDone(service, owner, ids.exportId);
});
afterAll(async () => {
  await service.close();
});

/** An export's routes name its id `{id}` too; the others' `{id}` is a signal's. */
function paramsOf(route: RouteCase): Record<string, string> {
  const exportRoute = route.path.includes('/exports/');
  return { id: exportRoute ? ids.exportId! : ids.id!, traceId: ids.traceId! };
}

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, paramsOf(route));

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
  letThrough: 'scope-and-admin-2xx',
});

describe('tenancy', () => {
  itAnswers404ForAnotherTenant({
    routes: ID_ROUTES,
    call,
    what: 'id',
    headersOf: () => bearer(intruder, ['read', 'ingest']),
  });

  it("shows the intruder none of the owner's signals, breakdowns or lines", async () => {
    expect(await signalsOf(service, intruder)).toEqual([]);
    for (const url of ['/v1/costs/by-model', '/v1/costs/by-agent']) {
      const res = await service.app.inject({ method: 'GET', url, headers: reader(intruder) });
      expect(res.json<{ items: unknown[] }>().items, url).toEqual([]);
    }
    // The same line id from the intruder is its own line, not the owner's duplicate.
    const before = (await signalsOf(service, owner)).map((s) => s.total);
    const sameId = await service.app.inject({
      method: 'POST',
      url: '/v1/cost-records',
      headers: bearer(intruder, ['ingest']),
      payload: ROUTES[0]!.body,
    });
    expect(sameId.json<{ accepted: number }>().accepted).toBe(1);
    expect((await signalsOf(service, owner)).map((s) => s.total)).toEqual(before);
  });

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'] as const)(
    '%s on the custom-method path /v1/cost-signals:export answers 405 with Allow: POST',
    async (method) => {
      const res = await service.app.inject({
        method,
        url: '/v1/cost-signals:export',
        headers: reader(owner),
      });
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST');
    },
  );

  it('covers every route of the OpenAPI document', async () => {
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});
