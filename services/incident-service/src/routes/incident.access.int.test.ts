import { TestClock } from '@obs/service-kit/testing';
import type { RunningService } from '@obs/service-kit';
import { mintToken } from '@obs/service-kit';
import { bearer, expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listOf,
  openManual,
  reader,
  startIncidentService,
  timelineOf,
  uniqueTenant,
  type IncidentBody,
} from '../../test/incident-test-kit.js';

interface RouteCase {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly scope: 'read' | 'write';
  readonly body?: Record<string, unknown>;
}

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/incidents',
    scope: 'write',
    body: { title: 'x', severity: 'high', projectId: 'p' },
  },
  { method: 'GET', path: '/v1/incidents', scope: 'read' },
  { method: 'GET', path: '/v1/incidents/{id}', scope: 'read' },
  { method: 'GET', path: '/v1/incidents/{id}/events', scope: 'read' },
  { method: 'POST', path: '/v1/incidents/{id}/acknowledge', scope: 'write', body: { actor: 'a' } },
  { method: 'POST', path: '/v1/incidents/{id}/investigate', scope: 'write', body: { actor: 'a' } },
  { method: 'POST', path: '/v1/incidents/{id}/mitigate', scope: 'write', body: { actor: 'a' } },
  {
    method: 'POST',
    path: '/v1/incidents/{id}/resolve',
    scope: 'write',
    body: { actor: 'a', rootCause: 'r' },
  },
  { method: 'POST', path: '/v1/incidents/{id}/escalate', scope: 'write', body: { actor: 'a' } },
  {
    method: 'POST',
    path: '/v1/incidents/{id}/postmortem-notes',
    scope: 'write',
    body: { actor: 'a', note: 'n' },
  },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{id}'));
const name = (r: RouteCase) => `${r.method} ${r.path}`;

const owner = uniqueTenant('inc-owner');
const intruder = uniqueTenant('inc-intruder');
let service: RunningService;
let incident: IncidentBody;

beforeAll(async () => {
  service = await startIncidentService({ clock: new TestClock(), runConsumers: false });
  incident = await openManual(service, owner);
});
afterAll(async () => {
  await service.close();
});

function call(route: RouteCase, headers: Record<string, string>, id = incident.id) {
  return service.app.inject({
    method: route.method,
    url: route.path.replace('{id}', id),
    headers,
    ...(route.body ? { payload: route.body } : {}),
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
        scopes: ['read', 'write'],
        secret: 'not-the-service-secret-0123456789',
      });
      expectProblem(await call(route, { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
    },
  );

  it.each(ROUTES.map((r) => [name(r), r] as const))(
    '%s answers 403 without its scope',
    async (_n, route) => {
      const other = route.scope === 'read' ? 'write' : 'read';
      expectProblem(await call(route, bearer(owner, [other, 'ingest'])), 403, 'missing_scope');
    },
  );

  it('lets the admin scope through', async () => {
    const res = await call(ROUTES[2]!, bearer(owner, ['admin']));
    expect(res.statusCode).toBe(200);
  });
});

describe('tenancy', () => {
  it.each(ID_ROUTES.map((r) => [name(r), r] as const))(
    "%s answers 404 for another tenant's incident",
    async (_n, route) => {
      expectProblem(await call(route, bearer(intruder, ['read', 'write'])), 404, 'not_found');
    },
  );

  it("leaves the owner's incident untouched and shows the intruder an empty list", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: `/v1/incidents/${incident.id}`,
      headers: reader(owner),
    });
    expect(res.json<IncidentBody>()).toMatchObject({ status: 'open', version: 1 });
    expect((await timelineOf(service, owner, incident.id)).map((e) => e.type)).toEqual(['opened']);
    expect(await listOf(service, intruder)).toEqual([]);
    expect((await listOf(service, owner)).map((i) => i.id)).toEqual([incident.id]);
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
