import {
  COST_CATEGORIES,
  costSignalIdFor,
  type AnomalyOptions,
  type CostCategory,
  type CreateCostSignalInput,
} from '@obs/domain';
import { periodOf, shiftPeriod, type PeriodKind } from './periods.js';

/** Exact cost per category of each period (period start in epoch ms → category → micro-units). */
export type PeriodSums = ReadonlyMap<number, ReadonlyMap<CostCategory, number>>;

/**
 * The periods to recompute when lines land in `touched` periods: those periods, and the next
 * `baselinePeriods` after each, whose trailing baseline includes them. Recomputing the later
 * ones too is what makes the stored signals a function of the line set alone, whatever order
 * (and however late) the lines arrived in. Sorted, without repeats.
 */
export function recomputeTargets(
  kind: PeriodKind,
  touched: readonly number[],
  baselinePeriods: number,
): number[] {
  const targets = new Set<number>();
  for (const start of touched) {
    for (let k = 0; k <= baselinePeriods; k += 1) targets.add(shiftPeriod(kind, start, k));
  }
  return [...targets].sort((a, b) => a - b);
}

/** The [from, to) range of period starts whose sums `recomputeTargets`' signals depend on. */
export function sumsWindow(
  kind: PeriodKind,
  targets: readonly number[],
  baselinePeriods: number,
): { from: number; to: number } {
  const first = targets[0] ?? 0;
  const last = targets[targets.length - 1] ?? first;
  return { from: shiftPeriod(kind, first, -baselinePeriods), to: shiftPeriod(kind, last, 1) };
}

const linesOf = (sums: ReadonlyMap<CostCategory, number>) =>
  COST_CATEGORIES.flatMap((category) => {
    const amountMicros = sums.get(category);
    return amountMicros === undefined ? [] : [{ category, amountMicros }];
  });

export interface SignalScope {
  readonly tenantId: string;
  readonly projectId: string;
  readonly currency: string;
  readonly kind: PeriodKind;
}

/**
 * The domain input of the signal of the period starting at `start`, or undefined when the
 * period has no cost line (no signal). The baseline is taken over the `baselinePeriods` periods
 * right before it that have cost: a period without any line is no period of the project's
 * history (an idle weekend does not drag the median to zero). A category missing from one of
 * them counts as 0 there (the domain's rule).
 */
export function signalInputFor(
  scope: SignalScope,
  start: number,
  sums: PeriodSums,
  baselinePeriods: number,
  anomalyOptions: AnomalyOptions,
): CreateCostSignalInput | undefined {
  const current = sums.get(start);
  if (current === undefined) return undefined;
  const trailing: { breakdown: ReturnType<typeof linesOf> }[] = [];
  for (let k = 1; k <= baselinePeriods; k += 1) {
    const past = sums.get(shiftPeriod(scope.kind, start, -k));
    if (past !== undefined) trailing.push({ breakdown: linesOf(past) });
  }
  return {
    tenantId: scope.tenantId,
    projectId: scope.projectId,
    period: periodOf(scope.kind, start),
    currency: scope.currency,
    breakdown: linesOf(current),
    trailing,
    anomalyOptions,
  };
}

/** The deterministic id of the signal of `scope` for the period starting at `start`. */
export function signalIdFor(scope: SignalScope, start: number): string {
  return costSignalIdFor(scope.tenantId, scope.projectId, periodOf(scope.kind, start));
}
