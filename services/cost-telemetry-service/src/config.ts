import { z } from 'zod';
import { AMOUNT_PATTERN, amountAsNumber } from './money.js';

/** Trailing periods the baseline median is taken over: a week of days, a quarter of months. */
export const DEFAULT_BASELINE_DAYS = 7;
export const DEFAULT_BASELINE_MONTHS = 3;
/** A baseline needs at least this many trailing periods with cost (else: no anomaly yet). */
export const DEFAULT_MIN_BASELINE_PERIODS = 3;
/** An anomaly rises ≥ 50 % over the baseline ... */
export const DEFAULT_ANOMALY_DELTA_PCT = 50;
/** ... and by at least 10 currency units, so a project's cents doubling pages nobody. */
export const DEFAULT_ANOMALY_MIN_AMOUNT = '10';
export const DEFAULT_EXPORT_CONTAINER = 'cost-exports';
export const DEFAULT_EXPORT_INTERVAL_MS = 2_000;

export interface CostServiceConfig {
  readonly baselineDays: number;
  readonly baselineMonths: number;
  readonly minBaselinePeriods: number;
  /** Minimum rise over the baseline, in percent (the domain's thresholdPct). */
  readonly anomalyDeltaPct: number;
  /** Minimum rise in currency units (decimal string; the domain's minAbsoluteDelta). */
  readonly anomalyMinAmount: string;
  /** Azure Storage connection string (Azurite locally); exports are refused without one. */
  readonly blobConnectionString: string | undefined;
  readonly exportContainer: string;
  /** How often the export job looks for pending exports; 0 = only runOnce() (tests). */
  readonly exportIntervalMs: number;
}

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const envSchema = z
  .object({
    COST_BASELINE_DAYS: positiveInt(366).default(DEFAULT_BASELINE_DAYS),
    COST_BASELINE_MONTHS: positiveInt(36).default(DEFAULT_BASELINE_MONTHS),
    COST_MIN_BASELINE_PERIODS: positiveInt(366).default(DEFAULT_MIN_BASELINE_PERIODS),
    COST_ANOMALY_DELTA_PCT: z.coerce
      .number()
      .positive()
      .max(1_000_000)
      .default(DEFAULT_ANOMALY_DELTA_PCT),
    COST_ANOMALY_MIN_AMOUNT: z.string().regex(AMOUNT_PATTERN).default(DEFAULT_ANOMALY_MIN_AMOUNT),
    AZURE_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
    COST_EXPORT_CONTAINER: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/)
      .default(DEFAULT_EXPORT_CONTAINER),
    COST_EXPORT_INTERVAL_MS: z.coerce.number().int().min(0).default(DEFAULT_EXPORT_INTERVAL_MS),
  })
  .refine(
    (env) =>
      env.COST_MIN_BASELINE_PERIODS <= env.COST_BASELINE_DAYS &&
      env.COST_MIN_BASELINE_PERIODS <= env.COST_BASELINE_MONTHS,
    {
      path: ['COST_MIN_BASELINE_PERIODS'],
      message: 'must not exceed COST_BASELINE_DAYS nor COST_BASELINE_MONTHS',
    },
  );

/**
 * Reads the service's own settings (the kit's Env keeps only platform-wide ones); a bad value
 * stops the service at start, naming the variable.
 */
export function costConfigFrom(source: NodeJS.ProcessEnv): CostServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid cost-telemetry-service environment: ${fields}`);
  }
  const e = env.data;
  return {
    baselineDays: e.COST_BASELINE_DAYS,
    baselineMonths: e.COST_BASELINE_MONTHS,
    minBaselinePeriods: e.COST_MIN_BASELINE_PERIODS,
    anomalyDeltaPct: e.COST_ANOMALY_DELTA_PCT,
    anomalyMinAmount: e.COST_ANOMALY_MIN_AMOUNT,
    blobConnectionString: e.AZURE_STORAGE_CONNECTION_STRING,
    exportContainer: e.COST_EXPORT_CONTAINER,
    exportIntervalMs: e.COST_EXPORT_INTERVAL_MS,
  };
}

/** The domain's anomaly options from the configuration. */
export function anomalyOptionsOf(config: CostServiceConfig) {
  return {
    thresholdPct: config.anomalyDeltaPct,
    minBaselinePeriods: config.minBaselinePeriods,
    minAbsoluteDelta: amountAsNumber(config.anomalyMinAmount),
  };
}
