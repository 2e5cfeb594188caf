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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOUR,
  newTraceId,
  otlpLogs,
  queryLogs,
  referencesOf,
  resourceAttributes,
  sendLogs,
  startLogService,
  uniqueTenant,
} from '../../test/log-test-kit.js';

const clock = new TestClock(Date.parse('2025-03-01T12:00:00.000Z'));
const T0 = clock.nowMs - 60_000;
const FROM = new Date(T0 - HOUR).toISOString();
const TO = new Date(T0 + HOUR).toISOString();
const owner = uniqueTenant('lq-owner');
const intruder = uniqueTenant('lq-intruder');
const trace = newTraceId();

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/logs', scope: 'ingest', body: { resourceLogs: [] } },
  {
    method: 'POST',
    path: '/v1/log-queries',
    scope: 'read',
    body: { traceId: trace, from: FROM, to: TO },
  },
  { method: 'GET', path: '/v1/log-references', scope: 'read', query: { traceId: trace } },
];

let service: RunningService;
beforeAll(async () => {
  service = await startLogService({ clock });
  await sendLogs(
    service,
    owner,
    otlpLogs([
      {
        attributes: resourceAttributes(owner),
        records: [{ timeMs: T0, body: 'owned secret', traceId: trace }],
      },
    ]),
  );
});
afterAll(async () => {
  await service.close();
});

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers);

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'ingest', 'write'],
  forgedScopes: ['read', 'ingest'],
  letThrough: 'scope-and-admin',
});

describe('tenancy', () => {
  it("answers 404 for another tenant's trace and lists none of its references", async () => {
    expectProblem(
      await queryLogs(service, intruder, { traceId: trace, from: FROM, to: TO }, 404),
      404,
      'not_found',
    );
    expectProblem(
      await queryLogs(service, intruder, { executionId: 'exec-1', from: FROM, to: TO }, 404),
      404,
      'not_found',
    );
    expect(await referencesOf(service, intruder, { traceId: trace })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await referencesOf(service, intruder, {})).items).toEqual([]);
    expect((await referencesOf(service, owner, { traceId: trace })).items).toHaveLength(1);
  });

  it("never shows one tenant's records in another's answer for the same trace", async () => {
    await sendLogs(
      service,
      intruder,
      otlpLogs([
        {
          attributes: resourceAttributes(intruder),
          records: [{ timeMs: T0, body: 'intruder line', traceId: trace }],
        },
      ]),
    );
    const mine = await queryLogs(service, owner, { traceId: trace, from: FROM, to: TO });
    expect(mine.json<{ items: { body: string }[] }>().items.map((r) => r.body)).toEqual([
      'owned secret',
    ]);
    const theirs = await queryLogs(service, intruder, { traceId: trace, from: FROM, to: TO });
    expect(theirs.json<{ items: { body: string }[] }>().items.map((r) => r.body)).toEqual([
      'intruder line',
    ]);
  });

  it('covers every route of the OpenAPI document', async () => {
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});
