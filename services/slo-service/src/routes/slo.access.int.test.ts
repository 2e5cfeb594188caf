import { Validator } from '@seriousme/openapi-schema-validator';
import type { RunningService } from '@obs/service-kit';
import {
  bearer,
  injectRoute,
  itAnswers401WithoutToken,
  itAnswers403WithoutScope,
  itAnswers404ForAnotherTenant,
  quotedRouteName,
  routeName,
  type RouteAccessOptions,
  type RouteCase,
} from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlo, ratioBody, startSloService, uniqueTenant } from '../../test/slo-test-kit.js';
import { OPENSLO_EXAMPLE } from './slo.schemas.js';

const owner = uniqueTenant('owner');
const other = uniqueTenant('other');
const otherAuth = bearer(other, ['read', 'write']);
let service: RunningService;
let sloId = '';

beforeAll(async () => {
  service = await startSloService({ runConsumers: false });
  sloId = (await createSlo(service, owner)).id;
});
afterAll(async () => {
  await service.close();
});

const ROUTES: readonly RouteCase[] = [
  { method: 'POST', path: '/v1/slos', scope: 'write', body: () => ratioBody() },
  { method: 'GET', path: '/v1/slos', scope: 'read' },
  { method: 'GET', path: '/v1/slos/{id}', scope: 'read' },
  { method: 'PUT', path: '/v1/slos/{id}', scope: 'write', body: () => ratioBody() },
  { method: 'DELETE', path: '/v1/slos/{id}', scope: 'write' },
  { method: 'GET', path: '/v1/slos/{id}/status', scope: 'read' },
  { method: 'GET', path: '/v1/slos/{id}/burn-events', scope: 'read' },
  {
    method: 'POST',
    path: '/v1/slos/{id}/maintenance-windows',
    scope: 'write',
    body: () => ({ start: '2024-05-01T22:00:00Z', end: '2024-05-01T23:00:00Z' }),
  },
  {
    method: 'POST',
    path: '/v1/slos:import',
    scope: 'write',
    body: () => OPENSLO_EXAMPLE,
    contentType: 'application/yaml',
  },
];
const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { id: sloId });
/** Each route is refused a token with the other of read and write. */
const access: RouteAccessOptions<RouteCase> = {
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write'],
  label: quotedRouteName, // the titles these tests have always had
};

interface Operation {
  description?: string;
  requestBody?: {
    content: Record<string, { schema: { example?: unknown; examples?: unknown } }>;
  };
  responses: Record<string, { content?: Record<string, { schema: { example?: unknown } }> }>;
}

describe('slo-service access control', () => {
  it('covers every operation of the OpenAPI document, which is valid 3.1 with descriptions and examples, and problem+json for every error', async () => {
    const doc = (await service.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    }>();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map(routeName).sort());
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const route = `${method.toUpperCase()} ${path}`;
        expect(op.description, route).toBeTruthy();
        for (const body of Object.values(op.requestBody?.content ?? {})) {
          expect(
            body.schema.example ?? body.schema.examples,
            `${route} body example`,
          ).toBeDefined();
        }
        const statuses = ['401', '403', '429', '503', ...(path.includes('{id}') ? ['404'] : [])];
        expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(statuses));
        for (const [status, response] of Object.entries(op.responses)) {
          const types =
            status === '204'
              ? []
              : [Number(status) >= 400 ? 'application/problem+json' : 'application/json'];
          expect(Object.keys(response.content ?? {}), `${route} ${status}`).toEqual(types);
          for (const type of types) {
            expect(response.content?.[type]?.schema.example, `${route} ${status}`).toBeDefined();
          }
        }
      }
    }
    // The import takes YAML only; everything else JSON.
    expect(Object.keys(doc.paths['/v1/slos:import']?.post?.requestBody?.content ?? {})).toEqual([
      'application/yaml',
      'application/x-yaml',
      'text/yaml',
    ]);
  });

  itAnswers401WithoutToken(access);
  itAnswers403WithoutScope(access);

  itAnswers404ForAnotherTenant({
    routes: ROUTES.filter((r) => r.path.includes('{id}')),
    call,
    what: 'SLO',
    headersOf: () => otherAuth,
    label: access.label,
  });

  it("shows another tenant an empty list and leaves the owner's SLO untouched", async () => {
    const list = await service.app.inject({ method: 'GET', url: '/v1/slos', headers: otherAuth });
    expect(list.json()).toEqual({ items: [], nextCursor: null });
    // Another tenant may import and define the same names: its SLOs are its own.
    const imported = await service.app.inject({
      method: 'POST',
      url: '/v1/slos:import',
      headers: { ...otherAuth, 'content-type': 'application/yaml' },
      payload: OPENSLO_EXAMPLE,
    });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json<{ items: { tenantId: string }[] }>().items[0]!.tenantId).toBe(other);
    const mine = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${sloId}`,
      headers: bearer(owner, ['read']),
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ version: 1, tenantId: owner });
  });
});
