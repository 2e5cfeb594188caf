import { defaultQualityDimension } from '@obs/domain';
import type {
  ActiveBurnAlert,
  BudgetBurnEvent,
  BurnRateAlertsConfig,
  MaintenanceWindow,
  Sli,
  SloDefinitionSnapshot,
  SloLastEvaluation,
  SloQualityDimension,
  SloStatus,
} from '@obs/domain';

/** The SLO as the API shows it: the definition and its budget picture, plus the stored version. */
export interface SloView {
  readonly id: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly name: string;
  readonly sli: Sli;
  readonly target: number;
  readonly windowMinutes: number;
  readonly errorBudget: number;
  readonly budgetRemaining: number;
  readonly status: SloStatus;
  readonly lastEvaluatedAt: string | null;
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly burnRateAlerts: BurnRateAlertsConfig;
  readonly qualityDimension: SloQualityDimension;
  readonly qualityDimensionDeclared: boolean;
  readonly createdAt: string;
  readonly version: number;
}

/** The status read: the view's budget fields plus what the last evaluation saw. */
export interface SloStatusView extends SloLastEvaluation {
  readonly sloId: string;
  readonly status: SloStatus;
  readonly target: number;
  readonly windowMinutes: number;
  readonly errorBudget: number;
  readonly budgetRemaining: number;
  /** budgetRemaining as a share of the error budget, percent (100 with a zero budget unbreached). */
  readonly budgetRemainingPct: number;
  readonly badPct: number;
  readonly activeBurnAlerts: readonly ActiveBurnAlert[];
  readonly lastEvaluatedAt: string | null;
  readonly version: number;
}

export function viewOfSnapshot(snapshot: SloDefinitionSnapshot, version: number): SloView {
  return {
    id: snapshot.sloId,
    tenantId: snapshot.tenantId,
    projectId: snapshot.projectId,
    name: snapshot.name,
    sli: snapshot.indicator,
    target: snapshot.target,
    windowMinutes: snapshot.windowMinutes,
    errorBudget: snapshot.errorBudget,
    budgetRemaining: snapshot.budgetRemaining,
    status: snapshot.status,
    lastEvaluatedAt: snapshot.lastEvaluatedAt,
    maintenanceWindows: snapshot.maintenanceWindows,
    burnRateAlerts: snapshot.burnRateAlerts,
    qualityDimension: snapshot.qualityDimension ?? defaultQualityDimension(snapshot.indicator),
    qualityDimensionDeclared: snapshot.qualityDimension !== null,
    createdAt: snapshot.createdAt,
    version,
  };
}

export function statusOfSnapshot(snapshot: SloDefinitionSnapshot, version: number): SloStatusView {
  const remainingPct =
    snapshot.errorBudget === 0
      ? snapshot.status === 'breached'
        ? 0
        : 100
      : (snapshot.budgetRemaining / snapshot.errorBudget) * 100;
  return {
    sloId: snapshot.sloId,
    status: snapshot.status,
    target: snapshot.target,
    windowMinutes: snapshot.windowMinutes,
    errorBudget: snapshot.errorBudget,
    budgetRemaining: snapshot.budgetRemaining,
    budgetRemainingPct: Math.min(100, Math.max(0, remainingPct)),
    badPct: snapshot.badPct,
    ...snapshot.lastEvaluation,
    activeBurnAlerts: snapshot.activeBurnAlerts,
    lastEvaluatedAt: snapshot.lastEvaluatedAt,
    version,
  };
}

export type { BudgetBurnEvent };
