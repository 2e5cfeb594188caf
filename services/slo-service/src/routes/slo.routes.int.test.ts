import type { RunningService } from '@obs/service-kit';
import { expectProblem } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlo,
  latencyBody,
  ratioBody,
  reader,
  startSloService,
  statusOf,
  uniqueTenant,
  writer,
  type SloBody,
} from '../../test/slo-test-kit.js';

let service: RunningService;
beforeAll(async () => {
  service = await startSloService({ runConsumers: false });
});
afterAll(async () => {
  await service.close();
});

const put = (tenant: string, id: string, body: Record<string, unknown>, ifMatch?: string) =>
  service.app.inject({
    method: 'PUT',
    url: `/v1/slos/${id}`,
    headers: { ...writer(tenant), ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
    payload: body,
  });

describe('POST /v1/slos', () => {
  it('defines a ratio SLO: 201, Location, ETag, healthy with its whole budget', async () => {
    const tenant = uniqueTenant('slo-create');
    const body = ratioBody({ target: 99.9, windowMinutes: 43_200 });
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: writer(tenant),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    const slo = res.json<SloBody>();
    expect(res.headers.location).toBe(`/v1/slos/${slo.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(slo).toMatchObject({
      tenantId: tenant,
      projectId: 'checkout',
      name: body.name,
      target: 99.9,
      windowMinutes: 43_200,
      sli: {
        kind: 'ratio',
        goodMetric: 'checkout.requests.good',
        totalMetric: 'checkout.requests',
        filter: {},
      },
      errorBudget: 0.1,
      budgetRemaining: 0.1,
      status: 'healthy',
      lastEvaluatedAt: null,
      maintenanceWindows: [],
      version: 1,
    });
    const got = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${slo.id}`,
      headers: reader(tenant),
    });
    expect(got.json()).toEqual(slo);
    expect(got.headers.etag).toBe('"1"');
  });

  it('defines a latency SLO, filter sorted', async () => {
    const tenant = uniqueTenant('slo-latency');
    const slo = await createSlo(
      service,
      tenant,
      latencyBody({
        target: 100,
        sli: {
          kind: 'latency',
          metric: 'http.server.duration',
          percentile: 'p99',
          threshold: 250.5,
          filter: { service: 'payments-api', region: 'eu' },
        },
      }),
    );
    expect(slo.sli).toEqual({
      kind: 'latency',
      metric: 'http.server.duration',
      percentile: 'p99',
      threshold: 250.5,
      filter: { region: 'eu', service: 'payments-api' },
    });
    expect(Object.keys(slo.sli.filter as object)).toEqual(['region', 'service']);
    expect(slo).toMatchObject({ errorBudget: 0, budgetRemaining: 0, status: 'healthy' });
  });

  it.each([
    [{ target: 0 }, 'slo.invalid_target'],
    [{ target: 100.5 }, 'slo.invalid_target'],
    [{ target: 99.1234567 }, 'slo.invalid_target'],
    [{ name: '  ' }, 'slo.name_required'],
    [{ projectId: '' }, 'slo.project_required'],
    [{ sli: { kind: 'ratio', goodMetric: 'same', totalMetric: 'same' } }, 'slo.invalid_indicator'],
    [
      { sli: { kind: 'latency', metric: 'x', percentile: 'p95', threshold: -1 } },
      'slo.invalid_indicator',
    ],
  ])('refuses %j with 422 %s and stores nothing', async (overrides, code) => {
    const tenant = uniqueTenant('slo-422');
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: writer(tenant),
      payload: ratioBody(overrides),
    });
    expectProblem(res, 422, code);
    const list = await service.app.inject({
      method: 'GET',
      url: '/v1/slos',
      headers: reader(tenant),
    });
    expect(list.json()).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    [{ extra: 1 }, 'an unknown field'],
    [{ windowMinutes: 0 }, 'a zero window'],
    [{ windowMinutes: 1.5 }, 'a fractional window'],
    [{ windowMinutes: 600_000 }, 'a window over a year'],
    [{ sli: { kind: 'selector', metric: 'x' } }, 'an unknown SLI kind'],
    [{ sli: { kind: 'ratio', goodMetric: 'a', totalMetric: 'b', extra: true } }, 'SLI extra'],
    [{ target: '99.9' }, 'a string target'],
    [{ qualityDimension: 'speed' }, 'an unknown quality dimension'],
  ] as [Record<string, unknown>, string][])('answers 400 for %j (%s)', async (overrides) => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: writer(uniqueTenant('slo-400')),
      payload: ratioBody(overrides),
    });
    expectProblem(res, 400, 'validation_failed');
  });

  it('answers 409 for a name already used in the project, not in another project', async () => {
    const tenant = uniqueTenant('slo-unique');
    await createSlo(service, tenant, ratioBody({ name: 'Checkout availability' }));
    const clash = await service.app.inject({
      method: 'POST',
      url: '/v1/slos',
      headers: writer(tenant),
      payload: ratioBody({ name: 'Checkout availability' }),
    });
    expectProblem(clash, 409, 'unique_violation');
    await createSlo(
      service,
      tenant,
      ratioBody({ name: 'Checkout availability', projectId: 'cart' }),
    );
    // Another tenant may use the same name.
    await createSlo(
      service,
      uniqueTenant('slo-unique-b'),
      ratioBody({ name: 'Checkout availability' }),
    );
  });
});

describe('GET /v1/slos/{id}', () => {
  it.each(['00000000-0000-4000-8000-000000000000'])(
    'answers 404 for %s (not an SLO of the tenant)',
    async (id) => {
      const res = await service.app.inject({
        method: 'GET',
        url: `/v1/slos/${id}`,
        headers: reader(uniqueTenant('slo-lookup')),
      });
      expectProblem(res, 404, 'not_found');
    },
  );
});

describe('GET /v1/slos', () => {
  it('lists newest first with keyset paging and filters', async () => {
    const tenant = uniqueTenant('slo-list');
    const a = await createSlo(service, tenant, ratioBody());
    const b = await createSlo(service, tenant, ratioBody({ projectId: 'cart' }));
    const c = await createSlo(service, tenant, latencyBody());
    const page1 = await service.app.inject({
      method: 'GET',
      url: '/v1/slos?limit=2',
      headers: reader(tenant),
    });
    const first = page1.json<{ items: SloBody[]; nextCursor: string | null }>();
    expect(first.items.map((s) => s.id)).toEqual(
      [c, b, a]
        .sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.id.localeCompare(x.id))
        .slice(0, 2)
        .map((s) => s.id),
    );
    expect(first.nextCursor).not.toBeNull();
    const page2 = await service.app.inject({
      method: 'GET',
      url: `/v1/slos?limit=2&cursor=${first.nextCursor}`,
      headers: reader(tenant),
    });
    const second = page2.json<{ items: SloBody[]; nextCursor: string | null }>();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((s) => s.id))).toEqual(
      new Set([a.id, b.id, c.id]),
    );
    const cart = await service.app.inject({
      method: 'GET',
      url: '/v1/slos?projectId=cart&status=healthy',
      headers: reader(tenant),
    });
    expect(cart.json<{ items: SloBody[] }>().items.map((s) => s.id)).toEqual([b.id]);
  });

  it('answers 400 for a malformed cursor', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/slos?cursor=nope',
      headers: reader(uniqueTenant('slo-cursor')),
    });
    expectProblem(res, 400, 'invalid_cursor');
  });
});

describe('PUT /v1/slos/{id}', () => {
  it('redefines with If-Match; a stale version answers 409 and changes nothing', async () => {
    const tenant = uniqueTenant('slo-put');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99 }));
    const ok = await put(tenant, slo.id, ratioBody({ name: 'Renamed', target: 95 }), '"1"');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json()).toMatchObject({ name: 'Renamed', target: 95, errorBudget: 5, version: 2 });
    const stale = await put(tenant, slo.id, ratioBody({ name: 'Again' }), '"1"');
    expectProblem(stale, 409, 'version_conflict');
    const got = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${slo.id}`,
      headers: reader(tenant),
    });
    expect(got.json()).toMatchObject({ name: 'Renamed', version: 2 });
  });

  it('keeps the quality dimension the definition declares; one that leaves it out guards its SLI default', async () => {
    const tenant = uniqueTenant('slo-dimension');
    const slo = await createSlo(service, tenant, ratioBody({ qualityDimension: 'performance' }));
    expect(slo).toMatchObject({ qualityDimension: 'performance', qualityDimensionDeclared: true });
    const latency = await createSlo(service, tenant, latencyBody());
    expect(latency).toMatchObject({
      qualityDimension: 'performance',
      qualityDimensionDeclared: false,
    });
    const replaced = await put(tenant, slo.id, ratioBody({ name: 'Undeclared' }), '"1"');
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({
      qualityDimension: 'reliability',
      qualityDimensionDeclared: false,
    });
    const bad = expectProblem(
      await put(tenant, slo.id, ratioBody({ qualityDimension: 'speed' })),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(bad)).toContain('qualityDimension');
  });

  it('answers 422 for an invalid definition and 409 for a clashing name', async () => {
    const tenant = uniqueTenant('slo-put-bad');
    const one = await createSlo(service, tenant, ratioBody({ name: 'One' }));
    await createSlo(service, tenant, ratioBody({ name: 'Two' }));
    expectProblem(await put(tenant, one.id, ratioBody({ target: 0 })), 422, 'slo.invalid_target');
    expectProblem(await put(tenant, one.id, ratioBody({ name: 'Two' })), 409, 'unique_violation');
  });
});

describe('DELETE /v1/slos/{id}', () => {
  it('deletes (204), then the id answers 404; a stale If-Match answers 409 first', async () => {
    const tenant = uniqueTenant('slo-delete');
    const slo = await createSlo(service, tenant);
    const stale = await service.app.inject({
      method: 'DELETE',
      url: `/v1/slos/${slo.id}`,
      headers: { ...writer(tenant), 'if-match': '"7"' },
    });
    expectProblem(stale, 409, 'version_conflict');
    const res = await service.app.inject({
      method: 'DELETE',
      url: `/v1/slos/${slo.id}`,
      headers: { ...writer(tenant), 'if-match': '"1"' },
    });
    expect(res.statusCode).toBe(204);
    for (const path of ['', '/status', '/burn-events']) {
      const gone = await service.app.inject({
        method: 'GET',
        url: `/v1/slos/${slo.id}${path}`,
        headers: reader(tenant),
      });
      expectProblem(gone, 404, 'not_found');
    }
  });
});

describe('status, burn events and maintenance windows before any window', () => {
  it('shows the whole budget and no burn', async () => {
    const tenant = uniqueTenant('slo-status');
    const slo = await createSlo(service, tenant, ratioBody({ target: 99.5 }));
    expect(await statusOf(service, tenant, slo.id)).toEqual({
      sloId: slo.id,
      status: 'healthy',
      target: 99.5,
      windowMinutes: 60,
      errorBudget: 0.5,
      budgetRemaining: 0.5,
      budgetRemainingPct: 100,
      badPct: 0,
      badEvents: 0,
      totalEvents: 0,
      burnRate: null,
      burnRates: { '5m': null, '30m': null, '1h': null, '6h': null },
      firingAlerts: [],
      activeBurnAlerts: [],
      lastEvaluatedAt: null,
      version: 1,
    });
    const burn = await service.app.inject({
      method: 'GET',
      url: `/v1/slos/${slo.id}/burn-events`,
      headers: reader(tenant),
    });
    expect(burn.json()).toEqual({ items: [], nextCursor: null });
  });

  it('adds a maintenance window (200, new ETag); refuses one that ends before it starts', async () => {
    const tenant = uniqueTenant('slo-mw');
    const slo = await createSlo(service, tenant);
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/slos/${slo.id}/maintenance-windows`,
      headers: { ...writer(tenant), 'if-match': '"1"' },
      payload: { start: '2024-05-01T22:00:00Z', end: '2024-05-01T23:00:00+00:00', reason: 'drill' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.json<SloBody>().maintenanceWindows).toEqual([
      {
        id: expect.any(String) as string,
        start: '2024-05-01T22:00:00.000Z',
        end: '2024-05-01T23:00:00.000Z',
        reason: 'drill',
      },
    ]);
    const bad = await service.app.inject({
      method: 'POST',
      url: `/v1/slos/${slo.id}/maintenance-windows`,
      headers: writer(tenant),
      payload: { start: '2024-05-01T23:00:00Z', end: '2024-05-01T22:00:00Z' },
    });
    expectProblem(bad, 422, 'slo.invalid_maintenance_window');
  });
});
