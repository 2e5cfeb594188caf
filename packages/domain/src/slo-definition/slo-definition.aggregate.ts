import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../kernel/ids.js';
import { parseInstant, positiveMinutes, toIso } from '../kernel/time.js';
import {
  evaluateSlo,
  SLO_BURN_ALERTS,
  SLO_BURN_WINDOWS,
  type SloBurnAlertName,
  type SloBurnWindow,
  type SloEvaluation,
  type SloObservation,
} from './slo-budget.js';
import {
  activeBurnAlerts,
  burnRateAlertsConfig,
  stepBurnAlerts,
  type ActiveBurnAlert,
  type BurnAlertStep,
  type BurnAlertTransition,
  type BurnRateAlertsConfig,
} from './slo-burn-alerts.js';
import {
  SLO_DEFINITION_AGGREGATE_TYPE,
  type SloBurnRateAlertPayload,
  type SloDefinitionEvent,
} from './slo-definition.events.js';
import {
  errorBudgetOf,
  sli,
  sloStatus,
  sloTarget,
  type Sli,
  type SloStatus,
} from './slo-values.js';

/** Entity: how much of the error budget had been burned at an evaluation. */
export interface BudgetBurnEvent {
  readonly timestamp: string;
  /** Share of the error budget consumed over the rolling window, percent in [0, 100]. */
  readonly burnedPct: number;
}

/**
 * One burn point per 5-minute bucket of event time (a later evaluation in the same bucket
 * replaces it), and 288 of them: a day of trend, whatever the evaluation rate; older points drop.
 */
export const MAX_BURN_EVENTS = 288;
export const BURN_EVENT_BUCKET_MS = 5 * 60_000;
const NAME_MAX_LENGTH = 200;

/** Entity: a time range whose events are left out of the budget (planned work, a known outage). */
export interface MaintenanceWindow {
  readonly id: string;
  /** ISO-8601, inclusive. */
  readonly start: string;
  /** ISO-8601, exclusive; after start. */
  readonly end: string;
  readonly reason: string | null;
}

export const MAX_MAINTENANCE_WINDOWS = 100;
const REASON_MAX_LENGTH = 1_000;

/** What the last evaluation saw, kept for the status read (null/0/[] before the first one). */
export interface SloLastEvaluation {
  readonly badEvents: number;
  readonly totalEvents: number;
  /** Over the whole rolling window; null when the error budget is 0. */
  readonly burnRate: number | null;
  readonly burnRates: Readonly<Record<SloBurnWindow, number | null>>;
  readonly firingAlerts: readonly SloBurnAlertName[];
}

/** The quality dimensions an SLO can guard (quality-score-service's factors). */
export const SLO_QUALITY_DIMENSIONS = ['reliability', 'performance'] as const;
export type SloQualityDimension = (typeof SLO_QUALITY_DIMENSIONS)[number];

/** What an SLO guards when it does not say: a latency SLI performance, any other reliability. */
export function defaultQualityDimension(indicator: Pick<Sli, 'kind'>): SloQualityDimension {
  return indicator.kind === 'latency' ? 'performance' : 'reliability';
}

function qualityDimension(value: string | null | undefined): SloQualityDimension | null {
  if (value === null || value === undefined) return null;
  ensure(
    (SLO_QUALITY_DIMENSIONS as readonly string[]).includes(value),
    'slo.invalid_quality_dimension',
    `qualityDimension must be one of ${SLO_QUALITY_DIMENSIONS.join(', ')}`,
    { qualityDimension: value },
  );
  return value as SloQualityDimension;
}

/** The definition a user writes; the rest of the snapshot is the evaluation's. */
export interface SloDefinitionFields {
  readonly projectId: string;
  readonly name: string;
  readonly indicator: Sli;
  readonly target: number;
  readonly windowMinutes: number;
  /** Burn-rate alerts: on, with no receivers, when left out (slo-burn-alerts.ts). */
  readonly burnRateAlerts?: BurnRateAlertsConfig;
  /** The quality dimension it guards; left out (or null): from the SLI (defaultQualityDimension). */
  readonly qualityDimension?: SloQualityDimension | null;
}

const NO_EVALUATION: SloLastEvaluation = {
  badEvents: 0,
  totalEvents: 0,
  burnRate: null,
  burnRates: { '5m': null, '30m': null, '1h': null, '6h': null },
  firingAlerts: [],
};

export interface SloDefinitionSnapshot {
  readonly sloId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly name: string;
  readonly indicator: Sli;
  readonly target: number;
  readonly windowMinutes: number;
  /** When the SLO was defined (command time). */
  readonly createdAt: string;
  readonly errorBudget: number;
  readonly budgetRemaining: number;
  readonly status: SloStatus;
  /** Bad share observed at the last evaluation, percent; 0 before the first one. */
  readonly badPct: number;
  readonly lastEvaluatedAt: string | null;
  readonly lastEvaluation: SloLastEvaluation;
  readonly burnEvents: readonly BudgetBurnEvent[];
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly burnRateAlerts: BurnRateAlertsConfig;
  /** The dimension the definition declares; null when it is the SLI's default. */
  readonly qualityDimension: SloQualityDimension | null;
  /** The burn-rate alerts firing at the last evaluation, one per severity at most. */
  readonly activeBurnAlerts: readonly ActiveBurnAlert[];
}

export interface CreateSloDefinitionInput extends SloDefinitionFields {
  /** Chosen by the service (a UUID). */
  readonly sloId: string;
  readonly tenantId: string;
  readonly createdAt: string;
}

type SloState = Omit<SloDefinitionSnapshot, 'tenantId' | 'status'> & {
  readonly tenantId: TenantId;
  readonly status: SloStatus;
};

type UncheckedFields = Omit<
  SloDefinitionSnapshot,
  'status' | 'burnRateAlerts' | 'qualityDimension'
> & {
  readonly status: string;
  readonly burnRateAlerts?: BurnRateAlertsConfig;
  readonly qualityDimension?: string | null;
};

function burnEvent(event: BudgetBurnEvent): BudgetBurnEvent {
  ensure(
    Number.isFinite(event.burnedPct) && event.burnedPct >= 0 && event.burnedPct <= 100,
    'slo.invalid_burn_event',
    'burnedPct must be a percentage in [0, 100]',
    { burnedPct: event.burnedPct },
  );
  return {
    timestamp: toIso(parseInstant(event.timestamp, 'timestamp')),
    burnedPct: event.burnedPct,
  };
}

function maintenanceWindow(input: MaintenanceWindow): MaintenanceWindow {
  const start = parseInstant(input.start, 'start');
  const end = parseInstant(input.end, 'end');
  ensure(
    end > start,
    'slo.invalid_maintenance_window',
    'a maintenance window must end after it starts',
    {
      start: input.start,
      end: input.end,
    },
  );
  ensure(
    input.reason === null || input.reason.length <= REASON_MAX_LENGTH,
    'slo.invalid_maintenance_window',
    `reason takes at most ${REASON_MAX_LENGTH} characters`,
    {},
  );
  return {
    id: requiredText(input.id, 'id', 'slo.invalid_maintenance_window'),
    start: toIso(start),
    end: toIso(end),
    reason: input.reason,
  };
}

const finiteOrNull = (value: number | null): boolean => value === null || Number.isFinite(value);

function lastEvaluation(input: SloLastEvaluation): SloLastEvaluation {
  const names = SLO_BURN_ALERTS.map((alert) => alert.name as string);
  ensure(
    Number.isSafeInteger(input.badEvents) &&
      Number.isSafeInteger(input.totalEvents) &&
      input.badEvents >= 0 &&
      input.badEvents <= input.totalEvents &&
      finiteOrNull(input.burnRate) &&
      SLO_BURN_WINDOWS.every((w) => finiteOrNull(input.burnRates[w] ?? null)) &&
      input.firingAlerts.every((name) => names.includes(name)),
    'slo.invalid_observation',
    'the last evaluation needs whole counts, finite burn rates and known alert names',
    {},
  );
  return {
    badEvents: input.badEvents,
    totalEvents: input.totalEvents,
    burnRate: input.burnRate,
    burnRates: {
      '5m': input.burnRates['5m'] ?? null,
      '30m': input.burnRates['30m'] ?? null,
      '1h': input.burnRates['1h'] ?? null,
      '6h': input.burnRates['6h'] ?? null,
    },
    firingAlerts: [...input.firingAlerts],
  };
}

function validState(fields: UncheckedFields): SloState {
  const target = sloTarget(fields.target);
  const errorBudget = errorBudgetOf(target);
  ensure(
    fields.errorBudget === errorBudget,
    'slo.error_budget_mismatch',
    'errorBudget must equal 100 − target',
    { errorBudget: fields.errorBudget, expected: errorBudget },
  );
  ensure(
    Number.isFinite(fields.budgetRemaining) &&
      fields.budgetRemaining >= 0 &&
      fields.budgetRemaining <= errorBudget,
    'slo.budget_out_of_range',
    'budgetRemaining must lie in [0, errorBudget]',
    { budgetRemaining: fields.budgetRemaining, errorBudget },
  );
  const status = sloStatus(fields.status);
  ensure(
    status !== 'breached' || fields.budgetRemaining === 0,
    'slo.breached_requires_exhausted_budget',
    'an SLO can only be breached once its budget is exhausted (budgetRemaining = 0)',
    { budgetRemaining: fields.budgetRemaining },
  );
  ensure(
    Number.isFinite(fields.badPct) && fields.badPct >= 0 && fields.badPct <= 100,
    'slo.invalid_observation',
    'badPct must be a percentage in [0, 100]',
    { badPct: fields.badPct },
  );
  return {
    sloId: requiredText(fields.sloId, 'sloId', 'slo.invalid_id'),
    tenantId: toTenantId(fields.tenantId),
    projectId: requiredText(fields.projectId, 'projectId', 'slo.project_required'),
    name: requiredText(fields.name, 'name', 'slo.name_required', NAME_MAX_LENGTH).trim(),
    indicator: sli(fields.indicator),
    target,
    windowMinutes: positiveMinutes(fields.windowMinutes, 'slo.invalid_window', 'windowMinutes'),
    createdAt: toIso(parseInstant(fields.createdAt, 'createdAt')),
    errorBudget,
    budgetRemaining: fields.budgetRemaining,
    status,
    badPct: fields.badPct,
    lastEvaluatedAt:
      fields.lastEvaluatedAt === null
        ? null
        : toIso(parseInstant(fields.lastEvaluatedAt, 'lastEvaluatedAt')),
    lastEvaluation: lastEvaluation(fields.lastEvaluation),
    burnEvents: fields.burnEvents.map(burnEvent).slice(-MAX_BURN_EVENTS),
    maintenanceWindows: validMaintenanceWindows(fields.maintenanceWindows),
    burnRateAlerts: burnRateAlertsConfig(fields.burnRateAlerts),
    qualityDimension: qualityDimension(fields.qualityDimension),
    activeBurnAlerts: activeBurnAlerts(fields.activeBurnAlerts),
  };
}

function validMaintenanceWindows(windows: readonly MaintenanceWindow[]): MaintenanceWindow[] {
  ensure(
    windows.length <= MAX_MAINTENANCE_WINDOWS,
    'slo.too_many_maintenance_windows',
    `an SLO keeps at most ${MAX_MAINTENANCE_WINDOWS} maintenance windows`,
    { count: windows.length },
  );
  const valid = windows.map(maintenanceWindow);
  ensure(
    new Set(valid.map((w) => w.id)).size === valid.length,
    'slo.invalid_maintenance_window',
    'maintenance window ids must be unique',
    {},
  );
  return valid;
}

/** Appends the point, or replaces the last one when it falls in the same 5-minute bucket. */
function withBurnEvent(
  events: readonly BudgetBurnEvent[],
  event: BudgetBurnEvent,
): BudgetBurnEvent[] {
  const last = events.at(-1);
  const bucket = (e: BudgetBurnEvent) => Math.floor(Date.parse(e.timestamp) / BURN_EVENT_BUCKET_MS);
  const kept = last !== undefined && bucket(last) === bucket(event) ? events.slice(0, -1) : events;
  return [...kept, event].slice(-MAX_BURN_EVENTS);
}

/**
 * A service-level objective over a rolling window. Each evaluation replaces the budget picture;
 * SloBreached is recorded on the step into `breached` only, so one breach is one event and a
 * recovery followed by a new breach is a new event.
 */
export class SloDefinition extends AggregateRoot<SloDefinitionEvent> {
  private state: SloState;

  private constructor(state: SloState) {
    super();
    this.state = state;
  }

  /** A new SLO starts with its whole budget and healthy; creation publishes nothing. */
  static create(input: CreateSloDefinitionInput): SloDefinition {
    const target = sloTarget(input.target);
    const errorBudget = errorBudgetOf(target);
    return new SloDefinition(
      validState({
        ...input,
        errorBudget,
        budgetRemaining: errorBudget,
        status: 'healthy',
        badPct: 0,
        lastEvaluatedAt: null,
        lastEvaluation: NO_EVALUATION,
        burnEvents: [],
        maintenanceWindows: [],
        activeBurnAlerts: [],
      }),
    );
  }

  static rehydrate(snapshot: SloDefinitionSnapshot): SloDefinition {
    return new SloDefinition(validState(snapshot));
  }

  get id(): string {
    return this.state.sloId;
  }

  get status(): SloStatus {
    return this.state.status;
  }

  /** The quality dimension it guards: the declared one, else its SLI's default. */
  get qualityDimension(): SloQualityDimension {
    return this.state.qualityDimension ?? defaultQualityDimension(this.state.indicator);
  }

  get lastEvaluatedAt(): string | null {
    return this.state.lastEvaluatedAt;
  }

  /**
   * Applies the counts observed over the rolling window at event time `at`. An evaluation older
   * than the last one is refused: it would roll the budget back to a stale picture.
   */
  evaluate(observation: SloObservation, at: string): SloEvaluation {
    const atMs = parseInstant(at, 'at');
    const last = this.state.lastEvaluatedAt;
    ensure(
      last === null || atMs >= Date.parse(last),
      'slo.evaluation_out_of_order',
      'an evaluation must not be older than the previous one',
      { at, lastEvaluatedAt: last },
    );
    const evaluation = evaluateSlo({ ...observation, target: this.state.target });
    this.apply(evaluation, toIso(atMs), this.state.status, observation);
    return evaluation;
  }

  /**
   * Replaces the definition (name, project, indicator, target, window). An SLO already evaluated
   * is re-evaluated at once at its last evaluation time with `observation` (the counts under the
   * new definition), so the budget never shows the old target; without one it starts afresh.
   * A redefinition that leaves the SLO breached is not a new breach.
   */
  redefine(fields: SloDefinitionFields, observation?: SloObservation): SloEvaluation | undefined {
    const errorBudget = errorBudgetOf(sloTarget(fields.target));
    const next = validState({
      ...this.state,
      ...fields,
      // A replaced definition that leaves it out guards its (new) SLI's default again.
      qualityDimension: fields.qualityDimension ?? null,
      errorBudget,
      budgetRemaining: errorBudget,
      status: 'healthy',
      badPct: 0,
      lastEvaluation: NO_EVALUATION,
    });
    const at = next.lastEvaluatedAt;
    const evaluation =
      at === null || observation === undefined
        ? undefined
        : evaluateSlo({ ...observation, target: next.target });
    const previous = this.state.status;
    this.state = next;
    if (evaluation !== undefined && at !== null && observation !== undefined) {
      this.apply(evaluation, at, previous, observation);
    } else if (this.state.activeBurnAlerts.length > 0 && at !== null) {
      // Nothing to count under the new definition: the alerts it had stop with the old one.
      this.applyBurnAlerts(
        { window: { good: 0, total: 0 } },
        at,
        evaluateSlo({
          window: { good: 0, total: 0 },
          target: next.target,
        }),
      );
    }
    return evaluation;
  }

  /**
   * Leaves [start, end) out of the budget. The caller re-evaluates with the window excluded
   * (`evaluate` at lastEvaluatedAt) so the status reflects it at once.
   */
  scheduleMaintenance(window: MaintenanceWindow): MaintenanceWindow {
    const valid = maintenanceWindow(window);
    const windows = validMaintenanceWindows([...this.state.maintenanceWindows, valid]);
    this.state = { ...this.state, maintenanceWindows: windows };
    return valid;
  }

  /** The burn-rate alerts firing now (one per severity at most). */
  get activeBurnAlerts(): readonly ActiveBurnAlert[] {
    return this.state.activeBurnAlerts;
  }

  /** `previous`: the status a breach is a step from (a redefinition keeps the old one). */
  private apply(
    evaluation: SloEvaluation,
    timestamp: string,
    previous: SloStatus,
    observation: SloObservation,
  ): void {
    this.state = {
      ...this.state,
      budgetRemaining: evaluation.budgetRemaining,
      status: evaluation.status,
      badPct: evaluation.badPct,
      lastEvaluatedAt: timestamp,
      lastEvaluation: {
        badEvents: evaluation.badEvents,
        totalEvents: evaluation.totalEvents,
        burnRate: evaluation.burnRate,
        burnRates: { ...evaluation.burnRates },
        firingAlerts: [...evaluation.firingAlerts],
      },
      burnEvents: withBurnEvent(this.state.burnEvents, {
        timestamp,
        burnedPct: evaluation.burnedPct,
      }),
    };
    // Burn-rate alerts before the breach: on one evaluation, the page comes first.
    this.applyBurnAlerts(observation, timestamp, evaluation);
    switch (evaluation.status) {
      case 'breached':
        if (previous !== 'breached') this.recordBreach(evaluation, timestamp);
        break;
      case 'at-risk':
      case 'healthy':
        break;
      default: {
        const unreachable: never = evaluation.status;
        throw new Error(`unknown SLO status ${String(unreachable)}`);
      }
    }
  }

  /** Steps the burn-rate alerts at `timestamp` and records a Fired/Resolved per transition. */
  private applyBurnAlerts(
    observation: SloObservation,
    timestamp: string,
    evaluation: SloEvaluation,
  ): void {
    const atMs = Date.parse(timestamp);
    const step = stepBurnAlerts({
      target: this.state.target,
      config: this.state.burnRateAlerts,
      active: this.state.activeBurnAlerts,
      windows: observation.burnWindows ?? {},
      at: timestamp,
      inMaintenance: this.state.maintenanceWindows.some(
        (w) => Date.parse(w.start) <= atMs && atMs < Date.parse(w.end),
      ),
    });
    this.state = { ...this.state, activeBurnAlerts: [...step.active] };
    for (const transition of step.fired) {
      this.recordBurnAlert('SloBurnRateAlertFired', transition, step, evaluation, timestamp);
    }
    for (const transition of step.resolved) {
      this.recordBurnAlert('SloBurnRateAlertResolved', transition, step, evaluation, timestamp);
    }
  }

  private recordBurnAlert(
    eventType: 'SloBurnRateAlertFired' | 'SloBurnRateAlertResolved',
    transition: BurnAlertTransition,
    step: BurnAlertStep,
    evaluation: SloEvaluation,
    at: string,
  ): void {
    const payload: SloBurnRateAlertPayload = {
      sloId: this.state.sloId,
      projectId: this.state.projectId,
      name: this.state.name,
      severity: transition.alert.severity,
      target: this.state.target,
      windowMinutes: this.state.windowMinutes,
      errorBudget: this.state.errorBudget,
      budgetRemaining: evaluation.budgetRemaining,
      rules: transition.readings.map((r) => ({ ...r })),
      burnRates: { ...step.rates },
      dimensions: { ...this.state.indicator.filter },
      receivers: [...this.state.burnRateAlerts.receivers],
      traceIds: [],
      firedAt: transition.alert.firedAt,
    };
    const header = {
      aggregateType: SLO_DEFINITION_AGGREGATE_TYPE,
      aggregateId: this.state.sloId,
      tenantId: this.state.tenantId,
      traceId: null,
      occurredAt: at,
    };
    if (eventType === 'SloBurnRateAlertFired') {
      this.record({ ...header, eventType, payload });
    } else {
      this.record({ ...header, eventType, payload: { ...payload, resolvedAt: at } });
    }
  }

  toSnapshot(): SloDefinitionSnapshot {
    return {
      ...this.state,
      indicator: { ...this.state.indicator, filter: { ...this.state.indicator.filter } },
      lastEvaluation: {
        ...this.state.lastEvaluation,
        burnRates: { ...this.state.lastEvaluation.burnRates },
        firingAlerts: [...this.state.lastEvaluation.firingAlerts],
      },
      burnEvents: this.state.burnEvents.map((e) => ({ ...e })),
      maintenanceWindows: this.state.maintenanceWindows.map((w) => ({ ...w })),
      burnRateAlerts: {
        enabled: this.state.burnRateAlerts.enabled,
        receivers: [...this.state.burnRateAlerts.receivers],
      },
      activeBurnAlerts: this.state.activeBurnAlerts.map((a) => ({ ...a, rules: [...a.rules] })),
    };
  }

  private recordBreach(evaluation: SloEvaluation, breachedAt: string): void {
    this.record({
      eventType: 'SloBreached',
      aggregateType: SLO_DEFINITION_AGGREGATE_TYPE,
      aggregateId: this.state.sloId,
      tenantId: this.state.tenantId,
      traceId: null,
      occurredAt: breachedAt,
      payload: {
        sloId: this.state.sloId,
        projectId: this.state.projectId,
        name: this.state.name,
        target: this.state.target,
        windowMinutes: this.state.windowMinutes,
        errorBudget: this.state.errorBudget,
        budgetRemaining: 0,
        badPct: evaluation.badPct,
        breachedAt,
        dimension: this.qualityDimension,
      },
    });
  }
}
