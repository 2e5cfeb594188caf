export type { SloStatus, Sli, SliCounts } from './slo-values.js';
export {
  SLO_STATUSES,
  TARGET_SCALE,
  sloStatus,
  sloTarget,
  errorBudgetOf,
  errorBudgetScaled,
  sli,
  sliCounts,
} from './slo-values.js';
export type {
  SloBurnWindow,
  SloBurnAlertName,
  SloObservation,
  SloEvaluationInput,
  SloEvaluation,
} from './slo-budget.js';
export { SLO_BURN_WINDOWS, SLO_BURN_ALERTS, evaluateSlo } from './slo-budget.js';
export type {
  SloBreachedPayload,
  SloBreached,
  SloDefinitionEvent,
} from './slo-definition.events.js';
export { SLO_DEFINITION_AGGREGATE_TYPE } from './slo-definition.events.js';
export type {
  BudgetBurnEvent,
  SloDefinitionSnapshot,
  CreateSloDefinitionInput,
} from './slo-definition.aggregate.js';
export { SloDefinition, MAX_BURN_EVENTS } from './slo-definition.aggregate.js';
