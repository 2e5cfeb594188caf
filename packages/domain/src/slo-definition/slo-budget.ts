import {
  errorBudgetScaled,
  sliCounts,
  TARGET_SCALE,
  type SliCounts,
  type SloStatus,
} from './slo-values.js';

/** The short windows of multi-window burn-rate alerting (Google SRE workbook, chapter 5). */
export const SLO_BURN_WINDOWS = ['5m', '30m', '1h', '6h'] as const;
export type SloBurnWindow = (typeof SLO_BURN_WINDOWS)[number];

export type SloBurnAlertName = 'fast' | 'slow';

/**
 * A pair fires when BOTH windows burn at least `threshold` times the sustainable rate: the long
 * window proves it is significant, the short one that it is still happening. Thresholds are
 * held in tenths so the comparison stays on integers (14.4 → 144).
 */
export const SLO_BURN_ALERTS: readonly {
  readonly name: SloBurnAlertName;
  readonly long: SloBurnWindow;
  readonly short: SloBurnWindow;
  readonly thresholdTenths: number;
}[] = [
  { name: 'fast', long: '1h', short: '5m', thresholdTenths: 144 },
  { name: 'slow', long: '6h', short: '30m', thresholdTenths: 60 },
];

/**
 * Every window a burn rate is computed over: the four of the status read, and the 3-day window of
 * the ticket-severity burn-rate alert (slo-burn-alerts.ts).
 */
export type SloObservedWindow = SloBurnWindow | '3d';

export interface SloObservation {
  /** Counts over the SLO's whole rolling window. */
  readonly window: SliCounts;
  /** Counts over the burn-rate windows; a missing window cannot fire its pair. */
  readonly burnWindows?: Partial<Record<SloObservedWindow, SliCounts>>;
}

export interface SloEvaluationInput extends SloObservation {
  readonly target: number;
}

export interface SloEvaluation {
  readonly errorBudget: number;
  readonly badEvents: number;
  readonly totalEvents: number;
  /** Observed bad share of the window, in percent (0 when there were no events). */
  readonly badPct: number;
  /** max(0, errorBudget − badPct); exactly 0 when breached. */
  readonly budgetRemaining: number;
  /** Share of the error budget consumed, in percent, capped at 100. */
  readonly burnedPct: number;
  /** bad ratio / (1 − target/100) over the window; null when the error budget is 0. */
  readonly burnRate: number | null;
  readonly burnRates: Readonly<Record<SloBurnWindow, number | null>>;
  readonly firingAlerts: readonly SloBurnAlertName[];
  readonly status: SloStatus;
}

// bad/total ≥ budgetScaled/(100·SCALE)  ⇔  bad·100·SCALE ≥ budgetScaled·total, all integers.
const PERCENT_SCALED = BigInt(100 * TARGET_SCALE);

function bad(counts: SliCounts): number {
  return counts.total - counts.good;
}

/** bad share ≥ whole budget with at least one bad event (docs/design.md#slo). */
function budgetExhausted(counts: SliCounts, budgetScaled: number): boolean {
  const badEvents = bad(counts);
  return (
    badEvents > 0 &&
    BigInt(badEvents) * PERCENT_SCALED >= BigInt(budgetScaled) * BigInt(counts.total)
  );
}

/** Less than 25 % of the budget remains, i.e. more than 75 % of it is used: 4·bad% > 3·budget. */
function budgetLow(counts: SliCounts, budgetScaled: number): boolean {
  return (
    budgetScaled > 0 &&
    BigInt(4) * BigInt(bad(counts)) * PERCENT_SCALED >
      BigInt(3) * BigInt(budgetScaled) * BigInt(counts.total)
  );
}

/** Burn rate ≥ threshold; with a zero budget any bad event is an unbounded burn. */
export function burning(
  counts: SliCounts | undefined,
  budgetScaled: number,
  thresholdTenths: number,
): boolean {
  if (counts === undefined || counts.total === 0 || bad(counts) === 0) return false;
  if (budgetScaled === 0) return true;
  return (
    BigInt(bad(counts)) * PERCENT_SCALED * BigInt(10) >=
    BigInt(thresholdTenths) * BigInt(budgetScaled) * BigInt(counts.total)
  );
}

/** Reported burn rate; null instead of Infinity/NaN so snapshots stay JSON-clean. */
export function burnRate(counts: SliCounts | undefined, budgetScaled: number): number | null {
  if (counts === undefined || budgetScaled === 0) return null;
  if (counts.total === 0) return 0;
  // bad ratio / (1 − target/100) = bad·100·SCALE / (budgetScaled·total): one division of two
  // integers, so round numbers come out round (0.8, not 0.7999999999999999).
  return (
    Number(BigInt(bad(counts)) * PERCENT_SCALED) /
    Number(BigInt(budgetScaled) * BigInt(counts.total))
  );
}

function remaining(counts: SliCounts, budgetScaled: number, breached: boolean): number {
  const errorBudget = budgetScaled / TARGET_SCALE;
  if (breached) return 0;
  if (counts.total === 0) return errorBudget;
  // (budget − badPct) as one exact numerator over one denominator: positive whenever unbreached.
  const numerator =
    BigInt(budgetScaled) * BigInt(counts.total) - BigInt(bad(counts)) * PERCENT_SCALED;
  const value = Number(numerator) / (counts.total * TARGET_SCALE);
  return Math.min(errorBudget, Math.max(0, value));
}

/**
 * Evaluates an SLO over its rolling window (docs/design.md#slo):
 * - errorBudget = 100 − target (percent of events)
 * - budgetRemaining = max(0, errorBudget − badPct)
 * - burn rate = bad ratio / (1 − target/100)
 * - breached ⇔ at least one bad event and badPct ≥ errorBudget (then budgetRemaining = 0)
 * - at-risk ⇔ not breached and (1h & 5m both ≥ 14.4× or 6h & 30m both ≥ 6×, or < 25 % budget left)
 * - healthy otherwise; so target 100 without bad events is healthy although its budget is 0.
 */
export function evaluateSlo(input: SloEvaluationInput): SloEvaluation {
  const budgetScaled = errorBudgetScaled(input.target);
  const window = sliCounts(input.window, 'window');
  const burnWindows: Partial<Record<SloBurnWindow, SliCounts>> = {};
  for (const name of SLO_BURN_WINDOWS) {
    const counts = input.burnWindows?.[name];
    if (counts !== undefined) burnWindows[name] = sliCounts(counts, `burnWindows.${name}`);
  }

  const breached = budgetExhausted(window, budgetScaled);
  const firingAlerts = SLO_BURN_ALERTS.filter(
    (alert) =>
      burning(burnWindows[alert.long], budgetScaled, alert.thresholdTenths) &&
      burning(burnWindows[alert.short], budgetScaled, alert.thresholdTenths),
  ).map((alert) => alert.name);
  const status: SloStatus = breached
    ? 'breached'
    : firingAlerts.length > 0 || budgetLow(window, budgetScaled)
      ? 'at-risk'
      : 'healthy';

  const errorBudget = budgetScaled / TARGET_SCALE;
  const badEvents = bad(window);
  // One division of integers keeps round shares round (80 of 100 000 → 0.08).
  const badPct = window.total === 0 ? 0 : (badEvents * 100) / window.total;
  const windowBurnRate = burnRate(window, budgetScaled);
  const burnedPct = breached
    ? 100
    : windowBurnRate === null
      ? 0
      : Math.min(100, windowBurnRate * 100);
  return {
    errorBudget,
    badEvents,
    totalEvents: window.total,
    badPct,
    budgetRemaining: remaining(window, budgetScaled, breached),
    burnedPct,
    burnRate: windowBurnRate,
    burnRates: {
      '5m': burnRate(burnWindows['5m'], budgetScaled),
      '30m': burnRate(burnWindows['30m'], budgetScaled),
      '1h': burnRate(burnWindows['1h'], budgetScaled),
      '6h': burnRate(burnWindows['6h'], budgetScaled),
    },
    firingAlerts,
    status,
  };
}
