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

const call = (route: RouteCase, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, { id: incident.id });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
  forgedScopes: ['read', 'write'],
  letThrough: { adminOn: ROUTES[2]! },
});

describe('tenancy', () => {
  itAnswers404ForAnotherTenant({
    routes: ID_ROUTES,
    call,
    what: 'incident',
    headersOf: () => bearer(intruder, ['read', 'write']),
  });

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
    expect(documentedOperations(await openApiDocument(service.app))).toEqual(
      ROUTES.map(name).sort(),
    );
  });
});
