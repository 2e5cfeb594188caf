import { AggregateRoot } from '../kernel/aggregate-root.js';
import { ensure } from '../kernel/domain-error.js';
import {
  requiredText,
  tenantId as toTenantId,
  traceId as toTraceId,
  type TenantId,
} from '../kernel/ids.js';
import {
  currency as toCurrency,
  money,
  moneyFromMicros,
  toAmount,
  type Money,
} from '../kernel/money.js';
import { stableId } from '../kernel/stable-hash.js';
import { parseInstant, toIso } from '../kernel/time.js';
import { detectAnomalies, type AnomalyOptions } from './cost-anomaly-detection.js';
import { COST_SIGNAL_AGGREGATE_TYPE, type CostSignalEvent } from './cost-signal.events.js';
import {
  breakdownTotal,
  costBreakdown,
  costCategory,
  costLinesFromInput,
  costPeriod,
  MAX_ANOMALY_TRACE_IDS,
  type CostAnomaly,
  type CostBreakdownLine,
  type CostCategory,
  type CostLineInput,
  type CostPeriod,
} from './cost-values.js';

export interface CreateCostSignalInput {
  readonly tenantId: string;
  readonly projectId: string;
  readonly period: CostPeriod;
  readonly currency: string;
  readonly breakdown: readonly CostLineInput[];
  /** Optional client-side total; when given it must equal the sum of the breakdown. */
  readonly total?: number;
  /** Breakdowns of the trailing periods the baseline is taken from (order irrelevant). */
  readonly trailing?: readonly { readonly breakdown: readonly CostLineInput[] }[];
  readonly anomalyOptions?: AnomalyOptions;
  /**
   * traceIds of the largest cost lines per category, largest first (the caller ranks them):
   * an anomaly of the category carries them, so whoever is paged can open the costly traces.
   */
  readonly contributors?: Readonly<Partial<Record<CostCategory, readonly string[]>>>;
}

/** Amounts are integer micro-units of `currency` so the stored total stays exact. */
export interface CostSignalSnapshot {
  readonly costSignalId: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly period: CostPeriod;
  readonly currency: string;
  readonly totalMicros: number;
  readonly breakdown: readonly { readonly category: CostCategory; readonly amountMicros: number }[];
  readonly anomalies: readonly {
    readonly category: CostCategory;
    readonly detectedAt: string;
    readonly deltaPct: number;
    readonly baselineMicros: number;
    readonly observedMicros: number;
    readonly traceIds: readonly string[];
  }[];
  readonly computedAt: string;
}

interface CostSignalState {
  readonly costSignalId: string;
  readonly tenantId: TenantId;
  readonly projectId: string;
  readonly period: CostPeriod;
  readonly currency: string;
  readonly total: Money;
  readonly breakdown: readonly CostBreakdownLine[];
  readonly anomalies: readonly CostAnomaly[];
  readonly computedAt: string;
}

/** One signal per (tenant, project, period): recomputation lands on the same id. */
export function costSignalIdFor(tenant: string, projectId: string, period: CostPeriod): string {
  const p = costPeriod(period);
  return stableId('cost', [tenant, projectId, p.start, p.end]);
}

/** Valid W3C trace ids, first occurrence kept, at most MAX_ANOMALY_TRACE_IDS. */
function contributingTraceIds(traceIds: readonly string[] | undefined): readonly string[] {
  const unique = [...new Set((traceIds ?? []).map((id) => toTraceId(id) as string))];
  return unique.slice(0, MAX_ANOMALY_TRACE_IDS);
}

function ensureTotal(total: Money, sum: Money): void {
  ensure(
    total.micros === sum.micros,
    'cost.total_mismatch',
    'total must equal the sum of the breakdown lines',
    { total: toAmount(total), sum: toAmount(sum) },
  );
}

/**
 * A pure function of its inputs: computedAt and detectedAt are the period end (event time), so
 * the same inputs give the same state whenever they are computed.
 */
function computeState(input: CreateCostSignalInput): CostSignalState {
  const tenant = toTenantId(input.tenantId);
  const projectId = requiredText(input.projectId, 'projectId', 'cost.project_required');
  const period = costPeriod(input.period);
  const cur = toCurrency(input.currency);
  const breakdown = costLinesFromInput(input.breakdown, cur);
  const total = breakdownTotal(breakdown, cur);
  if (input.total !== undefined) ensureTotal(money(input.total, cur), total);
  const trailing = (input.trailing ?? []).map((p) => costLinesFromInput(p.breakdown, cur));
  const anomalies = detectAnomalies(breakdown, trailing, input.anomalyOptions).map(
    (a): CostAnomaly => ({
      ...a,
      detectedAt: period.end,
      traceIds: contributingTraceIds(input.contributors?.[a.category]),
    }),
  );
  return {
    costSignalId: costSignalIdFor(tenant, projectId, period),
    tenantId: tenant,
    projectId,
    period,
    currency: cur,
    total,
    breakdown,
    anomalies,
    computedAt: period.end,
  };
}

function stateFromSnapshot(s: CostSignalSnapshot): CostSignalState {
  const tenant = toTenantId(s.tenantId);
  const projectId = requiredText(s.projectId, 'projectId', 'cost.project_required');
  const period = costPeriod(s.period);
  const cur = toCurrency(s.currency);
  const breakdown = costBreakdown(
    s.breakdown.map((l) => ({
      category: l.category,
      amount: moneyFromMicros(l.amountMicros, cur),
    })),
  );
  const total = moneyFromMicros(s.totalMicros, cur);
  ensureTotal(total, breakdownTotal(breakdown, cur));
  const costSignalId = costSignalIdFor(tenant, projectId, period);
  ensure(
    s.costSignalId === costSignalId,
    'cost.id_mismatch',
    'costSignalId must be derived from (tenant, project, period)',
    { costSignalId: s.costSignalId, expected: costSignalId },
  );
  const flagged = new Set<CostCategory>();
  const anomalies = s.anomalies.map((a): CostAnomaly => {
    const category = costCategory(a.category);
    ensure(
      breakdown.some((line) => line.category === category),
      'cost.anomaly_unknown_category',
      `anomaly category ${category} has no breakdown line`,
      { category },
    );
    ensure(
      !flagged.has(category),
      'cost.duplicate_anomaly',
      `category ${category} is flagged twice`,
      {
        category,
      },
    );
    flagged.add(category);
    ensure(
      Number.isFinite(a.deltaPct),
      'cost.invalid_anomaly',
      'deltaPct must be a finite number',
      {
        category,
      },
    );
    return {
      category,
      detectedAt: toIso(parseInstant(a.detectedAt, 'detectedAt')),
      deltaPct: a.deltaPct,
      baseline: moneyFromMicros(a.baselineMicros, cur),
      observed: moneyFromMicros(a.observedMicros, cur),
      traceIds: contributingTraceIds(a.traceIds),
    };
  });
  return {
    costSignalId,
    tenantId: tenant,
    projectId,
    period,
    currency: cur,
    total,
    breakdown,
    anomalies,
    computedAt: toIso(parseInstant(s.computedAt, 'computedAt')),
  };
}

function toSnapshotOf(state: CostSignalState): CostSignalSnapshot {
  return {
    costSignalId: state.costSignalId,
    tenantId: state.tenantId,
    projectId: state.projectId,
    period: { ...state.period },
    currency: state.currency,
    totalMicros: state.total.micros,
    breakdown: state.breakdown.map((l) => ({
      category: l.category,
      amountMicros: l.amount.micros,
    })),
    anomalies: state.anomalies.map((a) => ({
      category: a.category,
      detectedAt: a.detectedAt,
      deltaPct: a.deltaPct,
      baselineMicros: a.baseline.micros,
      observedMicros: a.observed.micros,
      traceIds: [...a.traceIds],
    })),
    computedAt: state.computedAt,
  };
}

/**
 * The cost of a project over a period, broken down by category, with the categories that rose
 * abnormally against their trailing baseline. Each anomaly is published as CostAnomalyDetected.
 */
export class CostSignal extends AggregateRoot<CostSignalEvent> {
  private state: CostSignalState;

  private constructor(state: CostSignalState) {
    super();
    this.state = state;
  }

  static create(input: CreateCostSignalInput): CostSignal {
    const signal = new CostSignal(computeState(input));
    for (const anomaly of signal.state.anomalies) signal.recordAnomaly(anomaly);
    return signal;
  }

  static rehydrate(snapshot: CostSignalSnapshot): CostSignal {
    return new CostSignal(stateFromSnapshot(snapshot));
  }

  get id(): string {
    return this.state.costSignalId;
  }

  get total(): Money {
    return this.state.total;
  }

  /**
   * Recomputes the same (tenant, project, period), e.g. after late cost records. Identical
   * inputs change nothing and record nothing (idempotent); otherwise the state is replaced and
   * only categories not already flagged in this signal are published, so a revision does not
   * announce the same anomaly twice. Returns whether anything changed.
   */
  recompute(input: CreateCostSignalInput): boolean {
    const next = computeState(input);
    ensure(
      next.costSignalId === this.state.costSignalId,
      'cost.scope_mismatch',
      'recompute must target the same tenant, project and period',
      { costSignalId: this.state.costSignalId },
    );
    if (JSON.stringify(toSnapshotOf(next)) === JSON.stringify(toSnapshotOf(this.state)))
      return false;
    const alreadyFlagged = new Set(this.state.anomalies.map((a) => a.category));
    this.state = next;
    for (const anomaly of next.anomalies) {
      if (!alreadyFlagged.has(anomaly.category)) this.recordAnomaly(anomaly);
    }
    return true;
  }

  toSnapshot(): CostSignalSnapshot {
    return toSnapshotOf(this.state);
  }

  private recordAnomaly(anomaly: CostAnomaly): void {
    this.record({
      eventType: 'CostAnomalyDetected',
      aggregateType: COST_SIGNAL_AGGREGATE_TYPE,
      aggregateId: this.state.costSignalId,
      tenantId: this.state.tenantId,
      // The largest contributor's trace: what a consumer correlates the anomaly with.
      traceId: anomaly.traceIds[0] ?? null,
      occurredAt: anomaly.detectedAt,
      payload: {
        costSignalId: this.state.costSignalId,
        projectId: this.state.projectId,
        periodStart: this.state.period.start,
        periodEnd: this.state.period.end,
        currency: this.state.currency,
        category: anomaly.category,
        observed: toAmount(anomaly.observed),
        baseline: toAmount(anomaly.baseline),
        deltaPct: anomaly.deltaPct,
        detectedAt: anomaly.detectedAt,
        traceIds: [...anomaly.traceIds],
      },
    });
  }
}
