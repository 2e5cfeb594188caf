import { createDashboardService } from '@obs/dashboard-service';
import type { RunningService } from '@obs/service-kit';
import { bearer, startTestService, TestClock } from '@obs/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricService, type ListeningMetricService } from './fixtures/metric-service.js';
import { at, resourceAttributes, sdkMeter } from './fixtures/otel-metrics-sdk.js';

/**
 * Issue #23: a dashboard exported for Grafana queries the platform itself. Dashboards with every
 * panel type over every kind of metric the OpenTelemetry SDK sends (counter, up-down counter,
 * gauge, histogram) are exported, and every panel query is sent to the real
 * metric-aggregation-service's Prometheus API as Grafana sends it (form-encoded POST to
 * /prometheus/api/v1/query_range, `$__rate_interval` replaced as Grafana does for the provisioned
 * data source); each must answer success with data.
 */

const tenant = `e2e-grafana-${Date.now()}`;
const user = bearer(tenant, ['read', 'write']);
const MINUTE = 60_000;
/** Ten minutes of event time, an export every 30 s, ending before the wall clock. */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 15 * MINUTE;
const END = T0 + 10 * MINUTE;
const clock = new TestClock(END + MINUTE);
/**
 * Grafana's `$__rate_interval` for this range: max(4 × the data source's scrape interval (60 s,
 * datasource.yaml's timeInterval), step + scrape interval).
 */
const STEP_S = 30;
const RATE_INTERVAL = '4m';

let metrics: ListeningMetricService;
let dashboards: RunningService;

beforeAll(async () => {
  metrics = await startMetricService(clock);
  dashboards = await startTestService(
    createDashboardService({
      metricServiceUrl: metrics.url,
      // No SLO panels here: slo-service is never asked.
      sloServiceUrl: 'http://127.0.0.1:9',
      upstreamTimeoutMs: 10_000,
      retryAfterSeconds: 5,
      grafanaDatasourceUrl: `${metrics.url}/prometheus`,
    }),
    { clock: clock.now, env: { RATE_LIMIT_MAX: '100000' } },
  );
}, 120_000);
afterAll(async () => {
  await dashboards?.close();
  await metrics?.service.close();
});

/** Sends ten minutes of every instrument kind through the SDK and its OTLP/HTTP exporter. */
async function sendMetrics(): Promise<void> {
  const sdk = sdkMeter({
    baseUrl: metrics.url,
    authorization: bearer(tenant, ['ingest']).authorization,
    resource: resourceAttributes(tenant),
  });
  const { meter } = sdk;
  const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
  const queue = meter.createUpDownCounter('queue.items', { unit: '{item}' });
  const memory = meter.createGauge('process.memory.usage', { unit: 'By' });
  const cpu = meter.createGauge('cpu.utilization', { unit: '1' });
  const latency = meter.createHistogram('http.server.duration', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [100, 250, 500, 1000] },
  });
  for (let t = T0; t <= END; t += STEP_S * 1_000) {
    const i = (t - T0) / (STEP_S * 1_000);
    at(t - 1_000, () => {
      requests.add(5 + (i % 3), { 'http.route': '/pay' });
      requests.add(2, { 'http.route': '/cart' });
      queue.add(i % 2 === 0 ? 3 : -1);
      memory.record(50_000_000 + i * 1_000);
      cpu.record(0.25 + (i % 4) / 10);
      latency.record(120 + (i % 5) * 90, { 'http.route': '/pay' });
    });
    await sdk.exportAt(t);
  }
  await sdk.shutdown();
}

const layout = (n: number) => ({ x: (n % 2) * 12, y: Math.floor(n / 2) * 8, w: 12, h: 8 });

/** Every panel type over every metric kind; `metric` panels' groupBy varies. */
const PROJECT_DASHBOARD = {
  name: 'Checkout, every panel',
  scope: { projectId: 'checkout', moduleId: null },
  panels: [
    { type: 'timeseries', metric: 'http.server.requests', groupBy: ['http.route'] },
    { type: 'stat', metric: 'http.server.requests' },
    { type: 'table', metric: 'queue.items', groupBy: ['service'] },
    { type: 'heatmap', metric: 'process.memory.usage' },
    { type: 'timeseries', metric: 'cpu.utilization', groupBy: ['environment', 'region'] },
    { type: 'heatmap', metric: 'http.server.requests' },
    { type: 'timeseries', metric: 'http.server.duration', groupBy: ['service'] },
    { type: 'heatmap', metric: 'http.server.duration' },
    { type: 'trace', title: 'Slow traces' },
  ].map((panel, n) => ({ ...panel, layout: layout(n) })),
};
const MODULE_DASHBOARD = {
  name: 'Payments module',
  scope: { projectId: 'checkout', moduleId: 'payments' },
  panels: [
    { type: 'stat', metric: 'cpu.utilization' },
    { type: 'table', metric: 'http.server.requests', groupBy: ['http.route', 'moduleId'] },
    { type: 'timeseries', metric: 'queue.items' },
    { type: 'heatmap', metric: 'queue.items', groupBy: ['agentId'] },
  ].map((panel, n) => ({ ...panel, layout: layout(n) })),
};

interface ExportedPanel {
  type: string;
  description: string;
  datasource: { type: string; uid: string };
  targets: { expr: string; instant: boolean; datasource: { uid: string } }[];
}

async function exportDashboard(body: object): Promise<ExportedPanel[]> {
  const created = await dashboards.app.inject({
    method: 'POST',
    url: '/v1/dashboards',
    headers: user,
    payload: body,
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json<{ id: string }>().id;
  const exported = await dashboards.app.inject({
    method: 'GET',
    url: `/v1/dashboards/${id}/grafana`,
    headers: user,
  });
  expect(exported.statusCode, exported.body).toBe(200);
  return exported.json<{ panels: ExportedPanel[] }>().panels;
}

/** A query as Grafana's Prometheus data source sends it: form-encoded POST, token in a header. */
async function grafanaQuery(path: 'query' | 'query_range', form: Record<string, string>) {
  const res = await fetch(`${metrics.url}/prometheus/api/v1/${path}`, {
    method: 'POST',
    headers: {
      authorization: bearer(tenant, ['read']).authorization,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { values?: unknown[]; value?: unknown }[] };
    },
  };
}

describe('Grafana export over the platform’s Prometheus API', () => {
  it('evaluates every panel query of exported dashboards with data', async () => {
    await sendMetrics();
    const panels = [
      ...(await exportDashboard(PROJECT_DASHBOARD)),
      ...(await exportDashboard(MODULE_DASHBOARD)),
    ];
    const evaluated: string[] = [];
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: 'obs-platform-metrics' });
      if (panel.type === 'traces') {
        expect(panel.targets).toEqual([]);
        continue;
      }
      if (panel.targets.length === 0) {
        // Only a metric with no Prometheus series may go without a query: the histogram, while
        // histograms are not exposed on the Prometheus API (docs/services/metric-aggregation.md).
        expect(panel.description).toMatch(/^metric http\.server\.duration: no series/);
        continue;
      }
      for (const target of panel.targets) {
        expect(target.datasource.uid).toBe('obs-platform-metrics');
        const expr = target.expr.replaceAll('$__rate_interval', RATE_INTERVAL);
        const range = await grafanaQuery('query_range', {
          query: expr,
          start: String((T0 + 5 * MINUTE) / 1000),
          end: String(END / 1000),
          step: String(STEP_S),
        });
        expect(range.status, `${expr}: ${JSON.stringify(range.body)}`).toBe(200);
        expect(range.body.status).toBe('success');
        expect(range.body.data?.resultType).toBe('matrix');
        expect(range.body.data?.result.length, expr).toBeGreaterThan(0);
        expect(range.body.data?.result.every((s) => (s.values?.length ?? 0) > 0)).toBe(true);
        if (target.instant) {
          const instant = await grafanaQuery('query', { query: expr, time: String(END / 1000) });
          expect(instant.status, `${expr}: ${JSON.stringify(instant.body)}`).toBe(200);
          expect(instant.body.data?.result.length, expr).toBeGreaterThan(0);
        }
        evaluated.push(expr);
      }
    }
    // Every metric panel but (for now) the histogram's two has a query; each answered with data.
    expect(evaluated.length).toBeGreaterThanOrEqual(10);
    expect(evaluated.some((e) => e.startsWith('sum by (http_route) (rate('))).toBe(true);
    expect(evaluated).toContain('queue_items{project_id="checkout", module_id="payments"}');
  }, 300_000);

  it('serves the data source provisioning file pointing at the same API', async () => {
    const res = await dashboards.app.inject({
      method: 'GET',
      url: '/v1/dashboards/grafana/datasource.yaml',
      headers: user,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`url: "${metrics.url}/prometheus"`);
  });
});
