import type { DashboardDefinitionSnapshot, Panel, PanelType } from '@obs/domain';
import { canonicalJson } from '@obs/service-kit';

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
  readonly legendFormat: string;
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
  readonly options: Record<string, never>;
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
  readonly templating: {
    readonly list: {
      readonly type: 'datasource';
      readonly name: string;
      readonly label: string;
      readonly query: string;
      readonly hide: 0;
      readonly skipUrlSync: boolean;
    }[];
  };
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
 * Metric panels query a Prometheus-compatible data source chosen on import (the `datasource`
 * variable): OTLP metrics usually land in one, under the name the OTLP→Prometheus translation gives.
 */
const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE: GrafanaDatasourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

const GRAFANA_PANEL_TYPE: Record<PanelType, string> = {
  timeseries: 'timeseries',
  stat: 'stat',
  table: 'table',
  heatmap: 'heatmap',
  trace: 'traces',
};

/** OTLP→Prometheus name translation: characters Prometheus names cannot hold become `_`. */
export function prometheusName(name: string): string {
  const sanitized = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(sanitized) ? `_${sanitized}` : sanitized;
}

function labelList(groupBy: readonly string[]): string {
  return groupBy.map(prometheusName).join(', ');
}

function targetsOf(panel: Panel): GrafanaTarget[] {
  if (panel.metric === null) return [];
  const metric = prometheusName(panel.metric);
  const expr =
    panel.groupBy.length > 0 ? `sum by (${labelList(panel.groupBy)}) (${metric})` : metric;
  const legendFormat =
    panel.groupBy.length > 0
      ? panel.groupBy.map((d) => `{{${prometheusName(d)}}}`).join(' ')
      : '__auto';
  return [{ datasource: DATASOURCE, expr, legendFormat, refId: 'A' }];
}

function titleOf(panel: Panel): string {
  if (panel.title !== null) return panel.title;
  if (panel.metric !== null) return panel.metric;
  if (panel.sloId !== null) return `SLO ${panel.sloId}`;
  return 'Traces';
}

function descriptionOf(panel: Panel): string {
  if (panel.metric !== null) return `metric ${panel.metric}`;
  if (panel.sloId !== null) {
    return `SLO ${panel.sloId}: its status and error budget are served by slo-service (GET /v1/slos/${panel.sloId})`;
  }
  return "traces of the dashboard's scope";
}

function grafanaPanel(panel: Panel, index: number): GrafanaPanel {
  return {
    datasource: DATASOURCE,
    description: descriptionOf(panel),
    fieldConfig: { defaults: {}, overrides: [] },
    gridPos: { h: panel.layout.h, w: panel.layout.w, x: panel.layout.x, y: panel.layout.y },
    // 1, 2, 3… in definition order: the same definition always numbers its panels alike.
    id: index + 1,
    options: {},
    targets: targetsOf(panel),
    title: titleOf(panel),
    type: GRAFANA_PANEL_TYPE[panel.type],
  };
}

/** The definition as Grafana dashboard JSON; a pure function of name, scope and panels. */
export function toGrafanaDashboard(snapshot: DashboardDefinitionSnapshot): GrafanaDashboard {
  const { scope } = snapshot;
  return {
    annotations: { list: [] },
    description: `Exported by dashboard-service from dashboard ${snapshot.dashboardId} (project ${scope.projectId}${scope.moduleId === null ? '' : `, module ${scope.moduleId}`})`,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    links: [],
    panels: snapshot.panels.map(grafanaPanel),
    schemaVersion: GRAFANA_SCHEMA_VERSION,
    tags: [
      `project:${scope.projectId}`,
      ...(scope.moduleId === null ? [] : [`module:${scope.moduleId}`]),
    ],
    templating: {
      list: [
        {
          type: 'datasource',
          name: DATASOURCE_VARIABLE,
          label: 'Metrics data source',
          query: 'prometheus',
          hide: 0,
          skipUrlSync: false,
        },
      ],
    },
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
