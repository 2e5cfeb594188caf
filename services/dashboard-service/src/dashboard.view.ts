import type { DashboardDefinitionSnapshot, Panel } from '@obs/domain';

/** A panel as the API shows it: every field, nulls and empty lists included. */
export interface PanelView {
  readonly type: Panel['type'];
  readonly title: string | null;
  readonly metric: string | null;
  readonly sloId: string | null;
  readonly groupBy: string[];
  readonly layout: { x: number; y: number; w: number; h: number };
}

/** The dashboard as the API shows it: the snapshot with `id` and without the tenant (the token's). */
export interface DashboardView {
  readonly id: string;
  readonly name: string;
  readonly scope: { projectId: string; moduleId: string | null };
  readonly panels: PanelView[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const panelView = (panel: Panel): PanelView => ({
  type: panel.type,
  title: panel.title,
  metric: panel.metric,
  sloId: panel.sloId,
  groupBy: [...panel.groupBy],
  layout: { ...panel.layout },
});

export function viewOfSnapshot(snapshot: DashboardDefinitionSnapshot): DashboardView {
  return {
    id: snapshot.dashboardId,
    name: snapshot.name,
    scope: { ...snapshot.scope },
    panels: snapshot.panels.map(panelView),
    version: snapshot.version,
    createdAt: snapshot.createdAt,
    updatedAt: snapshot.updatedAt,
  };
}
