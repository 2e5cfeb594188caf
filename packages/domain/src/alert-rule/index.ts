export type {
  AlertAggregation,
  ComparisonOperator,
  AlertCondition,
  AlertConditionInput,
} from './alert-condition.js';
export {
  ALERT_AGGREGATIONS,
  COMPARISON_OPERATORS,
  DEFAULT_ALERT_WINDOW,
  MAX_GROUP_BY,
  ALERT_METRIC_MAX_LENGTH,
  ALERT_DIMENSION_MAX_LENGTH,
  alertCondition,
  ensureResolvableMetric,
  conditionHolds,
  conditionKey,
  legacyConditionKey,
  worseValue,
} from './alert-condition.js';
export type {
  AlertActionType,
  AlertAction,
  AlertActionInput,
  NotificationGrouping,
  NotificationGroupingInput,
} from './alert-action.js';
export {
  ALERT_ACTION_TYPES,
  ALERT_ACTION_TARGET_MAX_LENGTH,
  MAX_ACTIONS,
  alertAction,
  alertActions,
  isReceiverTarget,
  publishedActions,
  receiverIdsOf,
  notificationGrouping,
  DEFAULT_GROUP_WAIT_SECONDS,
  DEFAULT_GROUP_INTERVAL_SECONDS,
  DEFAULT_REPEAT_INTERVAL_SECONDS,
  MAX_GROUP_WAIT_SECONDS,
  MAX_GROUP_INTERVAL_SECONDS,
  MAX_REPEAT_INTERVAL_SECONDS,
  MAX_GROUP_BY_LABELS,
  GROUP_BY_LABEL_MAX_LENGTH,
  GROUP_BY_ALL,
} from './alert-action.js';
export type { AlertScope, AlertScopeInput } from './alert-scope.js';
export { ALERT_SCOPE_ID_MAX_LENGTH, alertScope, sameAlertScope } from './alert-scope.js';
export type {
  AlertTriggeredPayload,
  AlertTriggered,
  AlertResolvedPayload,
  AlertResolved,
  AlertRuleEvent,
} from './alert-rule.events.js';
export { ALERT_RULE_AGGREGATE_TYPE } from './alert-rule.events.js';
export type {
  AlertRuleSnapshot,
  CreateAlertRuleInput,
  AlertRuleChanges,
  AlertRuleContext,
} from './alert-rule.aggregate.js';
export { ALERT_RULE_NAME_MAX_LENGTH, AlertRule } from './alert-rule.aggregate.js';
export type {
  AlertState,
  AlertGroupState,
  AlertStep,
  AlertTransition,
} from './alert-state-machine.js';
export { ALERT_STATES, stepAlertState, alertGroupState } from './alert-state-machine.js';
export type {
  AlertObservation,
  AlertEvaluationOptions,
  AlertEvaluationSnapshot,
  AlertGroupSnapshot,
  AlertRecentWindow,
  AlertUnresolvedEpisode,
  LegacyAlertEvaluationSnapshot,
} from './alert-evaluation.js';
export {
  AlertEvaluation,
  DEFAULT_ALERT_LATENESS_GRACE_MS,
  DEFAULT_RESOLVE_AFTER_WINDOWS,
  alertFingerprint,
} from './alert-evaluation.js';
