import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { TestClock, bearer, expectProblem } from '@obs/service-kit/testing';
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

interface RouteCase {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly scope: 'read' | 'ingest';
  readonly body?: unknown;
  readonly query?: Record<string, string>;
}

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
const name = (r: RouteCase) => `${r.method} ${r.path}`;

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

function call(route: RouteCase, headers: Record<string, string>) {
  return service.app.inject({
    method: route.method,
    url: route.path,
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
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(name).sort());
  });
});
