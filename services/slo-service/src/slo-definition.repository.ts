import {
  SloDefinition,
  sliMetrics,
  type ActiveBurnAlert,
  type BudgetBurnEvent,
  type BurnRateAlertsConfig,
  type MaintenanceWindow,
  type Sli,
  type SloDefinitionSnapshot,
  type SloLastEvaluation,
  type SloStatus,
} from '@obs/domain';
import { AggregateStore, type UnitOfWork } from '@obs/service-kit';
import { EntitySchema, type DataSource } from 'typeorm';

export interface SloRow {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  indicator: Sli;
  /** Derived from the indicator (sliMetrics); indexed for the consumer, never read back. */
  metricNames: string[];
  target: number;
  windowMinutes: number;
  errorBudget: number;
  budgetRemaining: number;
  status: string;
  badPct: number;
  lastEvaluatedAt: Date | null;
  lastEvaluation: SloLastEvaluation;
  burnEvents: BudgetBurnEvent[];
  maintenanceWindows: MaintenanceWindow[];
  burnRateAlerts: BurnRateAlertsConfig;
  /** Declared by the definition; null: its SLI's default. */
  qualityDimension: string | null;
  activeBurnAlerts: ActiveBurnAlert[];
  createdAt: Date;
  version: number;
}

export const SloEntity = new EntitySchema<SloRow>({
  name: 'Slo',
  tableName: 'slos',
  columns: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'text', name: 'tenant_id' },
    projectId: { type: 'text', name: 'project_id' },
    name: { type: 'text' },
    indicator: { type: 'jsonb' },
    metricNames: { type: 'text', name: 'metric_names', array: true },
    target: { type: 'double precision' },
    windowMinutes: { type: 'integer', name: 'window_minutes' },
    errorBudget: { type: 'double precision', name: 'error_budget' },
    budgetRemaining: { type: 'double precision', name: 'budget_remaining' },
    status: { type: 'text' },
    badPct: { type: 'double precision', name: 'bad_pct' },
    lastEvaluatedAt: { type: 'timestamptz', name: 'last_evaluated_at', nullable: true },
    lastEvaluation: { type: 'jsonb', name: 'last_evaluation' },
    burnEvents: { type: 'jsonb', name: 'burn_events' },
    maintenanceWindows: { type: 'jsonb', name: 'maintenance_windows' },
    burnRateAlerts: { type: 'jsonb', name: 'burn_rate_alerts' },
    qualityDimension: { type: 'text', name: 'quality_dimension', nullable: true },
    activeBurnAlerts: { type: 'jsonb', name: 'active_burn_alerts' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    version: { type: 'integer' },
  },
});

export function toSloRow(snapshot: SloDefinitionSnapshot, version: number): SloRow {
  return {
    id: snapshot.sloId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    name: snapshot.name,
    indicator: { ...snapshot.indicator, filter: { ...snapshot.indicator.filter } },
    metricNames: sliMetrics(snapshot.indicator),
    target: snapshot.target,
    windowMinutes: snapshot.windowMinutes,
    errorBudget: snapshot.errorBudget,
    budgetRemaining: snapshot.budgetRemaining,
    status: snapshot.status,
    badPct: snapshot.badPct,
    lastEvaluatedAt: snapshot.lastEvaluatedAt === null ? null : new Date(snapshot.lastEvaluatedAt),
    lastEvaluation: {
      ...snapshot.lastEvaluation,
      burnRates: { ...snapshot.lastEvaluation.burnRates },
      firingAlerts: [...snapshot.lastEvaluation.firingAlerts],
    },
    burnEvents: snapshot.burnEvents.map((e) => ({ ...e })),
    maintenanceWindows: snapshot.maintenanceWindows.map((w) => ({ ...w })),
    burnRateAlerts: {
      enabled: snapshot.burnRateAlerts.enabled,
      receivers: [...snapshot.burnRateAlerts.receivers],
    },
    qualityDimension: snapshot.qualityDimension,
    activeBurnAlerts: snapshot.activeBurnAlerts.map((a) => ({ ...a, rules: [...a.rules] })),
    createdAt: new Date(snapshot.createdAt),
    version,
  };
}

/**
 * Row → snapshot with the columns as stored; `SloDefinition.rehydrate` re-checks every
 * invariant, so a row edited by hand into an impossible state fails loudly instead of being served.
 */
export function toSloSnapshot(row: SloRow): SloDefinitionSnapshot {
  return {
    sloId: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    name: row.name,
    indicator: row.indicator,
    target: row.target,
    windowMinutes: row.windowMinutes,
    createdAt: row.createdAt.toISOString(),
    errorBudget: row.errorBudget,
    budgetRemaining: row.budgetRemaining,
    status: row.status as SloStatus,
    badPct: row.badPct,
    lastEvaluatedAt: row.lastEvaluatedAt?.toISOString() ?? null,
    lastEvaluation: row.lastEvaluation,
    burnEvents: row.burnEvents,
    maintenanceWindows: row.maintenanceWindows,
    burnRateAlerts: row.burnRateAlerts,
    qualityDimension: row.qualityDimension as SloDefinitionSnapshot['qualityDimension'],
    activeBurnAlerts: row.activeBurnAlerts,
  };
}

export type SloStore = AggregateStore<SloDefinition, SloRow>;

export function sloStore(dataSource: DataSource, uow: UnitOfWork): SloStore {
  return new AggregateStore(dataSource, uow, {
    resource: 'slo',
    entity: SloEntity,
    toRow: (slo, version) => toSloRow(slo.toSnapshot(), version),
    toAggregate: (row) => SloDefinition.rehydrate(toSloSnapshot(row)),
  });
}
