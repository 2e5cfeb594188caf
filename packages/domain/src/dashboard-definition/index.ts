export type { PanelType, DashboardScope, DashboardScopeInput } from './dashboard-values.js';
export { PANEL_TYPES, panelType, dashboardScope, sameDashboardScope } from './dashboard-values.js';
export type { PanelLayout, Panel, PanelInput, PanelReferences } from './panel.entity.js';
export {
  GRID_COLUMNS,
  MAX_PANELS,
  panel,
  panelList,
  ensureResolvableReferences,
} from './panel.entity.js';
export type {
  DashboardDefinitionPayload,
  DashboardDefinedPayload,
  DashboardUpdatedPayload,
  DashboardDefined,
  DashboardUpdated,
  DashboardDefinitionEvent,
} from './dashboard-definition.events.js';
export { DASHBOARD_DEFINITION_AGGREGATE_TYPE } from './dashboard-definition.events.js';
export type {
  DashboardDefinitionSnapshot,
  DefineDashboardInput,
  DashboardChanges,
  DashboardContext,
} from './dashboard-definition.aggregate.js';
export { DashboardDefinition } from './dashboard-definition.aggregate.js';
