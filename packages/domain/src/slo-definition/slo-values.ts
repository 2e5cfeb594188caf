import { DomainError, ensure } from '../kernel/domain-error.js';

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

/** errorBudget = 100 − target, in percent of events (docs/design.md#slo). */
export function errorBudgetOf(target: number): number {
  return errorBudgetScaled(target) / TARGET_SCALE;
}

export const SLI_KINDS = ['ratio', 'latency'] as const;
export type SliKind = (typeof SLI_KINDS)[number];

export const LATENCY_PERCENTILES = ['p50', 'p95', 'p99'] as const;
export type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

/** Group values a metric window must carry to count (e.g. `{ service: 'payments-api' }`). */
export type SliFilter = Readonly<Record<string, string>>;

/** good/total from two metrics: each window's event count of the good and of the total metric. */
export interface RatioSli {
  readonly kind: 'ratio';
  readonly goodMetric: string;
  readonly totalMetric: string;
  readonly filter: SliFilter;
}

/** Events of a histogram metric, good while the window's chosen percentile is ≤ threshold. */
export interface LatencySli {
  readonly kind: 'latency';
  readonly metric: string;
  readonly percentile: LatencyPercentile;
  /** In the metric's own unit (ms for http.server.duration). */
  readonly threshold: number;
  readonly filter: SliFilter;
}

/** Sli: what the SLO counts, as a discriminated union of the two supported indicators. */
export type Sli = RatioSli | LatencySli;

const METRIC_NAME_MAX = 256;
const FILTER_MAX_ENTRIES = 20;
const FILTER_TEXT_MAX = 256;

function metricName(value: unknown, field: string): string {
  ensure(
    typeof value === 'string' && value.trim().length > 0 && value.length <= METRIC_NAME_MAX,
    'slo.invalid_indicator',
    `indicator.${field} is required (1-${METRIC_NAME_MAX} characters)`,
    { field },
  );
  return value.trim();
}

function sliFilter(input: SliFilter | undefined): SliFilter {
  const entries = Object.entries(input ?? {});
  ensure(
    entries.length <= FILTER_MAX_ENTRIES,
    'slo.invalid_indicator',
    `indicator.filter takes at most ${FILTER_MAX_ENTRIES} entries`,
    { field: 'filter' },
  );
  const sorted = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of sorted) {
    ensure(
      key.trim().length > 0 &&
        key.length <= FILTER_TEXT_MAX &&
        typeof value === 'string' &&
        value.length <= FILTER_TEXT_MAX,
      'slo.invalid_indicator',
      `indicator.filter needs non-blank keys and values of at most ${FILTER_TEXT_MAX} characters`,
      { field: `filter.${key}` },
    );
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  return Object.fromEntries(sorted);
}

export function sli(input: Sli): Sli {
  const kind = (input as { kind?: unknown }).kind;
  switch (kind) {
    case 'ratio': {
      const ratio = input as RatioSli;
      const goodMetric = metricName(ratio.goodMetric, 'goodMetric');
      const totalMetric = metricName(ratio.totalMetric, 'totalMetric');
      ensure(
        goodMetric !== totalMetric,
        'slo.invalid_indicator',
        'indicator.goodMetric and indicator.totalMetric must be different metrics',
        { field: 'goodMetric' },
      );
      return { kind, goodMetric, totalMetric, filter: sliFilter(ratio.filter) };
    }
    case 'latency': {
      const latency = input as LatencySli;
      ensure(
        (LATENCY_PERCENTILES as readonly unknown[]).includes(latency.percentile),
        'slo.invalid_indicator',
        `indicator.percentile must be one of ${LATENCY_PERCENTILES.join(', ')}`,
        { field: 'percentile' },
      );
      ensure(
        typeof latency.threshold === 'number' &&
          Number.isFinite(latency.threshold) &&
          latency.threshold > 0,
        'slo.invalid_indicator',
        'indicator.threshold must be a positive number',
        { field: 'threshold' },
      );
      return {
        kind,
        metric: metricName(latency.metric, 'metric'),
        percentile: latency.percentile,
        threshold: latency.threshold,
        filter: sliFilter(latency.filter),
      };
    }
    default:
      throw new DomainError(
        'slo.invalid_indicator',
        `indicator.kind must be one of ${SLI_KINDS.join(', ')}`,
        { field: 'kind' },
      );
  }
}

/** The metrics an indicator reads, sorted (what the SLO service subscribes the SLO to). */
export function sliMetrics(indicator: Sli): string[] {
  switch (indicator.kind) {
    case 'ratio':
      return [indicator.goodMetric, indicator.totalMetric].sort();
    case 'latency':
      return [indicator.metric];
    default: {
      const unreachable: never = indicator;
      throw new Error(`unknown SLI ${String(unreachable)}`);
    }
  }
}

/** True when the window's group carries every value of the filter. */
export function sliMatchesGroup(indicator: Sli, group: Readonly<Record<string, string>>): boolean {
  return Object.entries(indicator.filter).every(([key, value]) => group[key] === value);
}

/** What a closed metric window reports (MetricAggregated values); extra fields are ignored. */
export interface SliWindowValues {
  readonly count: number;
  readonly sum: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export type SliRole = 'good' | 'total';

/** One window's part of the SLI: events counted as good, or as total. */
export interface SliContribution {
  readonly role: SliRole;
  readonly events: number;
}

/** A window larger than this many events is taken as this many (keeps every sum a safe integer). */
export const MAX_WINDOW_EVENTS = 1_000_000_000_000;

function events(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(MAX_WINDOW_EVENTS, Math.round(value));
}

/**
 * How one closed window of `metric` counts for the indicator (empty when it is not the
 * indicator's metric):
 * - ratio: the window's `sum` is its number of events (a counter's deltas add up to the events;
 *   a metric of one point per event with value 1 has sum = count). Rounded to a whole number,
 *   negative or non-finite sums count as 0.
 * - latency: all `count` events are total; they are all good when the chosen percentile is at
 *   most the threshold, and all bad otherwise (a window-based SLI: a window whose p99 is above
 *   300 ms was a bad window for every request in it).
 */
export function sliContributions(
  indicator: Sli,
  metric: string,
  values: SliWindowValues,
): SliContribution[] {
  switch (indicator.kind) {
    case 'ratio': {
      const parts: SliContribution[] = [];
      if (metric === indicator.goodMetric) parts.push({ role: 'good', events: events(values.sum) });
      if (metric === indicator.totalMetric) {
        parts.push({ role: 'total', events: events(values.sum) });
      }
      return parts;
    }
    case 'latency': {
      if (metric !== indicator.metric) return [];
      const total = events(values.count);
      const good = values[indicator.percentile] <= indicator.threshold ? total : 0;
      return [
        { role: 'good', events: good },
        { role: 'total', events: total },
      ];
    }
    default: {
      const unreachable: never = indicator;
      throw new Error(`unknown SLI ${String(unreachable)}`);
    }
  }
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
