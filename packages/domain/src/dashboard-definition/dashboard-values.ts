import { ensure } from '../kernel/domain-error.js';
import { requiredText } from '../kernel/ids.js';

export const PANEL_TYPES = ['timeseries', 'stat', 'table', 'trace', 'heatmap'] as const;
export type PanelType = (typeof PANEL_TYPES)[number];

/** Value object: the project (and optionally one module of it) a dashboard covers. */
export interface DashboardScope {
  readonly projectId: string;
  /** null: the dashboard covers the whole project. */
  readonly moduleId: string | null;
}

export interface DashboardScopeInput {
  readonly projectId: string;
  readonly moduleId?: string | null;
}

export function panelType(value: string): PanelType {
  ensure(
    (PANEL_TYPES as readonly string[]).includes(value),
    'dashboard.invalid_panel_type',
    `panel type must be one of ${PANEL_TYPES.join(', ')}`,
    { value },
  );
  return value as PanelType;
}

export function dashboardScope(input: DashboardScopeInput): DashboardScope {
  const moduleId = input.moduleId ?? null;
  ensure(
    moduleId === null || (moduleId.trim() !== '' && moduleId.length <= 256),
    'dashboard.invalid_module',
    'scope.moduleId must be null or a non-empty identifier',
  );
  return {
    projectId: requiredText(input.projectId, 'scope.projectId', 'dashboard.project_required'),
    moduleId,
  };
}

export function sameDashboardScope(a: DashboardScope, b: DashboardScope): boolean {
  return a.projectId === b.projectId && a.moduleId === b.moduleId;
}
