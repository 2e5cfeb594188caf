import { AggregateRoot } from '../shared/aggregate-root.js';
import { ensure } from '../shared/domain-error.js';
import { parseInstant, toIso } from '../shared/time.js';
import { conditionHolds, conditionKey } from './alert-condition.js';
import { ALERT_RULE_AGGREGATE_TYPE, type AlertRuleEvent } from './alert-rule.events.js';
import type { AlertRule, AlertRuleSnapshot } from './alert-rule.aggregate.js';
import { alertGroupState, stepAlertState, type AlertGroupState } from './alert-state-machine.js';

type FiringGroupState = Extract<AlertGroupState, { readonly status: 'firing' }>;

/** One closed window of the rule's metric for one group (from MetricAggregated). */
export interface AlertObservation {
  /** Optional; when given, a gap since the previous window ends the episode. */
  readonly windowStart?: string;
  readonly windowEnd: string;
  /** The window's value of the rule's aggregation (e.g. values.p95). */
  readonly value: number;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
}

export interface AlertEvaluationSnapshot {
  readonly alertRuleId: string;
  /** The condition the states were built under (see conditionKey). */
  readonly conditionKey: string;
  readonly groups: readonly AlertGroupState[];
}

/** `${alertRuleId}:${groupKey}`: stable per rule and group, so incidents can deduplicate on it. */
export function alertFingerprint(alertRuleId: string, groupKey: string): string {
  return `${alertRuleId}:${groupKey}`;
}

/**
 * The persisted inactive/pending/firing state of every group of one rule. It is kept apart from
 * the rule's configuration (own row, own lifecycle) and records AlertTriggered on the rule's
 * behalf (aggregateType AlertRule, aggregateId = the rule id) once per firing episode.
 */
export class AlertEvaluation extends AggregateRoot<AlertRuleEvent> {
  private readonly rule: AlertRule;
  private conditionKey: string;
  private groups: Map<string, AlertGroupState>;

  private constructor(rule: AlertRule, key: string, groups: Map<string, AlertGroupState>) {
    super();
    this.rule = rule;
    this.conditionKey = key;
    this.groups = groups;
  }

  static create(rule: AlertRule): AlertEvaluation {
    return new AlertEvaluation(rule, conditionKey(rule.toSnapshot().condition), new Map());
  }

  /** The rule is the current one: a condition changed since the snapshot restarts every group. */
  static rehydrate(rule: AlertRule, snapshot: AlertEvaluationSnapshot): AlertEvaluation {
    ensure(
      snapshot.alertRuleId === rule.id,
      'alert_rule.evaluation_mismatch',
      'the evaluation state belongs to another rule',
      { alertRuleId: rule.id, stateRuleId: snapshot.alertRuleId },
    );
    const groups = new Map<string, AlertGroupState>();
    for (const group of snapshot.groups) {
      const state = alertGroupState(group);
      ensure(
        !groups.has(state.groupKey),
        'alert_rule.invalid_evaluation_state',
        'a group appears twice in the evaluation state',
        { groupKey: state.groupKey },
      );
      groups.set(state.groupKey, state);
    }
    const evaluation = new AlertEvaluation(rule, snapshot.conditionKey, groups);
    evaluation.syncWithRule(rule.toSnapshot());
    return evaluation;
  }

  /** The current state of a group; a group never seen is inactive. */
  stateOf(groupKey: string): AlertGroupState['status'] {
    return this.groups.get(groupKey)?.status ?? 'inactive';
  }

  /**
   * Applies one closed window and returns the group's new state. A window not newer than the last
   * one applied for the group (redelivery, reordering) changes nothing, which keeps replays
   * idempotent. A disabled rule keeps no state and never triggers.
   */
  observe(observation: AlertObservation): AlertGroupState {
    const windowEnd = parseInstant(observation.windowEnd, 'windowEnd');
    const windowStart =
      observation.windowStart === undefined
        ? null
        : parseInstant(observation.windowStart, 'windowStart');
    ensure(
      Number.isFinite(observation.value) &&
        typeof observation.groupKey === 'string' &&
        Object.values(observation.group).every((v) => typeof v === 'string') &&
        (windowStart === null || windowStart < windowEnd),
      'alert_rule.invalid_observation',
      'an observation needs a finite value, a groupKey and windowStart < windowEnd',
      { groupKey: observation.groupKey },
    );
    const rule = this.rule.toSnapshot();
    this.syncWithRule(rule);
    const previous = this.groups.get(observation.groupKey) ?? null;
    if (previous !== null && windowEnd <= Date.parse(previous.lastWindowEnd)) return previous;

    const base = {
      groupKey: observation.groupKey,
      group: { ...observation.group },
      lastWindowEnd: toIso(windowEnd),
      lastValue: observation.value,
    };
    if (!rule.enabled) return { ...base, status: 'inactive', activeAt: null, firedAt: null };

    const step = stepAlertState(previous, {
      holds: conditionHolds(rule.condition, observation.value),
      windowStart,
      windowEnd,
      forMinutes: rule.condition.forMinutes,
    });
    let next: AlertGroupState;
    switch (step.status) {
      case 'inactive':
        next = { ...base, status: 'inactive', activeAt: null, firedAt: null };
        break;
      case 'pending':
        next = { ...base, status: 'pending', activeAt: toIso(step.activeAt), firedAt: null };
        break;
      case 'firing': {
        const firing: FiringGroupState = {
          ...base,
          status: 'firing',
          activeAt: toIso(step.activeAt),
          firedAt: toIso(step.firedAt),
        };
        if (step.fired) this.recordTriggered(rule, firing, observation.value);
        next = firing;
        break;
      }
      default: {
        const unreachable: never = step;
        throw new Error(`unknown alert transition ${JSON.stringify(unreachable)}`);
      }
    }
    this.groups.set(next.groupKey, next);
    return next;
  }

  toSnapshot(): AlertEvaluationSnapshot {
    return {
      alertRuleId: this.rule.id,
      conditionKey: this.conditionKey,
      groups: [...this.groups.values()]
        .sort((a, b) => (a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : 0))
        .map((g) => ({ ...g, group: { ...g.group } })),
    };
  }

  /** Disabled: forget every episode. Condition changed: the old episodes meant something else. */
  private syncWithRule(rule: AlertRuleSnapshot): void {
    const key = conditionKey(rule.condition);
    if (!rule.enabled || key !== this.conditionKey) this.groups = new Map();
    this.conditionKey = key;
  }

  private recordTriggered(rule: AlertRuleSnapshot, state: FiringGroupState, value: number): void {
    this.record({
      eventType: 'AlertTriggered',
      aggregateType: ALERT_RULE_AGGREGATE_TYPE,
      aggregateId: rule.alertRuleId,
      tenantId: this.rule.tenantId,
      traceId: null,
      occurredAt: state.firedAt,
      payload: {
        alertRuleId: rule.alertRuleId,
        ruleName: rule.name,
        fingerprint: alertFingerprint(rule.alertRuleId, state.groupKey),
        groupKey: state.groupKey,
        group: { ...state.group },
        severity: rule.severity,
        metric: rule.condition.metric,
        aggregation: rule.condition.aggregation,
        operator: rule.condition.operator,
        threshold: rule.condition.threshold,
        observedValue: value,
        forMinutes: rule.condition.forMinutes,
        activeAt: state.activeAt,
        firedAt: state.firedAt,
        projectId: rule.scope.projectId,
        moduleId: rule.scope.moduleId,
      },
    });
  }
}
