import type { RunningService } from '@obs/service-kit';
import {
  TestClock,
  describeRouteAccess,
  expectProblem,
  injectRoute,
  documentedOperations,
  openApiDocument,
  routeName as name,
  type RouteCase,
} from '@obs/service-kit/testing';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../prometheus/remote-write/remote-write-decode.js';
import {
  point,
  reader,
  sendPoints,
  seriesOf,
  startMetricService,
  uniqueTenant,
} from '../../test/metric-test-kit.js';

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
  ...(['GET', 'POST'] as const).flatMap((method): RouteCase[] => [
    {
      method,
      path: '/prometheus/api/v1/query',
      scope: 'read',
      query: { query: 'owned_metric_milliseconds', time: String(T0 / 1000) },
    },
    {
      method,
      path: '/prometheus/api/v1/query_range',
      scope: 'read',
      contentType: 'application/x-www-form-urlencoded',
      ...(method === 'POST'
        ? {
            body: `query=owned_metric_milliseconds&start=${T0 / 1000}&end=${T0 / 1000 + 60}&step=15`,
          }
        : {
            query: {
              query: 'owned_metric_milliseconds',
              start: String(T0 / 1000),
              end: String(T0 / 1000 + 60),
              step: '15',
            },
          }),
    },
    {
      method,
      path: '/prometheus/api/v1/series',
      scope: 'read',
      query: { 'match[]': 'owned_metric_milliseconds' },
    },
    { method, path: '/prometheus/api/v1/labels', scope: 'read' },
  ]),
  { method: 'GET', path: '/prometheus/api/v1/label/{name}/values', scope: 'read' },
  { method: 'GET', path: '/prometheus/api/v1/metadata', scope: 'read' },
  { method: 'GET', path: '/prometheus/api/v1/status/buildinfo', scope: 'read' },
  {
    method: 'POST',
    path: '/prometheus/api/v1/write',
    scope: 'ingest',
    contentType: 'application/x-protobuf',
    body: Buffer.from(snappy.compress(encodeWriteRequest({ series: [] }))),
    status: 204,
  },
];

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

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { name: 'owned.metric' });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'ingest', 'write'],
  forgedScopes: ['read', 'ingest'],
  letThrough: 'scope-and-admin',
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
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});
