import { METRIC_MAX_EXEMPLARS, METRIC_WINDOW_GRACE_MS } from '@obs/domain';
import { z } from 'zod';

export const DEFAULT_CLOSE_INTERVAL_MS = 5_000;
/**
 * A tenant that stops sending would leave its last windows open forever on an event-time
 * watermark alone; the watermark is never older than the clock (`ctx.clock()`) minus this, so a
 * window closes by its end + grace + this on the wall clock at the latest, whether or not more
 * points come. 5 s (one reporting interval of a typical exporter): a metric that goes silent right
 * after a spike still gets its alert within 90 s; a point arriving more than grace + this after
 * its window's end is late (docs/services/metric-aggregation.md#timeliness).
 */
export const DEFAULT_IDLE_CLOSE_MS = 5_000;
/**
 * Points further ahead of the clock than this are refused: one point from a host with a wrong
 * clock would otherwise move the tenant's watermark and close every open window early.
 */
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
export const DEFAULT_EXEMPLARS = 5;

export interface MetricServiceConfig {
  /** Event time after a window's end before it closes (docs/design.md#metric-series: 15 s). */
  readonly graceMs: number;
  readonly idleCloseMs: number;
  readonly maxFutureMs: number;
  /** Exemplar traceIds carried per window (≤ METRIC_MAX_EXEMPLARS). */
  readonly exemplars: number;
  /** How often the window-close job runs; 0 turns the timer off (tests call runOnce()). */
  readonly closeIntervalMs: number;
  /** PromQL limits of the Prometheus HTTP API (PROMQL_MAX_SAMPLES, _MAX_SERIES, _TIMEOUT_MS). */
  readonly promql: PromqlLimits;
}

export interface PromqlLimits {
  /** Samples one query may load from the store, and points its result may hold. */
  readonly maxSamples: number;
  /** Series one selector may select. */
  readonly maxSeries: number;
  /** Evaluation time before a query answers 503 timeout (a `timeout` parameter may lower it). */
  readonly timeoutMs: number;
}

export const DEFAULT_PROMQL_LIMITS: PromqlLimits = {
  maxSamples: 2_000_000,
  maxSeries: 10_000,
  timeoutMs: 30_000,
};

const envSchema = z.object({
  METRIC_WINDOW_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(METRIC_WINDOW_GRACE_MS),
  METRIC_IDLE_CLOSE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(2_592_000_000)
    .default(DEFAULT_IDLE_CLOSE_MS),
  METRIC_MAX_FUTURE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(DEFAULT_MAX_FUTURE_MS),
  METRIC_EXEMPLARS: z.coerce
    .number()
    .int()
    .min(0)
    .max(METRIC_MAX_EXEMPLARS)
    .default(DEFAULT_EXEMPLARS),
  METRIC_CLOSE_INTERVAL_MS: z.coerce.number().int().min(0).default(DEFAULT_CLOSE_INTERVAL_MS),
  PROMQL_MAX_SAMPLES: z.coerce
    .number()
    .int()
    .min(1)
    .max(50_000_000)
    .default(DEFAULT_PROMQL_LIMITS.maxSamples),
  PROMQL_MAX_SERIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_PROMQL_LIMITS.maxSeries),
  PROMQL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(DEFAULT_PROMQL_LIMITS.timeoutMs),
});

/** Reads the service's own settings; a bad value stops the service at start. */
export function metricConfigFrom(source: NodeJS.ProcessEnv): MetricServiceConfig {
  const env = envSchema.safeParse(source);
  if (!env.success) {
    const fields = env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid metric-aggregation-service environment: ${fields}`);
  }
  return {
    graceMs: env.data.METRIC_WINDOW_GRACE_MS,
    idleCloseMs: env.data.METRIC_IDLE_CLOSE_MS,
    maxFutureMs: env.data.METRIC_MAX_FUTURE_MS,
    exemplars: env.data.METRIC_EXEMPLARS,
    closeIntervalMs: env.data.METRIC_CLOSE_INTERVAL_MS,
    promql: {
      maxSamples: env.data.PROMQL_MAX_SAMPLES,
      maxSeries: env.data.PROMQL_MAX_SERIES,
      timeoutMs: env.data.PROMQL_TIMEOUT_MS,
    },
  };
}
