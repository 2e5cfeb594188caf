import { ensure } from '../kernel/domain-error.js';
import { MICROS_PER_UNIT, type Money } from '../kernel/money.js';
import { COST_CATEGORIES, type CostBreakdownLine, type CostCategory } from './cost-values.js';

export interface AnomalyOptions {
  /** Minimum rise over the baseline, in percent. */
  readonly thresholdPct?: number;
  /** Fewer trailing periods than this is no baseline at all. */
  readonly minBaselinePeriods?: number;
  /** Minimum rise in currency units, so cents doubling to cents is not news. */
  readonly minAbsoluteDelta?: number;
}

export const DEFAULT_ANOMALY_OPTIONS: Required<AnomalyOptions> = {
  thresholdPct: 50,
  minBaselinePeriods: 3,
  minAbsoluteDelta: 0,
};

export interface DetectedCostAnomaly {
  readonly category: CostCategory;
  readonly observed: Money;
  readonly baseline: Money;
  /** Rounded to 2 decimals; the threshold is compared on the exact value. */
  readonly deltaPct: number;
}

function checkedOptions(options: AnomalyOptions): Required<AnomalyOptions> {
  const merged = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
  ensure(
    Number.isFinite(merged.thresholdPct) &&
      merged.thresholdPct > 0 &&
      Number.isInteger(merged.minBaselinePeriods) &&
      merged.minBaselinePeriods >= 1 &&
      Number.isFinite(merged.minAbsoluteDelta) &&
      merged.minAbsoluteDelta >= 0,
    'cost.invalid_anomaly_options',
    'thresholdPct must be > 0, minBaselinePeriods a whole number ≥ 1, minAbsoluteDelta ≥ 0',
    { ...merged },
  );
  return merged;
}

/** Micro-units per category; repeated lines of one category add up. */
function microsByCategory(
  lines: readonly CostBreakdownLine[],
  cur: string,
): Map<CostCategory, number> {
  const map = new Map<CostCategory, number>();
  for (const line of lines) {
    ensure(
      line.amount.currency === cur,
      'money.currency_mismatch',
      'baseline periods must use the signal currency',
      {
        expected: cur,
        actual: line.amount.currency,
      },
    );
    map.set(line.category, (map.get(line.category) ?? 0) + line.amount.micros);
  }
  return map;
}

/** Median in whole micro-units (the mean of the middle two for an even count, rounded). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[mid - 1] ?? 0) + upper) / 2);
}

/**
 * Flags each category of `current` whose cost rose against its trailing baseline.
 *
 * - baseline = MEDIAN of the category over the trailing periods (a period without the category
 *   counts as 0). The median, not the mean, so one past spike neither hides a new one nor makes
 *   a return to normal look cheap.
 * - deltaPct = (observed − baseline) / baseline × 100.
 * - anomaly ⇔ deltaPct ≥ thresholdPct AND observed − baseline ≥ minAbsoluteDelta.
 * - no baseline ⇒ no anomaly: fewer than minBaselinePeriods trailing periods, or a baseline of 0
 *   (a rise from nothing has no percentage).
 *
 * The result is in canonical category order and depends only on the inputs.
 */
export function detectAnomalies(
  current: readonly CostBreakdownLine[],
  trailing: readonly (readonly CostBreakdownLine[])[],
  options: AnomalyOptions = {},
): readonly DetectedCostAnomaly[] {
  const opts = checkedOptions(options);
  const first = current[0];
  if (first === undefined || trailing.length < opts.minBaselinePeriods) return [];
  const cur = first.amount.currency;
  const observedByCategory = microsByCategory(current, cur);
  const history = trailing.map((period) => microsByCategory(period, cur));
  const minDeltaMicros = Math.round(opts.minAbsoluteDelta * MICROS_PER_UNIT);

  const anomalies: DetectedCostAnomaly[] = [];
  for (const category of COST_CATEGORIES) {
    const observed = observedByCategory.get(category);
    if (observed === undefined) continue;
    const baseline = median(history.map((period) => period.get(category) ?? 0));
    if (baseline === 0) continue;
    const delta = observed - baseline;
    if (delta * 100 < opts.thresholdPct * baseline || delta < minDeltaMicros) continue;
    anomalies.push({
      category,
      observed: { currency: cur, micros: observed },
      baseline: { currency: cur, micros: baseline },
      deltaPct: Math.round((delta / baseline) * 100 * 100) / 100,
    });
  }
  return anomalies;
}
