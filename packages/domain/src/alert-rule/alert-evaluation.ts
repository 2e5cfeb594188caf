import { AggregateRoot } from '../kernel/aggregate-root.js';
import { DomainError, ensure } from '../kernel/domain-error.js';
import { WINDOWS, parseInstant, toIso, windowMs, type WindowSize } from '../kernel/time.js';
import {
  conditionHolds,
  conditionKey,
  legacyConditionKey,
  worseValue,
  type AlertCondition,
} from './alert-condition.js';
import { publishedActions } from './alert-action.js';
import { ALERT_RULE_AGGREGATE_TYPE, type AlertRuleEvent } from './alert-rule.events.js';
import type { AlertRule, AlertRuleSnapshot } from './alert-rule.aggregate.js';
import { alertGroupState, stepAlertState, type AlertGroupState } from './alert-state-machine.js';

type FiringGroupState = Extract<AlertGroupState, { readonly status: 'firing' }>;

/**
 * How far (event time) behind the newest window of the rule a window may arrive and still be
 * evaluated in its place. One minute: windows of the same end are combined in any order, and a
 * forMinutes-0 episode of 1-minute windows is announced as soon as its own window arrives (the slot
 * before it is final then), so a spike becomes an incident within 90 s; the cost is that a window
 * arriving after a newer window of the rule is late. See docs/services/alert-rule.md#timeliness.
 */
export const DEFAULT_ALERT_LATENESS_GRACE_MS = 60_000;

/** Closed windows without the condition after which a firing episode is resolved. */
export const DEFAULT_RESOLVE_AFTER_WINDOWS = 1;

/** One closed window of the rule's metric for one series, projected onto a rule group. */
export interface AlertObservation {
  /** The window size; the rule evaluates only its own (condition.window) and ignores others. */
  readonly window: string;
  /** Optional; when given it must be windowEnd minus the window size. */
  readonly windowStart?: string;
  readonly windowEnd: string;
  /** The window's value of the rule's aggregation (e.g. values.p95). */
  readonly value: number;
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  /** The window's trace; AlertTriggered carries the trace of the window that fired it. */
  readonly traceId?: string | null;
}

export interface AlertEvaluationOptions {
  /** Defaults to DEFAULT_ALERT_LATENESS_GRACE_MS; must be a whole number of ms > 0. */
  readonly latenessGraceMs?: number;
  /** Defaults to DEFAULT_RESOLVE_AFTER_WINDOWS; a whole number ≥ 1. */
  readonly resolveAfterWindows?: number;
}

/** An announced episode not resolved yet, and the closed windows without the condition since. */
export interface AlertUnresolvedEpisode {
  readonly activeAt: string;
  readonly firedAt: string;
  readonly clearWindows: number;
}

/** One window of a group not yet final: its value is the worst of the group's series so far. */
export interface AlertRecentWindow {
  readonly windowEnd: string;
  readonly value: number;
  readonly traceId: string | null;
}

/**
 * A group as persisted: the state machine over its final windows, then the windows that may still
 * be joined by late ones. The current state is `settled` replayed over `recent`.
 */
export interface AlertGroupSnapshot {
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  /** The state after every final window; null when none is final yet. */
  readonly settled: AlertGroupState | null;
  /** Windows ending at or before this are final; a window for one of them arrives too late. */
  readonly settledThrough: string | null;
  /** Ascending windowEnd, all after settledThrough. */
  readonly recent: readonly AlertRecentWindow[];
  /** activeAt of the episodes whose AlertTriggered is recorded while their firing window is recent. */
  readonly triggered: readonly string[];
  /** The announced episode among the settled windows, until AlertResolved (absent: none). */
  readonly unresolved?: AlertUnresolvedEpisode | null;
}

export interface AlertEvaluationSnapshot {
  readonly alertRuleId: string;
  /** The condition the states were built under (see conditionKey). */
  readonly conditionKey: string;
  /** The newest window end the rule has seen: the event-time clock of the lateness horizon. */
  readonly newestWindowEnd: string | null;
  /** Windows ignored because they arrived after the horizon had passed them. */
  readonly lateWindows: number;
  readonly groups: readonly AlertGroupSnapshot[];
  /**
   * Processing time at which the clock last reached `newestWindowEnd` (a window arrived, or the
   * wall clock moved it): what `advanceWithWallClock` counts from. Absent in state written before.
   */
  readonly clockAt?: string | null;
}

/** The state written before out-of-order windows were evaluated: one applied state per group. */
export interface LegacyAlertEvaluationSnapshot {
  readonly alertRuleId: string;
  readonly conditionKey: string;
  readonly groups: readonly AlertGroupState[];
}

/** `${alertRuleId}:${groupKey}`: stable per rule and group, so incidents can deduplicate on it. */
export function alertFingerprint(alertRuleId: string, groupKey: string): string {
  return `${alertRuleId}:${groupKey}`;
}

interface RecentWindow {
  readonly windowEnd: number;
  readonly value: number;
  readonly traceId: string | null;
}

interface GroupRecord {
  readonly groupKey: string;
  readonly group: Readonly<Record<string, string>>;
  settled: AlertGroupState | null;
  settledThrough: number | null;
  recent: RecentWindow[];
  triggered: Set<number>;
  unresolved: { activeAt: number; firedAt: number; clearWindows: number } | null;
}

/** A transition of the replay that fired an episode, with the window that fired it. */
interface Fired {
  readonly state: FiringGroupState;
  readonly window: RecentWindow;
}

/**
 * The persisted inactive/pending/firing state of every group of one rule. It is kept apart from
 * the rule's configuration (own row, own lifecycle) and records AlertTriggered on the rule's
 * behalf (aggregateType AlertRule, aggregateId = the rule id) once per firing episode.
 *
 * Windows may arrive out of event-time order (several series per group, several partitions). Each
 * group keeps its recent windows and replays the state machine over them in windowEnd order, so
 * the outcome depends on which windows arrived, not on the order. A window is final once it is
 * more than the lateness grace behind the newest window of the rule; a window arriving for a
 * final slot is ignored and counted. An episode's AlertTriggered is recorded only once nothing
 * that may still arrive can change it: its windows are known (a late series can only make a
 * breaching window breach more) and the slot before its first window is final (a late breach
 * there would move activeAt earlier). For forMinutes ≥ the grace minus one window this costs no
 * delay at all; otherwise the event waits for that slot to become final.
 */
export class AlertEvaluation extends AggregateRoot<AlertRuleEvent> {
  private readonly rule: AlertRule;
  private readonly graceMs: number;
  private resolveAfter = DEFAULT_RESOLVE_AFTER_WINDOWS;
  private conditionKey: string;
  private groups: Map<string, GroupRecord>;
  private newestWindowEnd: number | null;
  private lateWindows: number;
  private clockAt: number | null = null;

  private constructor(
    rule: AlertRule,
    graceMs: number,
    key: string,
    groups: Map<string, GroupRecord>,
    newestWindowEnd: number | null,
    lateWindows: number,
  ) {
    super();
    this.rule = rule;
    this.graceMs = graceMs;
    this.conditionKey = key;
    this.groups = groups;
    this.newestWindowEnd = newestWindowEnd;
    this.lateWindows = lateWindows;
  }

  static create(rule: AlertRule, options: AlertEvaluationOptions = {}): AlertEvaluation {
    const evaluation = new AlertEvaluation(
      rule,
      latenessGrace(options),
      conditionKey(rule.toSnapshot().condition),
      new Map(),
      null,
      0,
    );
    evaluation.resolveAfter = resolveAfterWindows(options);
    return evaluation;
  }

  /** The rule is the current one: a condition changed since the snapshot restarts every group. */
  static rehydrate(
    rule: AlertRule,
    stored: AlertEvaluationSnapshot | LegacyAlertEvaluationSnapshot,
    options: AlertEvaluationOptions = {},
  ): AlertEvaluation {
    ensure(
      stored.alertRuleId === rule.id,
      'alert_rule.evaluation_mismatch',
      'the evaluation state belongs to another rule',
      { alertRuleId: rule.id, stateRuleId: stored.alertRuleId },
    );
    const graceMs = latenessGrace(options);
    const snapshot = 'newestWindowEnd' in stored ? stored : fromLegacy(rule, stored);
    const groups = new Map<string, GroupRecord>();
    for (const group of snapshot.groups) {
      const record = groupRecord(group);
      ensure(
        !groups.has(record.groupKey),
        'alert_rule.invalid_evaluation_state',
        'a group appears twice in the evaluation state',
        { groupKey: record.groupKey },
      );
      groups.set(record.groupKey, record);
    }
    ensure(
      Number.isSafeInteger(snapshot.lateWindows) && snapshot.lateWindows >= 0,
      'alert_rule.invalid_evaluation_state',
      'lateWindows must be a whole number ≥ 0',
    );
    const evaluation = new AlertEvaluation(
      rule,
      graceMs,
      snapshot.conditionKey,
      groups,
      snapshot.newestWindowEnd === null
        ? null
        : parseStateInstant(snapshot.newestWindowEnd, 'newestWindowEnd'),
      snapshot.lateWindows,
    );
    evaluation.resolveAfter = resolveAfterWindows(options);
    evaluation.clockAt =
      snapshot.clockAt === undefined || snapshot.clockAt === null
        ? null
        : parseStateInstant(snapshot.clockAt, 'clockAt');
    evaluation.syncWithRule(rule.toSnapshot());
    return evaluation;
  }

  /** The current state of a group; a group never seen is inactive. */
  stateOf(groupKey: string): AlertGroupState['status'] {
    const record = this.groups.get(groupKey);
    return record ? this.replay(record, this.rule.toSnapshot(), false).status : 'inactive';
  }

  /** Windows ignored because they arrived after the lateness horizon had passed them. */
  get lateWindowsIgnored(): number {
    return this.lateWindows;
  }

  /** The current state of every group, by group key: what the state API shows. */
  groupStates(): AlertGroupState[] {
    const rule = this.rule.toSnapshot();
    return this.sortedGroups().map((record) => this.replay(record, rule, false));
  }

  /**
   * Applies one closed window and returns its group's current state. A repeated window changes
   * nothing (replays are idempotent); a window of another size than the rule's, or one that
   * arrives after the horizon passed it, is ignored. A disabled rule keeps no state and never
   * triggers.
   */
  observe(observation: AlertObservation, receivedAt?: number): AlertGroupState {
    const window = observedWindow(observation);
    const rule = this.rule.toSnapshot();
    this.syncWithRule(rule);
    const transient: AlertGroupState = {
      groupKey: observation.groupKey,
      group: { ...observation.group },
      lastWindowEnd: toIso(window.windowEnd),
      lastValue: window.value,
      status: 'inactive',
      activeAt: null,
      firedAt: null,
    };
    if (!rule.enabled) return transient;
    let record = this.groups.get(observation.groupKey);
    const current = () => (record ? this.replay(record, rule, false) : transient);
    if (window.size !== rule.condition.window) return current();
    if (this.isFinal(record, window.windowEnd)) {
      this.lateWindows += 1;
      return current();
    }

    if (record === undefined) {
      record = {
        groupKey: observation.groupKey,
        group: { ...observation.group },
        settled: null,
        settledThrough: null,
        recent: [],
        triggered: new Set(),
        unresolved: null,
      };
      this.groups.set(record.groupKey, record);
    }
    if (!merge(record, rule.condition, window)) return current();

    const previousHorizon = this.horizon();
    if (this.newestWindowEnd === null || window.windowEnd > this.newestWindowEnd) {
      this.newestWindowEnd = window.windowEnd;
      if (receivedAt !== undefined) this.clockAt = receivedAt;
    }
    const horizon = this.horizon();
    // A moved horizon may make any group's pending episode final, not only this one's.
    const touched = horizon === previousHorizon ? [record] : this.sortedGroups();
    for (const group of touched) this.advance(group, rule, horizon);
    return this.replay(record, rule, false);
  }

  /**
   * Moves the rule's event-time clock with the wall clock, so a window the metric will never
   * follow still becomes final (docs/services/alert-rule.md, Timeliness). Event time advances by
   * the processing time elapsed since the clock last moved (`clockAt`), but never beyond
   * `now − metricGraceMs`: a window ending at E is closed by the metric service at E + its grace,
   * so by then no earlier window of the metric is still to come, and the horizon (clock − lateness
   * grace) passes E at E + metric grace + lateness grace. Counting from `clockAt` rather than
   * jumping to `now − metricGraceMs` keeps a consumer that lags (a restart, a replay of old
   * windows) from turning its backlog into late windows. Episodes the moved horizon made final are
   * recorded as if a window had moved it. Returns whether the clock moved.
   */
  advanceWithWallClock(now: number, metricGraceMs: number): boolean {
    const rule = this.rule.toSnapshot();
    this.syncWithRule(rule);
    if (!rule.enabled || this.newestWindowEnd === null) return false;
    if (this.clockAt === null || this.clockAt > now) {
      // State written before the clock was kept, or a clock that went back: count from now.
      this.clockAt = now;
      return false;
    }
    const target = Math.min(now - metricGraceMs, this.newestWindowEnd + (now - this.clockAt));
    if (target <= this.newestWindowEnd) return false;
    this.newestWindowEnd = target;
    this.clockAt = now;
    const horizon = this.horizon();
    for (const group of this.sortedGroups()) this.advance(group, rule, horizon);
    return true;
  }

  toSnapshot(): AlertEvaluationSnapshot {
    return {
      alertRuleId: this.rule.id,
      conditionKey: this.conditionKey,
      newestWindowEnd: this.newestWindowEnd === null ? null : toIso(this.newestWindowEnd),
      lateWindows: this.lateWindows,
      groups: this.sortedGroups().map((record) => ({
        groupKey: record.groupKey,
        group: { ...record.group },
        settled: record.settled === null ? null : copyState(record.settled),
        settledThrough: record.settledThrough === null ? null : toIso(record.settledThrough),
        recent: record.recent.map((w) => ({
          windowEnd: toIso(w.windowEnd),
          value: w.value,
          traceId: w.traceId,
        })),
        triggered: [...record.triggered].sort((a, b) => a - b).map(toIso),
        ...(record.unresolved === null
          ? {}
          : {
              unresolved: {
                activeAt: toIso(record.unresolved.activeAt),
                firedAt: toIso(record.unresolved.firedAt),
                clearWindows: record.unresolved.clearWindows,
              },
            }),
      })),
      ...(this.clockAt === null ? {} : { clockAt: toIso(this.clockAt) }),
    };
  }

  /** Windows ending at or before this are final (null before the first window). */
  private horizon(): number | null {
    return this.newestWindowEnd === null ? null : this.newestWindowEnd - this.graceMs;
  }

  private isFinal(record: GroupRecord | undefined, windowEnd: number): boolean {
    const horizon = this.horizon();
    const through = record?.settledThrough ?? null;
    return (horizon !== null && windowEnd <= horizon) || (through !== null && windowEnd <= through);
  }

  private sortedGroups(): GroupRecord[] {
    return [...this.groups.values()].sort((a, b) =>
      a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : 0,
    );
  }

  /**
   * Folds the windows the horizon made final into the settled state, then replays the rest,
   * recording every episode that can no longer change and has not been recorded yet.
   */
  private advance(record: GroupRecord, rule: AlertRuleSnapshot, horizon: number | null): void {
    if (horizon !== null) {
      const final = record.recent.filter((w) => w.windowEnd <= horizon);
      let state = record.settled;
      for (const window of final) {
        const previous = state;
        const step = applyWindow(record, state, rule.condition, window);
        state = step.state;
        this.countClear(record, rule, previous, window, step.state);
        if (step.fired === null) continue;
        const activeAt = Date.parse(step.fired.state.activeAt);
        // Recorded while still recent: the episode is now part of the settled state.
        if (!record.triggered.delete(activeAt)) this.recordTriggered(rule, step.fired);
        record.unresolved = {
          activeAt,
          firedAt: Date.parse(step.fired.state.firedAt),
          clearWindows: 0,
        };
      }
      record.settled = state;
      record.recent = record.recent.filter((w) => w.windowEnd > horizon);
      record.settledThrough = Math.max(record.settledThrough ?? horizon, horizon);
      this.resolveSilent(record, rule, horizon);
    }
    this.replay(record, rule, true);
  }

  /**
   * The group's current state: the settled state replayed over the recent windows. With `emit`,
   * episodes that became final are recorded. A firing episode not recorded yet is shown as
   * pending: nothing was announced, and its start may still move.
   */
  private replay(record: GroupRecord, rule: AlertRuleSnapshot, emit: boolean): AlertGroupState {
    const sizeMs = windowMs(rule.condition.window);
    const finalThrough = maxOrNull(record.settledThrough, this.horizon());
    let state = record.settled;
    let announced = state?.status === 'firing';
    for (const window of record.recent) {
      const step = applyWindow(record, state, rule.condition, window);
      state = step.state;
      if (step.fired !== null) {
        const activeAt = Date.parse(step.fired.state.activeAt);
        const before = activeAt - sizeMs;
        if (
          !record.triggered.has(activeAt) &&
          emit &&
          finalThrough !== null &&
          before <= finalThrough
        ) {
          this.recordTriggered(rule, step.fired);
          record.triggered.add(activeAt);
        }
        announced = record.triggered.has(activeAt);
      } else if (state.status !== 'firing') {
        announced = false;
      }
    }
    if (state === null) {
      // Unreachable: a group exists only once it has a window, settled or recent.
      throw new DomainError('alert_rule.invalid_evaluation_state', 'a group without windows', {
        groupKey: record.groupKey,
      });
    }
    if (state.status === 'firing' && !announced) {
      return { ...copyState(state), status: 'pending', activeAt: state.activeAt, firedAt: null };
    }
    return copyState(state);
  }

  /** Disabled: forget every episode. Condition changed: the old episodes meant something else. */
  private syncWithRule(rule: AlertRuleSnapshot): void {
    const key = conditionKey(rule.condition);
    if (!rule.enabled || key !== this.conditionKey) {
      this.groups = new Map();
      this.newestWindowEnd = null;
      this.lateWindows = 0;
      this.clockAt = null;
    }
    this.conditionKey = key;
  }

  /**
   * Counts, for the announced episode, the final windows since its last firing one in which the
   * condition did not hold (a missing window counts as one: no data, not seen to hold), and
   * records AlertResolved at the `resolveAfterWindows`-th. A window that holds again starts the
   * count afresh; a new episode firing before that resolves the old one first.
   */
  private countClear(
    record: GroupRecord,
    rule: AlertRuleSnapshot,
    previous: AlertGroupState | null,
    window: RecentWindow,
    next: AlertGroupState,
  ): void {
    const open = record.unresolved;
    if (open === null) return;
    const sizeMs = windowMs(rule.condition.window);
    if (previous !== null) {
      const missing = Math.max(
        0,
        Math.round((window.windowEnd - Date.parse(previous.lastWindowEnd)) / sizeMs) - 1,
      );
      const needed = this.resolveAfter - open.clearWindows;
      if (missing >= needed) {
        this.recordResolved(
          rule,
          record,
          Date.parse(previous.lastWindowEnd) + needed * sizeMs,
          null,
        );
        return;
      }
      open.clearWindows += missing;
    }
    if (next.status === 'firing' && Date.parse(next.activeAt) !== open.activeAt) {
      this.recordResolved(rule, record, window.windowEnd, window.value);
      return;
    }
    if (conditionHolds(rule.condition, window.value)) {
      open.clearWindows = 0;
      return;
    }
    open.clearWindows += 1;
    if (open.clearWindows >= this.resolveAfter) {
      this.recordResolved(rule, record, window.windowEnd, window.value);
    }
  }

  /**
   * Windows that never came resolve too: once the slots after the last settled window are final
   * (by the horizon, which the wall clock also moves) and empty, they count as windows without
   * the condition. Only final slots count, so the outcome does not depend on arrival order.
   */
  private resolveSilent(record: GroupRecord, rule: AlertRuleSnapshot, horizon: number): void {
    const open = record.unresolved;
    if (open === null || record.settled === null) return;
    const sizeMs = windowMs(rule.condition.window);
    const last = Date.parse(record.settled.lastWindowEnd);
    const next = record.recent[0];
    const bound = next === undefined ? horizon : Math.min(horizon, next.windowEnd - sizeMs);
    const missing = Math.floor((bound - last) / sizeMs);
    const needed = this.resolveAfter - open.clearWindows;
    if (missing >= needed) this.recordResolved(rule, record, last + needed * sizeMs, null);
  }

  private recordResolved(
    rule: AlertRuleSnapshot,
    record: GroupRecord,
    resolvedAt: number,
    observedValue: number | null,
  ): void {
    const open = record.unresolved;
    if (open === null) return;
    record.unresolved = null;
    this.record({
      eventType: 'AlertResolved',
      aggregateType: ALERT_RULE_AGGREGATE_TYPE,
      aggregateId: rule.alertRuleId,
      tenantId: this.rule.tenantId,
      traceId: null,
      occurredAt: toIso(resolvedAt),
      payload: {
        alertRuleId: rule.alertRuleId,
        ruleName: rule.name,
        fingerprint: alertFingerprint(rule.alertRuleId, record.groupKey),
        groupKey: record.groupKey,
        group: { ...record.group },
        severity: rule.severity,
        metric: rule.condition.metric,
        aggregation: rule.condition.aggregation,
        operator: rule.condition.operator,
        threshold: rule.condition.threshold,
        observedValue,
        resolveAfterWindows: this.resolveAfter,
        activeAt: toIso(open.activeAt),
        firedAt: toIso(open.firedAt),
        resolvedAt: toIso(resolvedAt),
        projectId: rule.scope.projectId,
        moduleId: rule.scope.moduleId,
        actions: publishedActions(rule.actions),
      },
    });
  }

  private recordTriggered(rule: AlertRuleSnapshot, fired: Fired): void {
    const { state, window } = fired;
    this.record({
      eventType: 'AlertTriggered',
      aggregateType: ALERT_RULE_AGGREGATE_TYPE,
      aggregateId: rule.alertRuleId,
      tenantId: this.rule.tenantId,
      traceId: window.traceId,
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
        observedValue: window.value,
        forMinutes: rule.condition.forMinutes,
        activeAt: state.activeAt,
        firedAt: state.firedAt,
        projectId: rule.scope.projectId,
        moduleId: rule.scope.moduleId,
        actions: publishedActions(rule.actions),
      },
    });
  }
}

interface ObservedWindow extends RecentWindow {
  readonly size: WindowSize;
}

function observedWindow(observation: AlertObservation): ObservedWindow {
  const windowEnd = parseInstant(observation.windowEnd, 'windowEnd');
  const windowStart =
    observation.windowStart === undefined
      ? null
      : parseInstant(observation.windowStart, 'windowStart');
  const size = observation.window;
  const known = (WINDOWS as readonly string[]).includes(size);
  ensure(
    known &&
      Number.isFinite(observation.value) &&
      typeof observation.groupKey === 'string' &&
      Object.values(observation.group).every((v) => typeof v === 'string') &&
      (windowStart === null || windowStart === windowEnd - windowMs(size as WindowSize)),
    'alert_rule.invalid_observation',
    'an observation needs a window size, a finite value, a groupKey and windowStart = windowEnd − size',
    { groupKey: observation.groupKey, window: size },
  );
  return {
    size: size as WindowSize,
    windowEnd,
    value: observation.value,
    traceId: observation.traceId ?? null,
  };
}

/**
 * Adds a window to the group's recent ones; for a window end already there (another series of the
 * group, or a redelivery) the worse value wins. Returns whether anything changed.
 */
function merge(record: GroupRecord, condition: AlertCondition, window: RecentWindow): boolean {
  const index = record.recent.findIndex((w) => w.windowEnd >= window.windowEnd);
  const existing = index === -1 ? undefined : record.recent[index];
  if (existing === undefined || existing.windowEnd !== window.windowEnd) {
    const at = index === -1 ? record.recent.length : index;
    record.recent.splice(at, 0, { ...window });
    return true;
  }
  const value = worseValue(condition, existing.value, window.value);
  // Equal values from two series: the smaller trace id, so the choice does not follow arrival.
  const traceId =
    value !== existing.value
      ? window.traceId
      : value === window.value
        ? minTrace(existing.traceId, window.traceId)
        : existing.traceId;
  if (value === existing.value && traceId === existing.traceId) return false;
  record.recent[index] = { windowEnd: window.windowEnd, value, traceId };
  return true;
}

function minTrace(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/** One step of the state machine for one window of the group. */
function applyWindow(
  record: GroupRecord,
  previous: AlertGroupState | null,
  condition: AlertCondition,
  window: RecentWindow,
): { state: AlertGroupState; fired: Fired | null } {
  const base = {
    groupKey: record.groupKey,
    group: { ...record.group },
    lastWindowEnd: toIso(window.windowEnd),
    lastValue: window.value,
  };
  const step = stepAlertState(previous, {
    holds: conditionHolds(condition, window.value),
    windowStart: window.windowEnd - windowMs(condition.window),
    windowEnd: window.windowEnd,
    forMinutes: condition.forMinutes,
  });
  switch (step.status) {
    case 'inactive':
      return { state: { ...base, status: 'inactive', activeAt: null, firedAt: null }, fired: null };
    case 'pending':
      return {
        state: { ...base, status: 'pending', activeAt: toIso(step.activeAt), firedAt: null },
        fired: null,
      };
    case 'firing': {
      const state: FiringGroupState = {
        ...base,
        status: 'firing',
        activeAt: toIso(step.activeAt),
        firedAt: toIso(step.firedAt),
      };
      return { state, fired: step.fired ? { state, window } : null };
    }
    default: {
      const unreachable: never = step;
      throw new Error(`unknown alert transition ${JSON.stringify(unreachable)}`);
    }
  }
}

function resolveAfterWindows(options: AlertEvaluationOptions): number {
  const windows = options.resolveAfterWindows ?? DEFAULT_RESOLVE_AFTER_WINDOWS;
  ensure(
    Number.isSafeInteger(windows) && windows >= 1,
    'alert_rule.invalid_resolve_after_windows',
    'resolveAfterWindows must be a whole number ≥ 1',
    { windows },
  );
  return windows;
}

function latenessGrace(options: AlertEvaluationOptions): number {
  const graceMs = options.latenessGraceMs ?? DEFAULT_ALERT_LATENESS_GRACE_MS;
  ensure(
    Number.isSafeInteger(graceMs) && graceMs > 0,
    'alert_rule.invalid_lateness_grace',
    'the lateness grace must be a whole number of milliseconds > 0',
    { graceMs },
  );
  return graceMs;
}

/** Array.isArray without its narrowing to any[]: stored JSON keeps its declared element type. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function copyState(state: AlertGroupState): AlertGroupState {
  return { ...state, group: { ...state.group } };
}

function parseStateInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  ensure(
    typeof value === 'string' && Number.isFinite(ms),
    'alert_rule.invalid_evaluation_state',
    `${field} must be an ISO-8601 instant`,
    { field },
  );
  return ms;
}

/** Checks a stored group: a consistent settled state, ascending recent windows after it. */
function groupRecord(snapshot: AlertGroupSnapshot): GroupRecord {
  ensure(
    typeof snapshot.groupKey === 'string' &&
      typeof snapshot.group === 'object' &&
      snapshot.group !== null &&
      Object.values(snapshot.group).every((v) => typeof v === 'string') &&
      isList(snapshot.recent) &&
      isList(snapshot.triggered),
    'alert_rule.invalid_evaluation_state',
    'a group needs a groupKey, a group of strings, recent windows and triggered episodes',
    { groupKey: snapshot.groupKey },
  );
  const settledThrough =
    snapshot.settledThrough === null
      ? null
      : parseStateInstant(snapshot.settledThrough, 'settledThrough');
  const recent = snapshot.recent.map((w) => {
    ensure(
      Number.isFinite(w.value) && (w.traceId === null || typeof w.traceId === 'string'),
      'alert_rule.invalid_evaluation_state',
      'a recent window needs a finite value and a trace id or null',
      { groupKey: snapshot.groupKey },
    );
    return {
      windowEnd: parseStateInstant(w.windowEnd, 'recent.windowEnd'),
      value: w.value,
      traceId: w.traceId,
    };
  });
  ensure(
    recent.every(
      (w, i) =>
        (i === 0 || w.windowEnd > (recent[i - 1]?.windowEnd ?? -Infinity)) &&
        (settledThrough === null || w.windowEnd > settledThrough),
    ) &&
      (snapshot.settled !== null || recent.length > 0),
    'alert_rule.invalid_evaluation_state',
    'recent windows must ascend, follow settledThrough, and a group must have a window',
    { groupKey: snapshot.groupKey },
  );
  return {
    groupKey: snapshot.groupKey,
    group: { ...snapshot.group },
    settled: snapshot.settled === null ? null : alertGroupState(snapshot.settled),
    settledThrough,
    recent,
    triggered: new Set(snapshot.triggered.map((t) => parseStateInstant(t, 'triggered'))),
    unresolved: unresolvedOf(snapshot),
  };
}

function unresolvedOf(snapshot: AlertGroupSnapshot): GroupRecord['unresolved'] {
  const stored = snapshot.unresolved;
  if (stored === undefined || stored === null) return null;
  ensure(
    Number.isSafeInteger(stored.clearWindows) && stored.clearWindows >= 0,
    'alert_rule.invalid_evaluation_state',
    'clearWindows must be a whole number ≥ 0',
    { groupKey: snapshot.groupKey },
  );
  return {
    activeAt: parseStateInstant(stored.activeAt, 'unresolved.activeAt'),
    firedAt: parseStateInstant(stored.firedAt, 'unresolved.firedAt'),
    clearWindows: stored.clearWindows,
  };
}

/**
 * State saved before windows could arrive out of order: each group's applied state becomes its
 * settled state, final up to its last window (as it was then: older windows were ignored).
 */
function fromLegacy(
  rule: AlertRule,
  legacy: LegacyAlertEvaluationSnapshot,
): AlertEvaluationSnapshot {
  const condition = rule.toSnapshot().condition;
  const sameCondition = legacy.conditionKey === legacyConditionKey(condition);
  const ends = legacy.groups.map((g) => Date.parse(g.lastWindowEnd)).filter(Number.isFinite);
  return {
    alertRuleId: legacy.alertRuleId,
    conditionKey: sameCondition ? conditionKey(condition) : legacy.conditionKey,
    newestWindowEnd: ends.length === 0 ? null : toIso(Math.max(...ends)),
    lateWindows: 0,
    groups: legacy.groups.map((g) => ({
      groupKey: g.groupKey,
      group: g.group,
      settled: g,
      settledThrough: g.lastWindowEnd,
      recent: [],
      triggered: [],
    })),
  };
}
