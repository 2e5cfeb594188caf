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

/** A route and which resource's id fills its `{id}` (an incident's unless said). */
type Case = RouteCase & { readonly resource?: 'policy' | 'schedule' };

const policyBody = () => ({
  name: `policy-${crypto.randomUUID()}`,
  steps: [{ delayMinutes: 0, receiverIds: [crypto.randomUUID()] }],
});
const scheduleBody = () => ({
  name: `schedule-${crypto.randomUUID()}`,
  layers: [
    {
      members: ['alice'],
      rotationLength: 1,
      rotationUnit: 'days',
      startDate: '2024-01-01',
      handoffTime: '09:00',
      timeZone: 'Europe/Berlin',
    },
  ],
});

/** Every route of the service; the last test checks this table against the OpenAPI document. */
const ROUTES: readonly Case[] = [
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
  { method: 'POST', path: '/v1/escalation-policies', scope: 'write', body: policyBody },
  { method: 'GET', path: '/v1/escalation-policies', scope: 'read' },
  { method: 'GET', path: '/v1/escalation-policies/{id}', scope: 'read', resource: 'policy' },
  {
    method: 'PUT',
    path: '/v1/escalation-policies/{id}',
    scope: 'write',
    body: policyBody,
    resource: 'policy',
  },
  { method: 'DELETE', path: '/v1/escalation-policies/{id}', scope: 'write', resource: 'policy' },
  { method: 'POST', path: '/v1/schedules', scope: 'write', body: scheduleBody },
  { method: 'GET', path: '/v1/schedules', scope: 'read' },
  { method: 'GET', path: '/v1/schedules/{id}', scope: 'read', resource: 'schedule' },
  { method: 'GET', path: '/v1/schedules/{id}/on-call', scope: 'read', resource: 'schedule' },
  {
    method: 'PUT',
    path: '/v1/schedules/{id}',
    scope: 'write',
    body: scheduleBody,
    resource: 'schedule',
  },
  { method: 'DELETE', path: '/v1/schedules/{id}', scope: 'write', resource: 'schedule' },
];
const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{id}'));

const owner = uniqueTenant('inc-owner');
const intruder = uniqueTenant('inc-intruder');
let service: RunningService;
let incident: IncidentBody;
const ids = { policy: '', schedule: '' };

beforeAll(async () => {
  service = await startIncidentService({ clock: new TestClock(), runConsumers: false });
  incident = await openManual(service, owner);
  for (const [key, url, body] of [
    ['policy', '/v1/escalation-policies', policyBody()],
    ['schedule', '/v1/schedules', scheduleBody()],
  ] as const) {
    const res = await service.app.inject({
      method: 'POST',
      url,
      headers: bearer(owner, ['write']),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    ids[key] = res.json<{ id: string }>().id;
  }
});
afterAll(async () => {
  await service.close();
});

const call = (route: Case, headers: Record<string, string>) =>
  injectRoute(service.app, route, headers, {
    id: route.resource === undefined ? incident.id : ids[route.resource],
  });

describeRouteAccess({
  routes: ROUTES,
  call,
  tenant: owner,
  scopes: ['read', 'write', 'ingest'],
  forgedScopes: ['read', 'write'],
  letThrough: { adminOn: ROUTES[2]! },
});

describe('tenancy', () => {
  for (const [what, resource] of [
    ['incident', undefined],
    ['escalation policy', 'policy'],
    ['schedule', 'schedule'],
  ] as const) {
    itAnswers404ForAnotherTenant({
      routes: ID_ROUTES.filter((r) => r.resource === resource),
      call,
      what,
      headersOf: () => bearer(intruder, ['read', 'write']),
    });
  }

  it("leaves the owner's policy and schedule untouched and lists none of them to the intruder", async () => {
    for (const [url, id] of [
      ['/v1/escalation-policies', ids.policy],
      ['/v1/schedules', ids.schedule],
    ] as const) {
      const own = await service.app.inject({
        method: 'GET',
        url: `${url}/${id}`,
        headers: reader(owner),
      });
      expect(own.statusCode, own.body).toBe(200);
      expect(own.json()).toMatchObject({ version: 1 });
      const theirs = await service.app.inject({ method: 'GET', url, headers: reader(intruder) });
      expect(theirs.json()).toEqual({ items: [], nextCursor: null });
    }
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
