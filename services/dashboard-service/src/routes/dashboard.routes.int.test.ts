import { topicFor } from '@obs/event-envelope';
import type { RunningService } from '@obs/service-kit';
import { expectProblem, TestClock, TopicReader } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractUpstreams, type ContractUpstreams } from '../../test/contract-upstreams.js';
import {
  METRIC,
  SLO_ID,
  createDashboard,
  definition,
  reader,
  seedReferences,
  startDashboardService,
  uniqueTenant,
  writer,
  type DashboardBody,
} from '../../test/dashboard-test-kit.js';

const clock = new TestClock();
const tenant = uniqueTenant('dash-routes');
let upstreams: ContractUpstreams;
let service: RunningService;
let events: TopicReader;

beforeAll(async () => {
  upstreams = await startContractUpstreams();
  seedReferences(upstreams, tenant);
  service = await startDashboardService(upstreams, { clock });
  events = await TopicReader.open(service.ctx.bus, [topicFor('DashboardDefined')]);
});
afterAll(async () => {
  await events.close();
  await service.close();
  await upstreams.close();
});

const put = (id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  service.app.inject({
    method: 'PUT',
    url: `/v1/dashboards/${id}`,
    headers: { ...writer(tenant), ...headers },
    payload: body,
  });

const get = (url: string, tenantId = tenant) =>
  service.app.inject({ method: 'GET', url, headers: reader(tenantId) });

describe('POST /v1/dashboards', () => {
  it('answers 201 with Location, ETag and the whole dashboard, and emits DashboardDefined', async () => {
    const body = definition('  Payments latency  ');
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<DashboardBody>();
    expect(res.headers.location).toBe(`/v1/dashboards/${created.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(created).toEqual({
      id: created.id,
      name: 'Payments latency',
      scope: { projectId: 'checkout', moduleId: 'payments' },
      panels: [
        {
          type: 'timeseries',
          title: 'p95 latency',
          metric: METRIC,
          sloId: null,
          groupBy: ['service'],
          layout: { x: 0, y: 0, w: 12, h: 8 },
        },
        {
          type: 'stat',
          title: null,
          metric: null,
          sloId: SLO_ID,
          groupBy: [],
          layout: { x: 12, y: 0, w: 12, h: 8 },
        },
        {
          type: 'trace',
          title: 'Slow traces',
          metric: null,
          sloId: null,
          groupBy: [],
          layout: { x: 0, y: 8, w: 24, h: 10 },
        },
      ],
      version: 1,
      createdAt: clock.iso(),
      updatedAt: clock.iso(),
    });
    const [defined] = (await events.waitFor(tenant, 'DashboardDefined')).filter(
      (e) => e.aggregate.id === created.id,
    );
    expect(defined).toMatchObject({
      producer: 'dashboard-service',
      aggregate: { type: 'DashboardDefinition', id: created.id, version: 1 },
      payload: {
        dashboardId: created.id,
        name: 'Payments latency',
        scope: { projectId: 'checkout', moduleId: 'payments' },
        panelCount: 3,
        version: 1,
      },
    });
  });

  it("resolves each reference at its owning service with the caller's Authorization header", async () => {
    const headers = writer(tenant);
    const before = upstreams.seen.length;
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers,
      payload: definition(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const calls = upstreams.seen.slice(before);
    expect(calls.map((c) => `${c.service} ${c.path}`).sort()).toEqual([
      `metrics /v1/metrics/${METRIC}`,
      `slos /v1/slos/${SLO_ID}`,
    ]);
    for (const c of calls) expect(c.authorization).toBe(headers.authorization);
  });

  it('answers 422 dashboard.unresolvable_reference naming the panel of an unknown metric', async () => {
    const body = definition();
    body.panels.push({
      type: 'stat',
      title: 'queue',
      metric: 'queue.depth',
      groupBy: [],
      layout: { x: 0, y: 18, w: 6, h: 4 },
    });
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: body,
    });
    const problem = expectProblem(res, 422, 'dashboard.unresolvable_reference');
    expect(problem.detail).toBe('panels[3]: metric queue.depth is not known for this tenant');
    expect((await listNames()).includes(body.name)).toBe(false);
  });

  it("answers 422 for another tenant's SLO: the owner answers 404 to this token", async () => {
    const other = uniqueTenant('dash-other');
    upstreams.addSlo(other, 'slo-of-other');
    const body = {
      ...definition(),
      panels: [{ type: 'stat', sloId: 'slo-of-other', layout: { x: 0, y: 0, w: 6, h: 4 } }],
    };
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: body,
    });
    const problem = expectProblem(res, 422, 'dashboard.unresolvable_reference');
    expect(problem.detail).toContain('panels[0]: SLO slo-of-other');
  });

  it('answers 409 for a name taken in the scope (case-insensitive), and accepts it elsewhere', async () => {
    const first = await createDashboard(service, tenant, definition('Checkout overview'));
    const clash = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: definition('CHECKOUT overview'),
    });
    expectProblem(clash, 409, 'dashboard.name_not_unique');
    const wholeProject = {
      ...definition('Checkout overview'),
      scope: { projectId: 'checkout', moduleId: null },
    };
    const elsewhere = await createDashboard(service, tenant, wholeProject);
    expect(elsewhere.id).not.toBe(first.id);
    // Another tenant has names of its own.
    const other = uniqueTenant('dash-other');
    seedReferences(upstreams, other);
    await createDashboard(service, other, definition('Checkout overview'));
  });

  it.each([
    [{ panels: [] }, 'body.panels'],
    [{ name: '   ' }, 'body.name'],
    [{ extra: true }, 'body.extra'],
    [{ scope: { projectId: 'checkout', team: 'x' } }, 'body.scope.team'],
  ])('answers 400 for %j naming %s', async (overrides, field) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: { ...definition(), ...overrides },
    });
    const problem = expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(problem.errors)).toContain(field);
  });

  it.each([
    [
      [
        { type: 'trace', layout: { x: 0, y: 0, w: 6, h: 4 } },
        { type: 'trace', layout: { x: 4, y: 2, w: 6, h: 4 } },
      ],
      'dashboard.overlapping_panels',
      'panels[1]: overlaps panels[0]',
    ],
    [
      [{ type: 'trace', layout: { x: 20, y: 0, w: 6, h: 4 } }],
      'dashboard.invalid_layout',
      'panels[0]',
    ],
    [
      [{ type: 'stat', layout: { x: 0, y: 0, w: 6, h: 4 } }],
      'dashboard.invalid_panel_source',
      'panels[0]',
    ],
    [
      [{ type: 'stat', metric: METRIC, sloId: SLO_ID, layout: { x: 0, y: 0, w: 6, h: 4 } }],
      'dashboard.invalid_panel_source',
      'panels[0]',
    ],
  ])('answers 422 for panels %j with %s', async (panels, code, detail) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: { ...definition(), panels },
    });
    expect(expectProblem(res, 422, code).detail).toContain(detail);
  });
});

async function listNames(tenantId = tenant): Promise<string[]> {
  const res = await get('/v1/dashboards?limit=500', tenantId);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: DashboardBody[] }>().items.map((d) => d.name);
}

describe('GET /v1/dashboards', () => {
  it('lists newest first with keyset paging and filters by project and module', async () => {
    const t = uniqueTenant('dash-list');
    seedReferences(upstreams, t);
    const made: DashboardBody[] = [];
    for (const [i, moduleId] of ['payments', 'payments', null].entries()) {
      clock.advanceMinutes(1);
      made.push(
        await createDashboard(service, t, {
          ...definition(`list ${i}`),
          scope: { projectId: i === 1 ? 'billing' : 'checkout', moduleId },
        }),
      );
    }
    const first = await get('/v1/dashboards?limit=2', t);
    const page1 = first.json<{ items: DashboardBody[]; nextCursor: string | null }>();
    expect(page1.items.map((d) => d.name)).toEqual(['list 2', 'list 1']);
    expect(page1.nextCursor).not.toBeNull();
    const second = await get(`/v1/dashboards?limit=2&cursor=${page1.nextCursor}`, t);
    expect(second.json<{ items: DashboardBody[] }>().items.map((d) => d.name)).toEqual(['list 0']);
    expect(second.json<{ nextCursor: string | null }>().nextCursor).toBeNull();
    const billing = await get('/v1/dashboards?projectId=billing', t);
    expect(billing.json<{ items: DashboardBody[] }>().items.map((d) => d.id)).toEqual([
      made[1]?.id,
    ]);
    const payments = await get('/v1/dashboards?moduleId=payments', t);
    expect(payments.json<{ items: DashboardBody[] }>().items.map((d) => d.name)).toEqual([
      'list 1',
      'list 0',
    ]);
  });

  it('answers 400 for a malformed cursor', async () => {
    expectProblem(await get('/v1/dashboards?cursor=nope'), 400, 'invalid_cursor');
  });
});

describe('GET /v1/dashboards/{id}', () => {
  it('answers the dashboard with its ETag', async () => {
    const created = await createDashboard(service, tenant);
    const res = await get(`/v1/dashboards/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toEqual(created);
  });
});

describe('PUT /v1/dashboards/{id} and the version history', () => {
  it('keeps every accepted definition as a version and emits DashboardUpdated', async () => {
    const created = await createDashboard(service, tenant, definition('History'));
    clock.advanceMinutes(5);
    const renamed = await put(
      created.id,
      { ...definition('History v2'), scope: { projectId: 'checkout' } },
      { 'if-match': '"1"' },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.headers.etag).toBe('"2"');
    expect(renamed.json<DashboardBody>()).toMatchObject({
      name: 'History v2',
      scope: { projectId: 'checkout', moduleId: null },
      version: 2,
      createdAt: created.createdAt,
      updatedAt: clock.iso(),
    });
    clock.advanceMinutes(5);
    const third = await put(created.id, {
      ...definition('History v2'),
      scope: { projectId: 'checkout' },
      panels: [{ type: 'trace', layout: { x: 0, y: 0, w: 24, h: 10 } }],
    });
    expect(third.json<DashboardBody>().version).toBe(3);

    const updates = (await events.waitFor(tenant, 'DashboardUpdated', 1)).filter(
      (e) => e.aggregate.id === created.id,
    );
    await expect
      .poll(
        () =>
          events.of(tenant, 'DashboardUpdated').filter((e) => e.aggregate.id === created.id).length,
      )
      .toBe(2);
    expect(updates[0]?.payload).toEqual({
      dashboardId: created.id,
      name: 'History v2',
      scope: { projectId: 'checkout', moduleId: null },
      panelCount: 3,
      version: 2,
    });

    const list = await get(`/v1/dashboards/${created.id}/versions?limit=2`);
    expect(list.statusCode, list.body).toBe(200);
    const page = list.json<{ items: { version: number; name: string }[]; nextCursor: string }>();
    expect(page.items.map((v) => [v.version, v.name])).toEqual([
      [3, 'History v2'],
      [2, 'History v2'],
    ]);
    const rest = await get(`/v1/dashboards/${created.id}/versions?cursor=${page.nextCursor}`);
    expect(rest.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual([1]);

    const v1 = await get(`/v1/dashboards/${created.id}/versions/1`);
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toEqual({
      dashboardId: created.id,
      version: 1,
      name: 'History',
      scope: created.scope,
      panels: created.panels,
      recordedAt: created.createdAt,
    });
    const v3 = await get(`/v1/dashboards/${created.id}/versions/3`);
    expect(v3.json<{ panels: unknown[]; recordedAt: string }>()).toMatchObject({
      recordedAt: clock.iso(),
      panels: [expect.objectContaining({ type: 'trace' })],
    });
    expectProblem(await get(`/v1/dashboards/${created.id}/versions/4`), 404, 'not_found');
  });

  it('a replacement that changes nothing keeps the version, writes no history and emits nothing', async () => {
    const body = definition('No-op');
    const created = await createDashboard(service, tenant, body);
    const same = await put(created.id, body);
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json<DashboardBody>()).toEqual(created);
    const versions = await get(`/v1/dashboards/${created.id}/versions`);
    expect(versions.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('answers 409 for a stale If-Match and for a name taken in the scope', async () => {
    const a = await createDashboard(service, tenant, definition('Taken A'));
    const b = await createDashboard(service, tenant, definition('Taken B'));
    expectProblem(
      await put(a.id, definition('Taken A2'), { 'if-match': '"7"' }),
      409,
      'version_conflict',
    );
    expectProblem(await put(b.id, definition('taken a')), 409, 'dashboard.name_not_unique');
    expect((await get(`/v1/dashboards/${b.id}`)).json<DashboardBody>().version).toBe(1);
  });

  it('asks the owning services only about references the dashboard does not hold yet', async () => {
    const created = await createDashboard(service, tenant, definition('Only new refs'));
    const before = upstreams.seen.length;
    const body = definition('Only new refs');
    upstreams.addMetric(tenant, 'http.server.requests');
    body.panels.push({
      type: 'stat',
      title: 'requests',
      metric: 'http.server.requests',
      groupBy: [],
      layout: { x: 0, y: 18, w: 6, h: 4 },
    });
    const res = await put(created.id, body);
    expect(res.statusCode, res.body).toBe(200);
    expect(upstreams.seen.slice(before).map((c) => c.path)).toEqual([
      '/v1/metrics/http.server.requests',
    ]);
    const unknown = definition('Only new refs');
    unknown.panels[0] = { ...body.panels[0]!, metric: 'nope.metric' } as (typeof unknown.panels)[0];
    const refused = await put(created.id, unknown);
    expect(expectProblem(refused, 422, 'dashboard.unresolvable_reference').detail).toContain(
      'panels[0]: metric nope.metric',
    );
  });
});

describe('DELETE /v1/dashboards/{id}', () => {
  it('deletes the dashboard and its history; a stale If-Match answers 409', async () => {
    const created = await createDashboard(service, tenant, definition('Short-lived'));
    const stale = await service.app.inject({
      method: 'DELETE',
      url: `/v1/dashboards/${created.id}`,
      headers: { ...writer(tenant), 'if-match': '"2"' },
    });
    expectProblem(stale, 409, 'version_conflict');
    const res = await service.app.inject({
      method: 'DELETE',
      url: `/v1/dashboards/${created.id}`,
      headers: { ...writer(tenant), 'if-match': '"1"' },
    });
    expect(res.statusCode).toBe(204);
    expectProblem(await get(`/v1/dashboards/${created.id}`), 404, 'not_found');
    expectProblem(await get(`/v1/dashboards/${created.id}/versions`), 404, 'not_found');
    // The name is free again.
    await createDashboard(service, tenant, definition('Short-lived'));
  });
});

describe('concurrent writers', () => {
  it('two creates of one name at once: one 201, the other 409', async () => {
    const body = definition('Raced name');
    const results = await Promise.all(
      [0, 1].map(() =>
        service.app.inject({
          method: 'POST',
          url: '/v1/dashboards',
          headers: writer(tenant),
          payload: body,
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.statusCode === 409);
    expect(['dashboard.name_not_unique', 'unique_violation']).toContain(
      loser?.json<{ code: string }>().code,
    );
    expect((await listNames()).filter((n) => n === 'Raced name')).toHaveLength(1);
  });

  it('two replaces based on one version: one 200, the other 409, one history entry', async () => {
    const created = await createDashboard(service, tenant, definition('Raced edit'));
    const results = await Promise.all(
      ['Raced edit A', 'Raced edit B'].map((name) =>
        put(created.id, definition(name), { 'if-match': '"1"' }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const versions = await get(`/v1/dashboards/${created.id}/versions`);
    expect(versions.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual([
      2, 1,
    ]);
  });
});
