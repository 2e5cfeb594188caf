import type { RunningService } from '@obs/service-kit';
import {
  TestClock,
  bearer,
  describeRouteAccess,
  expectProblem,
  injectRoute,
  routeName as name,
  type RouteCase,
} from '@obs/service-kit/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSpanId,
  newTraceId,
  otlpBody,
  reader,
  resourceAttributes,
  sendSpans,
  startTraceService,
  uniqueTenant,
} from '../../test/trace-test-kit.js';

const clock = new TestClock(Date.parse('2035-01-01T00:00:00.000Z'));
const owner = uniqueTenant('tr-owner');
const intruder = uniqueTenant('tr-intruder');
const traceId = newTraceId();

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES = [
  { method: 'POST', path: '/v1/traces', scope: 'ingest', body: { resourceSpans: [] } },
  { method: 'GET', path: '/v1/traces', scope: 'read' },
  { method: 'GET', path: '/v1/traces/{traceId}', scope: 'read' },
  { method: 'POST', path: '/v1/traces/{traceId}/pin', scope: 'write' },
  { method: 'DELETE', path: '/v1/traces/{traceId}/pin', scope: 'write' },
] as const satisfies readonly RouteCase[];

let service: RunningService;
beforeAll(async () => {
  service = await startTraceService({ clock });
  await sendSpans(
    service,
    owner,
    otlpBody(resourceAttributes(owner), [
      { traceId, spanId: newSpanId(), startMs: clock.nowMs, durationMs: 3 },
    ]),
  );
});
afterAll(async () => {
  await service.close();
});

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { traceId });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'ingest', 'write'],
  letThrough: 'scope-and-admin',
});

describe('tenancy', () => {
  it.each(ROUTES.filter((r) => r.path.includes('{traceId}')).map((r) => [name(r), r] as const))(
    "%s answers 404 for another tenant's trace",
    async (_n, route) => {
      expectProblem(await call(route, bearer(intruder, [route.scope])), 404, 'not_found');
    },
  );

  it("shows the intruder nothing of the owner's traces in search", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/traces',
      headers: reader(intruder),
    });
    expect(res.json()).toEqual({ items: [], nextCursor: null });
  });

  it('covers every route of a valid OpenAPI document', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(name).sort());
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
