import { ensure } from '../kernel/domain-error.js';
import { addMoney, money, moneyFromMicros, type Money } from '../kernel/money.js';
import { parseInstant, toIso } from '../kernel/time.js';

/** Declaration order is the canonical order of breakdowns, so equal inputs give equal rows. */
export const COST_CATEGORIES = ['model_inference', 'compute', 'storage', 'network'] as const;
export type CostCategory = (typeof COST_CATEGORIES)[number];

export function costCategory(value: string): CostCategory {
  ensure(
    (COST_CATEGORIES as readonly string[]).includes(value),
    'cost.invalid_category',
    `category must be one of ${COST_CATEGORIES.join(', ')}`,
    { value },
  );
  return value as CostCategory;
}

/** Period: the half-open interval [start, end) the cost is attributed to, ISO-8601 UTC. */
export interface CostPeriod {
  readonly start: string;
  readonly end: string;
}

export function costPeriod(input: CostPeriod): CostPeriod {
  const start = parseInstant(input.start, 'period.start');
  const end = parseInstant(input.end, 'period.end');
  ensure(start < end, 'cost.invalid_period', 'period.start must be before period.end', {
    start: input.start,
    end: input.end,
  });
  return { start: toIso(start), end: toIso(end) };
}

/** Entity: the cost of one category within the period. */
export interface CostBreakdownLine {
  readonly category: CostCategory;
  readonly amount: Money;
}

/**
 * A line as clients send it: an amount in currency units (e.g. 12.34 USD), or already in exact
 * integer micro-units (what a service that parsed a decimal string holds, so no float is involved).
 */
export type CostLineInput =
  | { readonly category: string; readonly amount: number }
  | { readonly category: string; readonly amountMicros: number };

function canonicalOrder(a: CostBreakdownLine, b: CostBreakdownLine): number {
  return COST_CATEGORIES.indexOf(a.category) - COST_CATEGORIES.indexOf(b.category);
}

/**
 * The breakdown is a map category → amount, so a category appears once; lines come back in the
 * canonical category order whatever order they were sent in.
 */
export function costBreakdown(lines: readonly CostBreakdownLine[]): readonly CostBreakdownLine[] {
  const seen = new Set<CostCategory>();
  const checked = lines.map((line) => {
    const category = costCategory(line.category);
    ensure(!seen.has(category), 'cost.duplicate_category', `category ${category} appears twice`, {
      category,
    });
    seen.add(category);
    return { category, amount: moneyFromMicros(line.amount.micros, line.amount.currency) };
  });
  return checked.sort(canonicalOrder);
}

/** Converts client lines (currency units) to exact micro-unit lines; negatives are refused. */
export function costLinesFromInput(
  lines: readonly CostLineInput[],
  cur: string,
): readonly CostBreakdownLine[] {
  return costBreakdown(
    lines.map((line) => ({
      category: costCategory(line.category),
      amount:
        'amountMicros' in line ? moneyFromMicros(line.amountMicros, cur) : money(line.amount, cur),
    })),
  );
}

/** Exact sum in micro-units; an empty breakdown costs zero. */
export function breakdownTotal(lines: readonly CostBreakdownLine[], cur: string): Money {
  const total = lines.reduce((sum, line) => addMoney(sum, line.amount), moneyFromMicros(0, cur));
  ensure(Number.isSafeInteger(total.micros), 'money.invalid_amount', 'total is too large', {
    micros: total.micros,
  });
  return total;
}

/** Entity: a category whose cost jumped against its trailing baseline. */
export interface CostAnomaly {
  readonly category: CostCategory;
  readonly detectedAt: string;
  /** (observed − baseline) / baseline × 100, rounded to 2 decimals. */
  readonly deltaPct: number;
  readonly baseline: Money;
  readonly observed: Money;
  /** traceIds of the largest contributing cost lines of the category, largest first. */
  readonly traceIds: readonly string[];
}

/** At most this many contributing traceIds are kept per anomaly (and published). */
export const MAX_ANOMALY_TRACE_IDS = 10;
