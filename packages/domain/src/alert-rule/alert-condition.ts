import { ensure } from '../kernel/domain-error.js';
import { WINDOWS, type WindowSize } from '../kernel/time.js';

/**
 * Kept beside the rule rather than imported from metric-series: the rule refuses with its own
 * `alert_rule.*` codes, and the list is fixed by the event contract (AlertTriggered.aggregation).
 */
export const ALERT_AGGREGATIONS = ['count', 'sum', 'avg', 'p50', 'p95', 'p99'] as const;
export type AlertAggregation = (typeof ALERT_AGGREGATIONS)[number];

export const COMPARISON_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const MAX_GROUP_BY = 16;
/** What a rule written before rules named their window evaluated: the 1-minute windows. */
export const DEFAULT_ALERT_WINDOW: WindowSize = '1m';
/** Longest metric name, after trimming. */
export const ALERT_METRIC_MAX_LENGTH = 256;
export const ALERT_DIMENSION_MAX_LENGTH = 128;

export interface AlertCondition {
  readonly metric: string;
  /**
   * The window size the rule evaluates. A series is aggregated into every size at once, so
   * without this a rule would see each minute of data up to four times, in windows of different
   * lengths interleaved; windows of other sizes are ignored.
   */
  readonly window: WindowSize;
  readonly aggregation: AlertAggregation;
  /** Dimensions the rule is evaluated per; empty means one group for the whole metric. */
  readonly groupBy: readonly string[];
  readonly operator: ComparisonOperator;
  readonly threshold: number;
  /** How long the condition must hold before firing; 0 fires on the first breaching window. */
  readonly forMinutes: number;
}

export interface AlertConditionInput {
  readonly metric: string;
  /** Defaults to DEFAULT_ALERT_WINDOW. */
  readonly window?: string;
  readonly aggregation: string;
  readonly groupBy?: readonly string[];
  readonly operator: string;
  readonly threshold: number;
  readonly forMinutes: number;
}

function oneOf<T extends string>(
  values: readonly T[],
  value: string,
  code: string,
  field: string,
): T {
  ensure(
    (values as readonly string[]).includes(value),
    code,
    `${field} must be one of ${values.join(', ')}`,
    { value },
  );
  return value as T;
}

function groupBy(value: readonly string[] | undefined): readonly string[] {
  const dims = value ?? [];
  ensure(
    dims.length <= MAX_GROUP_BY &&
      dims.every(
        (d) => typeof d === 'string' && d.trim() !== '' && d.length <= ALERT_DIMENSION_MAX_LENGTH,
      ) &&
      new Set(dims).size === dims.length,
    'alert_rule.invalid_group_by',
    `groupBy must hold at most ${MAX_GROUP_BY} distinct, non-empty dimension names`,
    { groupBy: dims },
  );
  return [...dims];
}

/** Shape checks only; whether the metric exists for the tenant is `ensureResolvableMetric`. */
export function alertCondition(input: AlertConditionInput): AlertCondition {
  const metric = typeof input.metric === 'string' ? input.metric.trim() : '';
  ensure(
    metric !== '' && metric.length <= ALERT_METRIC_MAX_LENGTH,
    'alert_rule.metric_required',
    `condition.metric is required (1-${ALERT_METRIC_MAX_LENGTH} characters)`,
  );
  ensure(
    Number.isFinite(input.threshold),
    'alert_rule.invalid_threshold',
    'condition.threshold must be a finite number',
    { threshold: input.threshold },
  );
  ensure(
    Number.isInteger(input.forMinutes) && input.forMinutes >= 0,
    'alert_rule.invalid_for_minutes',
    'condition.forMinutes must be a whole number of minutes ≥ 0',
    { forMinutes: input.forMinutes },
  );
  return {
    metric,
    window: oneOf(
      WINDOWS,
      input.window ?? DEFAULT_ALERT_WINDOW,
      'alert_rule.invalid_window',
      'condition.window',
    ),
    aggregation: oneOf(
      ALERT_AGGREGATIONS,
      input.aggregation,
      'alert_rule.invalid_aggregation',
      'aggregation',
    ),
    groupBy: groupBy(input.groupBy),
    operator: oneOf(
      COMPARISON_OPERATORS,
      input.operator,
      'alert_rule.invalid_operator',
      'operator',
    ),
    threshold: input.threshold,
    forMinutes: input.forMinutes,
  };
}

/** The application knows the tenant's metric names; the domain only checks membership. */
export function ensureResolvableMetric(
  condition: AlertCondition,
  knownMetrics: ReadonlySet<string>,
): void {
  ensure(
    knownMetrics.has(condition.metric),
    'alert_rule.unresolvable_metric',
    `metric ${condition.metric} is not known for this tenant`,
    { metric: condition.metric },
  );
}

/** `observed <operator> threshold`. eq/neq compare exactly: thresholds are meant for counts. */
export function conditionHolds(condition: AlertCondition, observed: number): boolean {
  const { operator, threshold } = condition;
  switch (operator) {
    case 'gt':
      return observed > threshold;
    case 'gte':
      return observed >= threshold;
    case 'lt':
      return observed < threshold;
    case 'lte':
      return observed <= threshold;
    case 'eq':
      return observed === threshold;
    case 'neq':
      return observed !== threshold;
    default: {
      const unreachable: never = operator;
      throw new Error(`unknown operator ${String(unreachable)}`);
    }
  }
}

/**
 * How close a value is to breaching, or how deep into the breach: a higher rank is worse. For
 * gt/gte the value itself, for lt/lte its negation; eq ranks values nearer the threshold higher
 * (the threshold itself highest), neq ranks them farther away higher.
 */
function breachRank(condition: AlertCondition, value: number): number {
  const { operator, threshold } = condition;
  switch (operator) {
    case 'gt':
    case 'gte':
      return value;
    case 'lt':
    case 'lte':
      return -value;
    case 'eq':
      return -Math.abs(value - threshold);
    case 'neq':
      return Math.abs(value - threshold);
    default: {
      const unreachable: never = operator;
      throw new Error(`unknown operator ${String(unreachable)}`);
    }
  }
}

/**
 * The worse of two values of one window (several series in one rule group): the condition holds
 * for the result exactly when it holds for either. It is a maximum under a total order (rank,
 * then value), so folding any number of values gives the same result in any order.
 */
export function worseValue(condition: AlertCondition, a: number, b: number): number {
  const rankA = breachRank(condition, a);
  const rankB = breachRank(condition, b);
  if (rankA !== rankB) return rankA > rankB ? a : b;
  return Math.max(a, b);
}

/**
 * A stable text of everything that decides firing. Evaluation state built under one condition is
 * meaningless under another, so a change of this key restarts every group.
 */
export function conditionKey(condition: AlertCondition): string {
  return JSON.stringify([...legacyKeyParts(condition), condition.window]);
}

/**
 * The key as it was before conditions named a window (they all meant 1m), so state persisted then
 * is recognised instead of restarting every episode on upgrade; undefined for other windows.
 */
export function legacyConditionKey(condition: AlertCondition): string | undefined {
  return condition.window === DEFAULT_ALERT_WINDOW
    ? JSON.stringify(legacyKeyParts(condition))
    : undefined;
}

function legacyKeyParts(condition: AlertCondition): readonly unknown[] {
  return [
    condition.metric,
    condition.aggregation,
    condition.groupBy,
    condition.operator,
    condition.threshold,
    condition.forMinutes,
  ];
}
