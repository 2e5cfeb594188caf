import type { DashboardDefinitionSnapshot, Panel, PanelType } from '@obs/domain';
import { canonicalJson } from '@obs/service-kit';
import { panelQuery, type PromSource } from './panel-promql.js';

/**
 * The Grafana dashboard model this service exports: a subset of `@grafana/schema`'s Dashboard
 * (the tests assign it to that type, so tsc holds the two together). No field changes unless the
 * definition does: no numeric `id`, no `version`, `iteration` or timestamps (grafana#22478), and
 * panel ids and grid positions come from the definition's panel order and layout.
 */
export interface GrafanaDatasourceRef {
  readonly type: string;
  readonly uid: string;
}

/** A type alias, not an interface: Grafana types targets as `Record<string, unknown>`. */
export type GrafanaTarget = {
  readonly datasource: GrafanaDatasourceRef;
  readonly expr: string;
  readonly format: 'time_series' | 'table' | 'heatmap';
  readonly instant: boolean;
  readonly legendFormat: string;
  readonly range: boolean;
  readonly refId: string;
};

export interface GrafanaPanel {
  readonly datasource: GrafanaDatasourceRef;
  readonly description: string;
  readonly fieldConfig: { readonly defaults: Record<string, never>; readonly overrides: never[] };
  readonly gridPos: {
    readonly h: number;
    readonly w: number;
    readonly x: number;
    readonly y: number;
  };
  readonly id: number;
  /** `calculate` lets a heatmap bucket a series that is not a histogram's buckets. */
  readonly options: { readonly calculate?: boolean };
  readonly targets: GrafanaTarget[];
  readonly title: string;
  readonly type: string;
}

export interface GrafanaDashboard {
  readonly annotations: { readonly list: never[] };
  readonly description: string;
  readonly editable: boolean;
  readonly fiscalYearStartMonth: number;
  readonly graphTooltip: number;
  readonly links: never[];
  readonly panels: GrafanaPanel[];
  readonly schemaVersion: number;
  readonly tags: string[];
  readonly templating: { readonly list: never[] };
  readonly time: { readonly from: string; readonly to: string };
  readonly timepicker: Record<string, never>;
  readonly timezone: string;
  readonly title: string;
  readonly uid: string;
  readonly weekStart: string;
}

/** The schema version of `@grafana/schema` 13 (its defaultDashboard). */
export const GRAFANA_SCHEMA_VERSION = 42;

/**
 * Metric panels query the platform itself: the Prometheus HTTP API of metric-aggregation-service
 * (`/prometheus`), provisioned in Grafana under this uid by the data source file
 * (`GET /v1/dashboards/grafana/datasource.yaml`), so an imported dashboard shows data at once.
 */
export const GRAFANA_DATASOURCE_UID = 'obs-platform-metrics';
const DATASOURCE: GrafanaDatasourceRef = { type: 'prometheus', uid: GRAFANA_DATASOURCE_UID };

const GRAFANA_PANEL_TYPE: Record<PanelType, string> = {
  timeseries: 'timeseries',
  stat: 'stat',
  table: 'table',
  heatmap: 'heatmap',
  trace: 'traces',
};

type Sources = ReadonlyMap<string, PromSource | null>;

function targetsOf(panel: Panel, snapshot: DashboardDefinitionSnapshot, sources: Sources) {
  const query = panelQuery(panel, snapshot.scope, sources.get(panel.metric ?? '') ?? null);
  return query === null ? [] : [{ datasource: DATASOURCE, ...query, refId: 'A' }];
}

function titleOf(panel: Panel): string {
  if (panel.title !== null) return panel.title;
  if (panel.metric !== null) return panel.metric;
  if (panel.sloId !== null) return `SLO ${panel.sloId}`;
  return 'Traces';
}

function descriptionOf(panel: Panel, sources: Sources): string {
  if (panel.metric !== null) {
    return sources.get(panel.metric)
      ? `metric ${panel.metric}`
      : `metric ${panel.metric}: no series on the platform's Prometheus API (a delta sum, or no longer sent), so no query; its windows are served by GET /v1/metric-series`;
  }
  if (panel.sloId !== null) {
    return `SLO ${panel.sloId}: its status and error budget are served by slo-service (GET /v1/slos/${panel.sloId})`;
  }
  return "traces of the dashboard's scope";
}

function grafanaPanel(
  panel: Panel,
  index: number,
  snapshot: DashboardDefinitionSnapshot,
  sources: Sources,
): GrafanaPanel {
  const targets = targetsOf(panel, snapshot, sources);
  const bucketsRead = targets.some((t) => t.format === 'heatmap');
  return {
    datasource: DATASOURCE,
    description: descriptionOf(panel, sources),
    fieldConfig: { defaults: {}, overrides: [] },
    gridPos: { h: panel.layout.h, w: panel.layout.w, x: panel.layout.x, y: panel.layout.y },
    // 1, 2, 3… in definition order: the same definition always numbers its panels alike.
    id: index + 1,
    options: panel.type === 'heatmap' && !bucketsRead ? { calculate: true } : {},
    targets,
    title: titleOf(panel),
    type: GRAFANA_PANEL_TYPE[panel.type],
  };
}

/**
 * The definition as Grafana dashboard JSON; a pure function of name, scope, panels and how each
 * plotted metric is exposed on the platform's Prometheus API (`sources`, by metric name; a
 * metric missing there gets no query).
 */
export function toGrafanaDashboard(
  snapshot: DashboardDefinitionSnapshot,
  sources: Sources = new Map(),
): GrafanaDashboard {
  const { scope } = snapshot;
  return {
    annotations: { list: [] },
    description: `Exported by dashboard-service from dashboard ${snapshot.dashboardId} (project ${scope.projectId}${scope.moduleId === null ? '' : `, module ${scope.moduleId}`})`,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    links: [],
    panels: snapshot.panels.map((panel, index) => grafanaPanel(panel, index, snapshot, sources)),
    schemaVersion: GRAFANA_SCHEMA_VERSION,
    tags: [
      `project:${scope.projectId}`,
      ...(scope.moduleId === null ? [] : [`module:${scope.moduleId}`]),
    ],
    templating: { list: [] },
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    title: snapshot.name,
    // The dashboard id (a UUID, 36 characters: Grafana takes 8-40): stable across exports.
    uid: snapshot.dashboardId,
    weekStart: '',
  };
}

/**
 * The export's bytes: keys sorted at every depth (so the order code builds an object in never
 * shows), two-space indentation and a final newline, as a file kept in Git wants.
 */
export const grafanaJson = (value: object): string => `${canonicalJson(value, 2)}\n`;
