import { AggregateRoot } from '../shared/aggregate-root.js';
import { ensure } from '../shared/domain-error.js';
import { requiredText, tenantId as toTenantId, type TenantId } from '../shared/ids.js';
import { parseInstant, positiveMinutes, toIso } from '../shared/time.js';
import { evaluateSlo, type SloEvaluation, type SloObservation } from './slo-budget.js';
import { SLO_DEFINITION_AGGREGATE_TYPE, type SloDefinitionEvent } from './slo-definition.events.js';
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

/** Enough history for a day of 5-minute evaluations' worth of trend; older points are dropped. */
export const MAX_BURN_EVENTS = 288;
const NAME_MAX_LENGTH = 200;

export interface SloDefinitionSnapshot {
  readonly sloId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly name: string;
  readonly indicator: Sli;
  readonly target: number;
  readonly windowMinutes: number;
  readonly errorBudget: number;
  readonly budgetRemaining: number;
  readonly status: SloStatus;
  /** Bad share observed at the last evaluation, percent; 0 before the first one. */
  readonly badPct: number;
  readonly lastEvaluatedAt: string | null;
  readonly burnEvents: readonly BudgetBurnEvent[];
}

export interface CreateSloDefinitionInput {
  /** Chosen by the service (a UUID). */
  readonly sloId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly name: string;
  readonly indicator: Sli;
  readonly target: number;
  readonly windowMinutes: number;
}

type SloState = Omit<SloDefinitionSnapshot, 'tenantId' | 'status'> & {
  readonly tenantId: TenantId;
  readonly status: SloStatus;
};

type UncheckedFields = Omit<SloDefinitionSnapshot, 'status'> & { readonly status: string };

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
    errorBudget,
    budgetRemaining: fields.budgetRemaining,
    status,
    badPct: fields.badPct,
    lastEvaluatedAt:
      fields.lastEvaluatedAt === null
        ? null
        : toIso(parseInstant(fields.lastEvaluatedAt, 'lastEvaluatedAt')),
    burnEvents: fields.burnEvents.map(burnEvent).slice(-MAX_BURN_EVENTS),
  };
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
        burnEvents: [],
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
    const previous = this.state.status;
    const timestamp = toIso(atMs);
    this.state = {
      ...this.state,
      budgetRemaining: evaluation.budgetRemaining,
      status: evaluation.status,
      badPct: evaluation.badPct,
      lastEvaluatedAt: timestamp,
      burnEvents: [...this.state.burnEvents, { timestamp, burnedPct: evaluation.burnedPct }].slice(
        -MAX_BURN_EVENTS,
      ),
    };
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
    return evaluation;
  }

  toSnapshot(): SloDefinitionSnapshot {
    return {
      ...this.state,
      indicator: { ...this.state.indicator },
      burnEvents: this.state.burnEvents.map((e) => ({ ...e })),
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
      },
    });
  }
}
