import { createHash } from 'node:crypto';
import type { RunningService } from '@obs/service-kit';
import { bearer, expectProblem, TestClock } from '@obs/service-kit/testing';
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

/**
 * What the service does with its owning services: the panel data it reads from them, and what
 * it answers when they are down. Real HTTP throughout (contract servers, one closed port).
 */

const clock = new TestClock(Date.parse('2030-01-01T12:00:00.000Z'));
const tenant = uniqueTenant('dash-up');
let upstreams: ContractUpstreams;
let service: RunningService;
/** The same database, its owning services unreachable. */
let cutOff: RunningService;
let dashboard: DashboardBody;

beforeAll(async () => {
  upstreams = await startContractUpstreams();
  seedReferences(upstreams, tenant);
  service = await startDashboardService(upstreams, { clock });
  cutOff = await startDashboardService(
    { metricsUrl: upstreams.downUrl, slosUrl: upstreams.downUrl },
    { clock, config: { retryAfterSeconds: 7 } },
  );
  dashboard = await createDashboard(service, tenant, definition('Data'));
});
afterAll(async () => {
  await cutOff.close();
  await service.close();
  await upstreams.close();
});

const data = (target: RunningService, id: string, query: string, headers = reader(tenant)) =>
  target.app.inject({ method: 'GET', url: `/v1/dashboards/${id}/data${query}`, headers });

interface DataBody {
  window: string;
  aggregation: string;
  from: string;
  to: string;
  panels: {
    index: number;
    panelId: number;
    status: string;
    error: string | null;
    series: { groupKey: string; points: { value: number }[] }[] | null;
    slo: Record<string, unknown> | null;
    source: { kind: string };
  }[];
}

describe('GET /v1/dashboards/{id}/data', () => {
  it("answers each panel's data from its owning service, with the caller's token", async () => {
    const headers = reader(tenant);
    const before = upstreams.seen.length;
    const res = await data(
      service,
      dashboard.id,
      '?from=2030-01-01T10:00:00Z&to=2030-01-01T11:00:00Z&aggregation=p95',
      headers,
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<DataBody>();
    expect(body).toMatchObject({
      dashboardId: dashboard.id,
      version: 1,
      from: '2030-01-01T10:00:00.000Z',
      to: '2030-01-01T11:00:00.000Z',
      window: '1m',
      aggregation: 'p95',
    });
    const [metric, slo, trace] = body.panels;
    expect(metric).toMatchObject({ index: 0, panelId: 1, status: 'ok', error: null, slo: null });
    expect(metric?.series?.[0]).toMatchObject({ groupKey: 'service=service-a' });
    expect(metric?.series?.[0]?.points.map((p) => p.value)).toEqual([0, 1, 2, 3, 4]);
    expect(slo).toMatchObject({ index: 1, status: 'ok', series: null });
    expect(slo?.slo).toMatchObject({ id: SLO_ID, target: 99.9 });
    expect(trace).toMatchObject({ index: 2, status: 'no_series', series: null, slo: null });

    const calls = upstreams.seen.slice(before);
    const series = calls.find((c) => c.path === '/v1/metric-series');
    expect(series?.query).toEqual({
      metricName: METRIC,
      window: '1m',
      aggregation: 'p95',
      groupBy: 'service',
      from: '2030-01-01T10:00:00.000Z',
      to: '2030-01-01T11:00:00.000Z',
      projectId: 'checkout',
    });
    for (const c of calls) expect(c.authorization).toBe(headers.authorization);
  });

  it('defaults to the last 6 hours of the service clock, and picks the window by the range', async () => {
    const res = await data(service, dashboard.id, '');
    expect(res.json<DataBody>()).toMatchObject({
      from: '2030-01-01T06:00:00.000Z',
      to: '2030-01-01T12:00:00.000Z',
      window: '1m',
      aggregation: 'avg',
    });
    const week = await data(service, dashboard.id, '?from=2029-12-25T12:00:00Z');
    expect(week.json<DataBody>().window).toBe('1h');
    const twoDays = await data(service, dashboard.id, '?from=2029-12-30T12:00:00Z&window=1d');
    expect(twoDays.json<DataBody>().window).toBe('1d');
    // An offset is read as the instant it names; the answer is in UTC.
    const offset = await data(
      service,
      dashboard.id,
      `?from=${encodeURIComponent('2030-01-01T11:00:00+02:00')}&to=2030-01-01T10:00:00Z`,
    );
    expect(offset.json<DataBody>()).toMatchObject({
      from: '2030-01-01T09:00:00.000Z',
      to: '2030-01-01T10:00:00.000Z',
    });
  });

  it('reports a failing panel in its own entry and still answers the others', async () => {
    const t = uniqueTenant('dash-fail');
    seedReferences(upstreams, t);
    upstreams.addMetric(t, 'broken.metric');
    upstreams.addMetric(t, 'gone.metric');
    upstreams.addMetric(t, 'refused.metric');
    const body = definition('Failing');
    body.panels.push(
      {
        type: 'stat',
        title: 'b',
        metric: 'broken.metric',
        groupBy: [],
        layout: { x: 0, y: 18, w: 6, h: 4 },
      },
      {
        type: 'stat',
        title: 'g',
        metric: 'gone.metric',
        groupBy: [],
        layout: { x: 6, y: 18, w: 6, h: 4 },
      },
      {
        type: 'stat',
        title: 'r',
        metric: 'refused.metric',
        groupBy: [],
        layout: { x: 12, y: 18, w: 6, h: 4 },
      },
    );
    const created = await createDashboard(service, t, body);
    upstreams.failSeries('broken.metric', 500);
    upstreams.failSeries('gone.metric', 404);
    upstreams.failSeries('refused.metric', 400);
    const res = await data(service, created.id, '', reader(t));
    expect(res.statusCode, res.body).toBe(200);
    const panels = res.json<DataBody>().panels;
    expect(panels.map((p) => p.status)).toEqual([
      'ok',
      'ok',
      'no_series',
      'unavailable',
      'not_found',
      'refused',
    ]);
    expect(panels[3]?.error).toContain('metric-aggregation-service answered 500');
    expect(panels[4]?.error).toContain('gone.metric');
    // The owner's problem detail and status, as it answered.
    expect(panels[5]?.error).toBe('metric refused.metric: stub failure (400)');
    expect(panels.slice(3).every((p) => p.series === null)).toBe(true);
  });

  it('answers 200 with every panel unavailable when the owning services are down', async () => {
    const res = await data(cutOff, dashboard.id, '');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<DataBody>().panels.map((p) => p.status)).toEqual([
      'unavailable',
      'unavailable',
      'no_series',
    ]);
  });

  it('answers 422 dashboard.invalid_time_range when to is not after from', async () => {
    const res = await data(
      service,
      dashboard.id,
      '?from=2030-01-01T11:00:00Z&to=2030-01-01T11:00:00Z',
    );
    expectProblem(res, 422, 'dashboard.invalid_time_range');
  });
});

describe('an owning service that cannot be reached', () => {
  it('answers 503 with Retry-After on create and saves nothing', async () => {
    const res = await cutOff.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: definition('Never saved'),
    });
    const problem = expectProblem(res, 503, 'upstream_unavailable');
    expect(res.headers['retry-after']).toBe('7');
    expect(problem.detail).toMatch(/ECONNREFUSED/);
    const list = await service.app.inject({
      method: 'GET',
      url: '/v1/dashboards?limit=500',
      headers: reader(tenant),
    });
    expect(list.json<{ items: DashboardBody[] }>().items.map((d) => d.name)).not.toContain(
      'Never saved',
    );
  });

  it('answers 503 on a replace that adds a reference, and accepts one that adds none', async () => {
    const created = await createDashboard(service, tenant, definition('Cut off'));
    const withNew = definition('Cut off');
    withNew.panels.push({
      type: 'stat',
      title: 'new',
      metric: 'http.server.requests',
      groupBy: [],
      layout: { x: 0, y: 18, w: 6, h: 4 },
    });
    const put = (body: Record<string, unknown>) =>
      cutOff.app.inject({
        method: 'PUT',
        url: `/v1/dashboards/${created.id}`,
        headers: writer(tenant),
        payload: body,
      });
    const refused = await put(withNew);
    expectProblem(refused, 503, 'upstream_unavailable');
    expect(refused.headers['retry-after']).toBe('7');
    const renamed = await put(definition('Cut off, renamed'));
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json<DashboardBody>()).toMatchObject({ name: 'Cut off, renamed', version: 2 });
  });

  it('needs no owning service for trace-only dashboards', async () => {
    const res = await cutOff.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: writer(tenant),
      payload: {
        ...definition(),
        panels: [{ type: 'trace', layout: { x: 0, y: 0, w: 24, h: 8 } }],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('answers 403 when the owning service refuses the token (a write-only token)', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/dashboards',
      headers: bearer(tenant, ['write']),
      payload: definition(),
    });
    expect(expectProblem(res, 403, 'reference_forbidden').detail).toContain('read scope');
  });
});

describe('GET /v1/dashboards/{id}/grafana', () => {
  const exportOf = async (id: string, target = service) => {
    const res = await target.app.inject({
      method: 'GET',
      url: `/v1/dashboards/${id}/grafana`,
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.body;
  };
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('answers byte-identical JSON for the same definition, across versions and restarts', async () => {
    const created = await createDashboard(service, tenant, definition('Export'));
    const first = await exportOf(created.id);
    expect(await exportOf(created.id)).toBe(first);
    // Another process over the same database (a restart) exports the same bytes.
    const restarted = await startDashboardService(upstreams, { clock });
    try {
      expect(await exportOf(created.id, restarted)).toBe(first);
    } finally {
      await restarted.close();
    }
    const put = (body: Record<string, unknown>) =>
      service.app.inject({
        method: 'PUT',
        url: `/v1/dashboards/${created.id}`,
        headers: writer(tenant),
        payload: body,
      });
    clock.advanceMinutes(3);
    expect((await put(definition('Export, changed'))).statusCode).toBe(200);
    const changed = await exportOf(created.id);
    expect(sha(changed)).not.toBe(sha(first));
    expect(JSON.parse(changed)).toMatchObject({ title: 'Export, changed' });
    clock.advanceMinutes(3);
    const back = await put(definition('Export'));
    expect(back.json<DashboardBody>().version).toBe(3);
    // Version 3 has the definition of version 1: the export does not tell them apart.
    expect(await exportOf(created.id)).toBe(first);
    const parsed = JSON.parse(first) as { uid: string; panels: { id: number }[] };
    expect(parsed.uid).toBe(created.id);
    expect(parsed.panels.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(first.endsWith('}\n')).toBe(true);
  });

  it("queries the platform's Prometheus data source with the metric's Prometheus name", async () => {
    const created = await createDashboard(service, tenant, definition('Export names'));
    const exported = JSON.parse(await exportOf(created.id)) as {
      panels: { datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    expect(exported.panels[0]?.datasource).toEqual({
      type: 'prometheus',
      uid: 'obs-platform-metrics',
    });
    // The contract server exposes METRIC as a gauge in ms; the panel groups by service.
    expect(exported.panels[0]?.targets.map((t) => t.expr)).toEqual([
      'sum by (service_name) (http_server_duration_milliseconds{project_id="checkout", module_id="payments"})',
    ]);
    const metadataCall = upstreams.seen.find((r) => r.path === '/prometheus/api/v1/metadata');
    expect(metadataCall?.authorization).toMatch(/^Bearer /);
  });

  it('answers 503 with Retry-After when metric-aggregation-service is down, and needs it only for metric panels', async () => {
    const res = await cutOff.app.inject({
      method: 'GET',
      url: `/v1/dashboards/${dashboard.id}/grafana`,
      headers: reader(tenant),
    });
    expect(expectProblem(res, 503, 'upstream_unavailable').detail).toMatch(/Prometheus names/);
    expect(res.headers['retry-after']).toBe('7');
    const traces = await createDashboard(service, tenant, {
      name: 'Only traces',
      scope: { projectId: 'checkout', moduleId: null },
      panels: [{ type: 'trace', layout: { x: 0, y: 0, w: 24, h: 8 } }],
    });
    expect(JSON.parse(await exportOf(traces.id, cutOff))).toMatchObject({ title: 'Only traces' });
  });
});

describe('GET /v1/dashboards/grafana/datasource.yaml', () => {
  it("provisions Grafana's Prometheus data source at the platform, token from Grafana's environment", async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/dashboards/grafana/datasource.yaml',
      headers: reader(tenant),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.body).toContain(`url: "${upstreams.metricsUrl}/prometheus"`);
    expect(res.body).toContain('uid: "obs-platform-metrics"');
    expect(res.body).toContain('httpHeaderValue1: "Bearer ${OBS_PLATFORM_TOKEN}"');
  });
});
