import { DashboardDefinition, type DashboardDefinitionSnapshot } from '@obs/domain';
import {
  defaultDashboard,
  type Dashboard,
  type Panel as GrafanaSchemaPanel,
} from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import {
  GRAFANA_DATASOURCE_UID,
  GRAFANA_SCHEMA_VERSION,
  grafanaJson,
  toGrafanaDashboard,
} from './grafana-export.js';
import type { PromSource } from './panel-promql.js';

/** How the two metrics are exposed on the platform's Prometheus API. */
const SOURCES = new Map<string, PromSource | null>([
  ['http.server.duration', { unit: 'ms', type: 'gauge' }],
  ['http.server.requests', { unit: '{request}', type: 'counter' }],
]);

const context = {
  nameTaken: false,
  knownMetrics: new Set(['http.server.duration', 'http.server.requests']),
  knownSloIds: new Set(['slo-1']),
};

function snapshotOf(panels = PANELS, name = 'Payments latency'): DashboardDefinitionSnapshot {
  return DashboardDefinition.create(
    {
      dashboardId: '6f1c2a8e-3d4b-4c5a-9e7f-0a1b2c3d4e5f',
      tenantId: 'acme',
      name,
      scope: { projectId: 'checkout', moduleId: 'payments' },
      panels,
      createdAt: '2024-05-01T09:00:00Z',
    },
    context,
  ).toSnapshot();
}

const PANELS = [
  {
    type: 'timeseries',
    title: 'p95 latency',
    metric: 'http.server.duration',
    groupBy: ['service', 'http.route'],
    layout: { x: 0, y: 0, w: 12, h: 8 },
  },
  { type: 'stat', sloId: 'slo-1', layout: { x: 12, y: 0, w: 12, h: 8 } },
  { type: 'heatmap', metric: 'http.server.requests', layout: { x: 0, y: 8, w: 12, h: 8 } },
  { type: 'trace', layout: { x: 12, y: 8, w: 12, h: 8 } },
];

describe('Grafana export', () => {
  it("is a Dashboard of @grafana/schema (compiled by tsc) with the schema's current version", () => {
    // The assignment is the type check: tsc -b fails if the export stops fitting the schema.
    const dashboard: Dashboard = toGrafanaDashboard(snapshotOf(), SOURCES);
    const panels: GrafanaSchemaPanel[] = toGrafanaDashboard(snapshotOf(), SOURCES).panels;
    expect(dashboard.schemaVersion).toBe(GRAFANA_SCHEMA_VERSION);
    expect(GRAFANA_SCHEMA_VERSION).toBe(defaultDashboard.schemaVersion);
    expect(panels).toHaveLength(4);
  });

  it("carries every field Grafana's schema requires, at run time", () => {
    const parsed = JSON.parse(grafanaJson(toGrafanaDashboard(snapshotOf(), SOURCES))) as Record<
      string,
      unknown
    >;
    // Dashboard: schemaVersion required; panels: type required; gridPos: h, w, x, y;
    // fieldConfig: defaults and overrides; a data source ref: type/uid strings.
    expect(typeof parsed.schemaVersion).toBe('number');
    expect(typeof parsed.uid).toBe('string');
    expect((parsed.uid as string).length).toBeGreaterThanOrEqual(8);
    expect((parsed.uid as string).length).toBeLessThanOrEqual(40);
    const panels = parsed.panels as Record<string, unknown>[];
    for (const panel of panels) {
      expect(typeof panel.type).toBe('string');
      expect(Object.keys(panel.gridPos as object).sort()).toEqual(['h', 'w', 'x', 'y']);
      expect(panel.fieldConfig).toEqual({ defaults: {}, overrides: [] });
      for (const target of panel.targets as Record<string, unknown>[]) {
        expect(typeof target.refId).toBe('string');
      }
    }
    // No variable to pick on import: the data source is the platform's, provisioned by uid.
    expect(parsed.templating).toEqual({ list: [] });
  });

  it('numbers panels 1..n in definition order and places them by their layout', () => {
    const dashboard = toGrafanaDashboard(snapshotOf(), SOURCES);
    expect(dashboard.panels.map((p) => [p.id, p.type, p.title, p.gridPos])).toEqual([
      [1, 'timeseries', 'p95 latency', { h: 8, w: 12, x: 0, y: 0 }],
      [2, 'stat', 'SLO slo-1', { h: 8, w: 12, x: 12, y: 0 }],
      [3, 'heatmap', 'http.server.requests', { h: 8, w: 12, x: 0, y: 8 }],
      [4, 'traces', 'Traces', { h: 8, w: 12, x: 12, y: 8 }],
    ]);
    expect(dashboard.panels[0]?.targets).toEqual([
      {
        datasource: { type: 'prometheus', uid: GRAFANA_DATASOURCE_UID },
        expr: 'sum by (service_name, http_route) (http_server_duration_milliseconds{project_id="checkout", module_id="payments"})',
        format: 'time_series',
        instant: false,
        legendFormat: '{{service_name}} {{http_route}}',
        range: true,
        refId: 'A',
      },
    ]);
    expect(dashboard.panels[2]?.targets[0]?.expr).toBe(
      'rate(http_server_requests_total{project_id="checkout", module_id="payments"}[$__rate_interval])',
    );
    // A heatmap of a series that is not a histogram's buckets: Grafana buckets it.
    expect(dashboard.panels[2]?.options).toEqual({ calculate: true });
    expect(dashboard.panels.every((p) => p.datasource.uid === GRAFANA_DATASOURCE_UID)).toBe(true);
    expect(dashboard.panels[1]?.targets).toEqual([]);
    expect(dashboard.panels[3]?.targets).toEqual([]);
  });

  it('has no volatile field: no numeric id, version, iteration or timestamps', () => {
    const json = grafanaJson(toGrafanaDashboard(snapshotOf(), SOURCES));
    const parsed = JSON.parse(json) as Record<string, unknown>;
    for (const volatile of ['id', 'version', 'iteration', 'created', 'updated']) {
      expect(parsed, volatile).not.toHaveProperty(volatile);
    }
    expect(json).not.toContain('2024-05-01');
  });

  it('is byte-identical for the same definition, whatever its version or times', () => {
    const first = snapshotOf();
    const later: DashboardDefinitionSnapshot = {
      ...first,
      version: 7,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-06-01T00:00:00.000Z',
    };
    const a = grafanaJson(toGrafanaDashboard(first, SOURCES));
    expect(grafanaJson(toGrafanaDashboard(later, SOURCES))).toBe(a);
    expect(grafanaJson(toGrafanaDashboard(snapshotOf(PANELS, 'Renamed'), SOURCES))).not.toBe(a);
  });

  it('writes keys sorted at every depth, indented, with a final newline', () => {
    const json = grafanaJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    expect(json).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
    const exported = grafanaJson(toGrafanaDashboard(snapshotOf(), SOURCES));
    const keys = Object.keys(JSON.parse(exported) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it('gives a metric with no Prometheus series no query, and says why', () => {
    const dashboard = toGrafanaDashboard(snapshotOf(), new Map());
    expect(dashboard.panels[0]?.targets).toEqual([]);
    expect(dashboard.panels[0]?.description).toContain('no series on the platform');
  });
});
