export type {
  SloStatus,
  Sli,
  SliKind,
  RatioSli,
  LatencySli,
  LatencyPercentile,
  SliFilter,
  SliCounts,
  SliRole,
  SliContribution,
  SliWindowValues,
} from './slo-values.js';
export {
  SLO_STATUSES,
  TARGET_SCALE,
  sloStatus,
  sloTarget,
  errorBudgetOf,
  errorBudgetScaled,
  sli,
  sliCounts,
  SLI_KINDS,
  LATENCY_PERCENTILES,
  MAX_WINDOW_EVENTS,
  sliMetrics,
  sliMatchesGroup,
  sliContributions,
} from './slo-values.js';
export type {
  SloBurnWindow,
  SloBurnAlertName,
  SloObservedWindow,
  SloObservation,
  SloEvaluationInput,
  SloEvaluation,
} from './slo-budget.js';
export { SLO_BURN_WINDOWS, SLO_BURN_ALERTS, evaluateSlo } from './slo-budget.js';
export type {
  SloBreachedPayload,
  SloBreached,
  SloBurnRateAlertPayload,
  SloBurnRateAlertFiredPayload,
  SloBurnRateAlertResolvedPayload,
  SloBurnRateAlertFired,
  SloBurnRateAlertResolved,
  SloDefinitionEvent,
} from './slo-definition.events.js';
export type {
  BurnAlertSeverity,
  BurnAlertRule,
  BurnAlertRuleName,
  BurnRateAlertsConfig,
  ActiveBurnAlert,
  BurnAlertRuleReading,
  BurnAlertRates,
  BurnAlertStepInput,
  BurnAlertTransition,
  BurnAlertStep,
} from './slo-burn-alerts.js';
export {
  BURN_ALERT_SEVERITIES,
  BURN_ALERT_WINDOW_MINUTES,
  BURN_ALERT_RULE_NAMES,
  BURN_ALERT_RULES,
  BURN_ALERT_LOOKBACK_MINUTES,
  MAX_BURN_ALERT_RECEIVERS,
  DEFAULT_BURN_RATE_ALERTS,
  burnRateAlertsConfig,
  activeBurnAlerts,
  stepBurnAlerts,
} from './slo-burn-alerts.js';
export { SLO_DEFINITION_AGGREGATE_TYPE } from './slo-definition.events.js';
export type {
  BudgetBurnEvent,
  MaintenanceWindow,
  SloLastEvaluation,
  SloDefinitionFields,
  SloDefinitionSnapshot,
  CreateSloDefinitionInput,
  SloQualityDimension,
} from './slo-definition.aggregate.js';
export {
  SloDefinition,
  SLO_QUALITY_DIMENSIONS,
  defaultQualityDimension,
  MAX_BURN_EVENTS,
  BURN_EVENT_BUCKET_MS,
  MAX_MAINTENANCE_WINDOWS,
} from './slo-definition.aggregate.js';
