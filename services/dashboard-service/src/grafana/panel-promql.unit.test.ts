import type { DashboardScope, Panel, PanelType } from '@obs/domain';
import { describe, expect, it } from 'vitest';
import { labelOf, panelQuery, type PromSource } from './panel-promql.js';

const SCOPE: DashboardScope = { projectId: 'checkout', moduleId: null };

const panel = (type: PanelType, metric: string, groupBy: string[] = []): Panel => ({
  type,
  title: null,
  metric,
  sloId: null,
  groupBy,
  layout: { x: 0, y: 0, w: 12, h: 8 },
});

const exprOf = (p: Panel, source: PromSource | null, scope = SCOPE) =>
  panelQuery(p, scope, source)?.expr;

describe("a panel's PromQL on the platform's Prometheus names", () => {
  it('reads a gauge as it is, summed by the labels it groups by', () => {
    expect(exprOf(panel('timeseries', 'queue.depth'), { unit: '{item}', type: 'gauge' })).toBe(
      'queue_depth{project_id="checkout"}',
    );
    expect(
      exprOf(panel('stat', 'cpu.usage', ['service', 'host.name']), { unit: '1', type: 'gauge' }),
    ).toBe('sum by (service_name, host_name) (cpu_usage_ratio{project_id="checkout"})');
  });

  it('reads a counter as its per-second rate over $__rate_interval', () => {
    expect(
      exprOf(panel('timeseries', 'http.server.requests', ['environment']), {
        unit: '{request}',
        type: 'counter',
      }),
    ).toBe(
      'sum by (deployment_environment_name) (rate(http_server_requests_total{project_id="checkout"}[$__rate_interval]))',
    );
  });

  it('reads a histogram as its p95, and a heatmap as the bucket rates', () => {
    const source: PromSource = { unit: 's', type: 'histogram' };
    expect(exprOf(panel('timeseries', 'http.server.duration', ['service']), source)).toBe(
      'histogram_quantile(0.95, sum by (le, service_name) (rate(http_server_duration_seconds_bucket{project_id="checkout"}[$__rate_interval])))',
    );
    const heatmap = panelQuery(panel('heatmap', 'http.server.duration'), SCOPE, source);
    expect(heatmap).toMatchObject({
      expr: 'sum by (le) (rate(http_server_duration_seconds_bucket{project_id="checkout"}[$__rate_interval]))',
      format: 'heatmap',
      legendFormat: '{{le}}',
    });
  });

  it('reads a summary or exponential histogram as its mean (rate of sum / rate of count)', () => {
    expect(exprOf(panel('stat', 'rpc.duration'), { unit: 'ms', type: 'summary' })).toBe(
      'rate(rpc_duration_milliseconds_sum{project_id="checkout"}[$__rate_interval]) / rate(rpc_duration_milliseconds_count{project_id="checkout"}[$__rate_interval])',
    );
  });

  it("filters to the dashboard's module and quotes label values as PromQL strings", () => {
    expect(
      exprOf(
        panel('timeseries', 'queue.depth'),
        { unit: '', type: 'gauge' },
        { projectId: 'a"b\\c', moduleId: 'pay\nments' },
      ),
    ).toBe('queue_depth{project_id="a\\"b\\\\c", module_id="pay\\nments"}');
  });

  it('makes a table an instant query in table format', () => {
    expect(
      panelQuery(panel('table', 'queue.depth'), SCOPE, { unit: '', type: 'gauge' }),
    ).toMatchObject({ format: 'table', instant: true, range: false });
  });

  it('has no query without a metric or without its Prometheus series', () => {
    expect(panelQuery(panel('timeseries', 'gone'), SCOPE, null)).toBeNull();
    expect(panelQuery({ ...panel('trace', 'x'), metric: null }, SCOPE, null)).toBeNull();
  });

  it('names dimensions by their labels and attributes sanitized', () => {
    expect(['projectId', 'service', 'region', 'http.route', '2xx'].map(labelOf)).toEqual([
      'project_id',
      'service_name',
      'cloud_region',
      'http_route',
      'key_2xx',
    ]);
  });
});
