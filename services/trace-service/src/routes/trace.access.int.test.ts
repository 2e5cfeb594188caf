import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { TestClock, bearer, expectProblem } from '@obs/service-kit/testing';
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

interface RouteCase {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly scope: 'read' | 'ingest' | 'write';
  readonly body?: unknown;
}

const clock = new TestClock(Date.parse('2035-01-01T00:00:00.000Z'));
const owner = uniqueTenant('tr-owner');
const intruder = uniqueTenant('tr-intruder');
const traceId = newTraceId();

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/traces', scope: 'ingest', body: { resourceSpans: [] } },
  { method: 'GET', path: '/v1/traces', scope: 'read' },
  { method: 'GET', path: '/v1/traces/{traceId}', scope: 'read' },
  { method: 'POST', path: '/v1/traces/{traceId}/pin', scope: 'write' },
  { method: 'DELETE', path: '/v1/traces/{traceId}/pin', scope: 'write' },
];
const name = (r: RouteCase) => `${r.method} ${r.path}`;

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

function call(route: RouteCase, headers: Record<string, string>) {
  return service.app.inject({
    method: route.method,
    url: route.path.replace('{traceId}', traceId),
    headers:
      route.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
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
        scopes: ['read', 'ingest', 'write'],
        secret: 'not-the-service-secret-0123456789',
      });
      expectProblem(await call(route, { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 403 without its scope',
    async (_n, route) => {
      const others = (['read', 'ingest', 'write'] as const).filter((s) => s !== route.scope);
      expectProblem(await call(route, bearer(owner, others)), 403, 'missing_scope');
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
