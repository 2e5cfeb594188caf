import { ensure } from '../shared/domain-error.js';

export const SLO_STATUSES = ['healthy', 'at-risk', 'breached'] as const;
export type SloStatus = (typeof SLO_STATUSES)[number];

/**
 * Targets are percentages with at most six decimals (99.9, 99.95, 99.9999). Holding them as an
 * integer count of millionths of a percent lets every budget comparison run on integers, so
 * "the observed bad share has used the whole budget" is decided exactly, not within float noise.
 */
export const TARGET_SCALE = 1_000_000;
const HUNDRED_PERCENT_SCALED = 100 * TARGET_SCALE;

export function sloStatus(value: string): SloStatus {
  ensure(
    (SLO_STATUSES as readonly string[]).includes(value),
    'slo.invalid_status',
    `status must be one of ${SLO_STATUSES.join(', ')}`,
    { value },
  );
  return value as SloStatus;
}

/** SloTarget: a percentage in (0, 100] with at most six decimals. */
export function sloTarget(value: number): number {
  const scaled = Math.round(value * TARGET_SCALE);
  ensure(
    Number.isFinite(value) &&
      value > 0 &&
      value <= 100 &&
      scaled > 0 &&
      scaled / TARGET_SCALE === value,
    'slo.invalid_target',
    'target must be a percentage in (0, 100] with at most six decimals',
    { value },
  );
  return value;
}

/** The error budget in millionths of a percent: 100 − target, exactly. */
export function errorBudgetScaled(target: number): number {
  return HUNDRED_PERCENT_SCALED - Math.round(sloTarget(target) * TARGET_SCALE);
}

/** errorBudget = 100 − target, in percent of events (DESIGN.md section 9). */
export function errorBudgetOf(target: number): number {
  return errorBudgetScaled(target) / TARGET_SCALE;
}

/**
 * Sli: the metric and how its events split into good and total, as selectors over the metric's
 * dimensions (e.g. metric `http.server.requests`, good `status_code < 500`, total `*`). The SLO
 * service counts good/total from MetricSeries with them; the domain only needs the counts.
 */
export interface Sli {
  readonly metric: string;
  readonly good: string;
  readonly total: string;
}

const SLI_FIELD_MAX = 512;

export function sli(input: Sli): Sli {
  for (const field of ['metric', 'good', 'total'] as const) {
    const value = input[field];
    ensure(
      typeof value === 'string' && value.trim().length > 0 && value.length <= SLI_FIELD_MAX,
      'slo.invalid_indicator',
      `indicator.${field} is required (1-${SLI_FIELD_MAX} characters)`,
      { field },
    );
  }
  return { metric: input.metric.trim(), good: input.good.trim(), total: input.total.trim() };
}

/** Good and total event counts over one window. */
export interface SliCounts {
  readonly good: number;
  readonly total: number;
}

export function sliCounts(input: SliCounts, field: string): SliCounts {
  ensure(
    Number.isSafeInteger(input.good) &&
      Number.isSafeInteger(input.total) &&
      input.good >= 0 &&
      input.good <= input.total,
    'slo.invalid_observation',
    `${field} needs whole counts with 0 ≤ good ≤ total`,
    { field, good: input.good, total: input.total },
  );
  return { good: input.good, total: input.total };
}
