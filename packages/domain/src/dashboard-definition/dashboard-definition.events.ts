import type { DomainEvent } from '../kernel/aggregate-root.js';
import type { DashboardScope } from './dashboard-values.js';

export const DASHBOARD_DEFINITION_AGGREGATE_TYPE = 'DashboardDefinition';

/** Payload contract: the event payload schemas in packages/event-envelope/src/payloads (DashboardDefined public, DashboardUpdated internal). */
export interface DashboardDefinitionPayload {
  readonly dashboardId: string;
  readonly name: string;
  readonly scope: DashboardScope;
  readonly panelCount: number;
  readonly version: number;
}

export type DashboardDefinedPayload = DashboardDefinitionPayload;
export type DashboardUpdatedPayload = DashboardDefinitionPayload;

export type DashboardDefined = DomainEvent<'DashboardDefined', DashboardDefinedPayload>;
export type DashboardUpdated = DomainEvent<'DashboardUpdated', DashboardUpdatedPayload>;

export type DashboardDefinitionEvent = DashboardDefined | DashboardUpdated;
