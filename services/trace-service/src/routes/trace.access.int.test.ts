import type { RunningService } from '@obs/service-kit';
import {
  TestClock,
  bearer,
  describeRouteAccess,
  injectRoute,
  documentedOperations,
  openApiDocument,
  itAnswers404ForAnotherTenant,
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
  { method: 'GET', path: '/jaeger/api/services', scope: 'read' },
  { method: 'GET', path: '/jaeger/api/services/{service}/operations', scope: 'read' },
  { method: 'GET', path: '/jaeger/api/operations', scope: 'read', query: { service: 'svc' } },
  { method: 'GET', path: '/jaeger/api/traces', scope: 'read', query: { service: 'svc' } },
  { method: 'GET', path: '/jaeger/api/traces/{traceId}', scope: 'read' },
  { method: 'GET', path: '/jaeger/api/dependencies', scope: 'read' },
  { method: 'GET', path: '/v1/service-map', scope: 'read' },
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
  injectRoute(service.app, route, headers, { traceId, service: 'svc' });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'ingest', 'write'],
  letThrough: 'scope-and-admin',
});

describe('tenancy', () => {
  itAnswers404ForAnotherTenant({
    routes: ROUTES.filter((r) => r.path.includes('{traceId}')),
    call,
    what: 'trace',
    headersOf: (route) => bearer(intruder, [route.scope]),
  });

  it("shows the intruder nothing of the owner's traces in search", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/traces',
      headers: reader(intruder),
    });
    expect(res.json()).toEqual({ items: [], nextCursor: null });
  });

  it('covers every route of a valid OpenAPI document', async () => {
    const doc = await openApiDocument(service.app);
    expect(documentedOperations(doc)).toEqual(ROUTES.map(name).sort());
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
