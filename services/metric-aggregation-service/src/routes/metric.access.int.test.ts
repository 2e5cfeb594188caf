import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { TestClock, bearer, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  point,
  reader,
  sendPoints,
  seriesOf,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

interface RouteCase {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly scope: 'read' | 'ingest';
  readonly body?: unknown;
  readonly query?: Record<string, string>;
}

const clock = new TestClock();
const T0 = clock.nowMs - 60_000;
const FROM = new Date(T0 - 3_600_000).toISOString();
const TO = new Date(T0 + 3_600_000).toISOString();

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/metric-points',
    scope: 'ingest',
    body: { points: [point('m', 1, T0)] },
  },
  { method: 'POST', path: '/v1/metrics', scope: 'ingest', body: { resourceMetrics: [] } },
  { method: 'GET', path: '/v1/metrics', scope: 'read' },
  { method: 'GET', path: '/v1/metrics/{name}', scope: 'read' },
  {
    method: 'GET',
    path: '/v1/metric-series',
    scope: 'read',
    query: { metricName: 'owned.metric', from: FROM, to: TO },
  },
];
const name = (r: RouteCase) => `${r.method} ${r.path}`;

const owner = uniqueTenant('ma-owner');
const intruder = uniqueTenant('ma-intruder');
let service: RunningService;

beforeAll(async () => {
  service = await startMetricService({ clock });
  await sendPoints(service, owner, [point('owned.metric', 7, T0)]);
});
afterAll(async () => {
  await service.close();
});

function call(route: RouteCase, headers: Record<string, string>) {
  return service.app.inject({
    method: route.method,
    url: route.path.replace('{name}', 'owned.metric'),
    headers:
      route.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(route.query ? { query: route.query } : {}),
    ...(route.body === undefined ? {} : { payload: JSON.stringify(route.body) }),
  });
}

describe('authentication and scopes', () => {
  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 401 without a token',
    async (_n, route) => {
      expectProblem(await call(route, {}), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 401 with a token signed by another key',
    async (_n, route) => {
      const forged = mintToken({
        tenantId: owner,
        scopes: ['read', 'ingest'],
        secret: 'not-the-service-secret-0123456789',
      });
      expectProblem(await call(route, { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 403 without its scope',
    async (_n, route) => {
      const other = route.scope === 'read' ? 'ingest' : 'read';
      expectProblem(await call(route, bearer(owner, [other, 'write'])), 403, 'missing_scope');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s lets its scope and admin through',
    async (_n, route) => {
      expect((await call(route, bearer(owner, [route.scope]))).statusCode).toBe(200);
      expect((await call(route, bearer(owner, ['admin']))).statusCode).toBe(200);
    },
  );
});

describe('tenancy', () => {
  it("answers 404 for another tenant's metric, and shows the intruder nothing of the owner's", async () => {
    expectProblem(
      await service.app.inject({
        method: 'GET',
        url: '/v1/metrics/owned.metric',
        headers: reader(intruder),
      }),
      404,
      'not_found',
    );
    const list = await service.app.inject({
      method: 'GET',
      url: '/v1/metrics',
      headers: reader(intruder),
    });
    expect(list.json()).toEqual({ items: [], nextCursor: null });
    const series = await seriesOf(service, intruder, {
      metricName: 'owned.metric',
      from: FROM,
      to: TO,
    });
    expect(series.series).toEqual([]);
    const owned = await seriesOf(service, owner, {
      metricName: 'owned.metric',
      from: FROM,
      to: TO,
      aggregation: 'sum',
    });
    expect(owned.series[0]?.points[0]?.value).toBe(7);
  });

  it("never mixes one tenant's points into another's windows of the same metric", async () => {
    await sendPoints(service, intruder, [point('owned.metric', 1000, T0)]);
    const owned = await seriesOf(service, owner, {
      metricName: 'owned.metric',
      from: FROM,
      to: TO,
      aggregation: 'max',
    });
    expect(owned.series[0]?.points[0]?.value).toBe(7);
  });

  it('covers every route of the OpenAPI document', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(name).sort());
  });
});
